import { describe, expect, it } from 'vitest';
import {
  AppError,
  ERROR_CODES,
  type ErrorCode,
  errorForCode,
  ForbiddenError,
  InferenceFailedError,
  QueueFullError,
} from '../../src/errors.js';
import { problemFor } from '../../src/http/problem.js';
import { errorFromWire, parseInferResponse, wireErrorOf } from '../../src/remote/infer-protocol.js';

/** Extras some codes carry, so the round trip can show they survive. */
const EXTRAS = { retryAfterSeconds: 7, requiredScope: 'checks:write', details: { limit: 3 } };

describe('Registry: every error code round-trips over the infer wire', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s', (code: ErrorCode) => {
    const original = errorForCode(code, `message for ${code}`, EXTRAS);
    expect(original).toBeInstanceOf(AppError);
    expect(original.code).toBe(code);

    // Through JSON, as it travels between processes.
    const wire = JSON.parse(JSON.stringify(wireErrorOf(original)));
    const back = errorFromWire(wire);

    expect(back.constructor).toBe(original.constructor);
    expect(back.code).toBe(code);
    expect(back.status).toBe(original.status);
    expect(back.title).toBe(original.title);
    expect(back.message).toBe(original.message);
    expect(back.details).toEqual({ limit: 3 });
    // The HTTP answer a client gets is the same whichever side the error came from.
    expect(problemFor(back)).toEqual(problemFor(original));
  });

  it('keeps Retry-After for a busy remote model and the scope for a forbidden one', () => {
    const busy = errorFromWire(wireErrorOf(new QueueFullError(4, 'busy')));
    expect(busy).toBeInstanceOf(QueueFullError);
    expect(problemFor(busy).headers['retry-after']).toBe('4');
    expect(problemFor(busy).problem.status).toBe(503);
    const forbidden = errorFromWire(wireErrorOf(new ForbiddenError('audit:read', 'no')));
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect((forbidden as ForbiddenError).requiredScope).toBe('audit:read');
  });

  it('turns an unknown code or an untyped failure into INFER_FAILED', () => {
    const unknown = errorFromWire({ code: 'SOMETHING_NEW', status: 500, message: 'x' });
    expect(unknown).toBeInstanceOf(InferenceFailedError);
    expect(unknown.message).toContain('SOMETHING_NEW');
    expect(wireErrorOf(new Error('secret detail'))).toEqual({
      code: 'INFER_FAILED',
      status: 500,
      message: 'inference failed',
    });
  });
});

describe('Function: parseInferResponse', () => {
  it('throws the typed error of an error answer', () => {
    expect(() =>
      parseInferResponse(
        {
          ok: false,
          error: { code: 'QUEUE_FULL', status: 503, message: 'busy', retryAfterSeconds: 2 },
        },
        'test',
      ),
    ).toThrow(QueueFullError);
  });

  it('refuses answers that do not match the protocol', () => {
    for (const payload of [
      {},
      { ok: true },
      { ok: true, result: { decision: 'maybe' } },
      { ok: false, error: { code: 'QUEUE_FULL' } },
      'text',
    ]) {
      expect(() => parseInferResponse(payload, 'the peer')).toThrow(/the peer answered/);
    }
  });
});
