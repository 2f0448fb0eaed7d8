/**
 * The payload between the API function and the `infer` function (and the infer container's HTTP
 * mode). Requests are zod-validated by the answering side, answers by the asking side (the result's
 * decision fields strictly; the rest of the result is passed through as the engine made it). Errors
 * travel as their stable code and come back as the same typed errors from the one registry in
 * src/errors.ts, so a remote model fails exactly like a local one (QUEUE_FULL keeps its Retry-After).
 */

import { z } from 'zod';
import { AppError, ERROR_CODES, errorForCode, extrasOf, InferenceFailedError } from '../errors.js';
import {
  type CheckResult,
  DECISIONS,
  EXPLAIN_MODES,
  JUDGMENTS,
  type ModelInfo,
} from '../inference/check-result.js';

export const inferRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('check'),
    image: z.base64(),
    options: z
      .object({
        // Booleans are what earlier infer functions and containers sent; they map onto the modes.
        explain: z
          .union([z.enum(EXPLAIN_MODES), z.boolean().transform((b) => (b ? 'always' : 'never'))])
          .default('never'),
        maxNewTokens: z.number().int().min(0).max(4096).optional(),
        minNewTokens: z.number().int().min(0).max(4096).optional(),
        rationaleTimeoutMs: z.number().min(0).max(900_000).optional(),
        threshold: z.number().min(0).max(1).optional(),
        detect: z.boolean().optional(),
      })
      .default({ explain: 'never' }),
  }),
  z.object({ action: z.literal('describe') }),
]);

export type InferRequest = z.input<typeof inferRequestSchema>;

const wireErrorSchema = z.object({
  code: z.string().min(1),
  status: z.number().int().min(400).max(599),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  requiredScope: z.string().optional(),
});

export type WireError = z.infer<typeof wireErrorSchema>;

const modelInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  status: z.string(),
  packageHash: z.string(),
  executionProvider: z.enum(['cpu', 'cuda']),
});

const checkResultSchema = z
  .object({
    judgment: z.enum(JUDGMENTS).nullable(),
    liveness: z.number().min(0).max(1).nullable(),
    threshold: z.number().min(0).max(1),
    decision: z.enum(DECISIONS),
    rationale: z.string().nullable(),
    model: modelInfoSchema,
  })
  .loose();

/** An answer as it arrives; `parseInferResponse` turns it into the typed answer or throws. */
const inferResponseSchema = z.union([
  z.object({ ok: z.literal(true), result: checkResultSchema }),
  z.object({ ok: z.literal(true), model: modelInfoSchema, statusWarning: z.string().nullable() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);

export type InferResponse =
  | { ok: true; result: CheckResult }
  | { ok: true; model: ModelInfo; statusWarning: string | null }
  | { ok: false; error: WireError };

export function wireErrorOf(error: unknown): WireError {
  const known = error instanceof AppError ? error : new InferenceFailedError('inference failed');
  return { code: known.code, status: known.status, message: known.message, ...extrasOf(known) };
}

/** The typed error a wire error stands for; a code this build does not know is an inference failure. */
export function errorFromWire(wire: WireError): AppError {
  const { code, message, ...extras } = wire;
  const known = ERROR_CODES.find((c) => c === code);
  if (known === undefined) {
    return new InferenceFailedError(`remote inference failed: ${code}: ${message}`);
  }
  const { status: _status, ...rest } = extras;
  return errorForCode(known, message, rest);
}

/**
 * Validates an answer from the other side: a successful answer is returned, an error answer is
 * thrown as its typed error, anything else is an inference failure naming who answered.
 */
export function parseInferResponse(
  payload: unknown,
  from: string,
): Extract<InferResponse, { ok: true }> {
  const parsed = inferResponseSchema.safeParse(payload);
  if (!parsed.success) {
    throw new InferenceFailedError(
      `${from} answered with something that is not an infer response`,
      {
        details: { issues: parsed.error.issues.length },
      },
    );
  }
  const answer = parsed.data as InferResponse;
  if (!answer.ok) throw errorFromWire(answer.error);
  return answer;
}
