/**
 * The auth-pipeline guard a host application puts in front of its login route: take the face image
 * from the login request, get a decision from ifas-guard, and let the login continue only on an
 * allowed decision. `ifasGuard` is the plain function (any framework: Request in, verdict out);
 * `ifasGuardMiddleware` is the Hono middleware, which passes the check id downstream as
 * `c.var.ifasCheck` and the `ifas-check-id` response header.
 *
 * The login client is untrusted: a denial tells it only `LIVENESS_FAILED` and how to retry, never the
 * decision, score or rationale (which would teach an attacker what the model saw); the host gets the
 * full verdict through `onDenied`. Fail-open, when chosen, covers only ifas-guard being unreachable,
 * timing out or failing (5xx): a refusal (401, 403, 409, 422) always denies.
 */

import type { MiddlewareHandler } from 'hono';
import { LivenessRefusedError, problemTypeFor } from '../errors.js';
import { identityFailure } from '../face/face-match.js';
import { type CheckClient, type GuardCheck, GuardCheckError } from './check-clients.js';

export interface GuardOptions {
  client: CheckClient;
  /** The face image of the request; default: multipart field `face`, or JSON field `faceImage` (base64). */
  extractImage?: (request: Request) => Promise<Uint8Array | null>;
  /** Who is logging in (sent as the subject); default: multipart/JSON field `username`. */
  subjectOf?: (request: Request) => Promise<string | null>;
  /** Decisions that let the login through (default: live only). */
  allow?: ReadonlyArray<GuardCheck['decision']>;
  /**
   * When no decision can be had: `deny` (fail closed, default) or `allow` (fail open: only for network
   * errors, timeouts and 5xx of ifas-guard, never for a refusal such as 401/403/409/422).
   */
  onUnavailable?: 'deny' | 'allow';
  /**
   * Deny subjects without an enrolled reference face (a live face must also be the account's face).
   * Default: the service's tenant policy in-process (IFAS_IDENTITY), false over HTTP.
   */
  requireReference?: boolean;
  /** Told about every denial with its full verdict (decision, rationale), for the host's own logs. */
  onDenied?: (verdict: GuardVerdict) => void;
}

export type GuardVerdict =
  | { allowed: true; check: GuardCheck | null; reason: 'allowed' | 'unavailable_fail_open' }
  | {
      allowed: false;
      check: GuardCheck | null;
      reason: 'decision' | 'identity' | 'no_image' | 'unavailable';
      status: 403 | 400 | 503;
      detail: string;
    };

async function fields(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? '';
  if (
    type.startsWith('multipart/form-data') ||
    type.startsWith('application/x-www-form-urlencoded')
  ) {
    return Object.fromEntries((await request.formData()).entries());
  }
  if (type.startsWith('application/json')) {
    const json = await request.json().catch(() => null);
    return json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  }
  return {};
}

async function defaultImage(body: Record<string, unknown>): Promise<Uint8Array | null> {
  if (body.face instanceof File) return new Uint8Array(await body.face.arrayBuffer());
  if (typeof body.faceImage === 'string') return Buffer.from(body.faceImage, 'base64');
  return null;
}

function defaultSubject(body: Record<string, unknown>): string | null {
  const username = body.username;
  return typeof username === 'string' && username.length > 0 ? username : null;
}

/** Decides one login request. The request is cloned before reading, so the login handler can still read its body. */
export async function ifasGuard(request: Request, options: GuardOptions): Promise<GuardVerdict> {
  // The defaults share one parse of the body; a custom extractor gets its own copy of the request.
  let parsed: Promise<Record<string, unknown>> | undefined;
  const body = () => {
    parsed ??= fields(request.clone());
    return parsed;
  };
  const image = options.extractImage
    ? await options.extractImage(request.clone())
    : await defaultImage(await body());
  if (!image || image.byteLength === 0) {
    return {
      allowed: false,
      check: null,
      reason: 'no_image',
      status: 400,
      detail: 'the login request carries no face image',
    };
  }
  const subject = options.subjectOf
    ? await options.subjectOf(request.clone())
    : defaultSubject(await body());
  let check: GuardCheck;
  try {
    check = await options.client({ image, subject });
  } catch (error) {
    const refused = statusOf(error) < 500;
    if (options.onUnavailable === 'allow' && !refused)
      return { allowed: true, check: null, reason: 'unavailable_fail_open' };
    const detail =
      error instanceof GuardCheckError
        ? `${error.code}: ${error.message}`
        : 'the liveness check failed';
    return {
      allowed: false,
      check: null,
      reason: 'unavailable',
      status: refused ? 400 : 503,
      detail,
    };
  }
  if (!(options.allow ?? ['live']).includes(check.decision)) {
    return {
      allowed: false,
      check,
      reason: 'decision',
      status: 403,
      detail: check.rationale ?? `the liveness decision was ${check.decision}`,
    };
  }
  const identity = identityFailure(
    check.match,
    options.requireReference ?? check.referenceRequired ?? false,
  );
  if (identity) {
    return { allowed: false, check, reason: 'identity', status: 403, detail: identity };
  }
  return { allowed: true, check, reason: 'allowed' };
}

/** The HTTP status behind a failure: the service's for a refusal, 503 for anything else (network, timeout). */
function statusOf(error: unknown): number {
  if (error instanceof GuardCheckError) return error.status;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 503;
}

/**
 * What the untrusted login client is told: a code and how to retry, nothing of what the model saw. A
 * spoof, an uncertain capture and a face that is not the account's read the same (no oracle).
 */
const FAILED_DETAIL =
  'The face check did not pass. Face the camera in even light, without glasses or a mask, and try again.';
const CLIENT_PROBLEMS: Record<
  Exclude<GuardVerdict, { allowed: true }>['reason'],
  () => LivenessRefusedError
> = {
  decision: () => new LivenessRefusedError('LIVENESS_FAILED', FAILED_DETAIL),
  identity: () => new LivenessRefusedError('LIVENESS_FAILED', FAILED_DETAIL),
  no_image: () =>
    new LivenessRefusedError('LIVENESS_NO_IMAGE', 'The login request carries no face image.'),
  unavailable: () =>
    new LivenessRefusedError(
      'LIVENESS_UNAVAILABLE',
      'The face check is unavailable at the moment; try again shortly.',
    ),
};

export interface GuardVariables {
  ifasCheck: GuardCheck | null;
}

export function ifasGuardMiddleware<E extends { Variables: GuardVariables }>(
  options: GuardOptions,
): MiddlewareHandler<E> {
  if (typeof options.client !== 'function') {
    throw new TypeError(
      'ifasGuardMiddleware needs a client: inProcessChecks(...) or remoteChecks(...)',
    );
  }
  return async function ifasGuardOnRequest(c, next) {
    const verdict = await ifasGuard(c.req.raw, options);
    if (verdict.check) c.header('ifas-check-id', verdict.check.id);
    if (!verdict.allowed) {
      options.onDenied?.(verdict);
      const refusal = CLIENT_PROBLEMS[verdict.reason]();
      return c.body(
        JSON.stringify({
          type: problemTypeFor(refusal.code),
          title: refusal.title,
          // A service that refused the request (4xx) makes the guard answer 400, not 503.
          status: verdict.status,
          code: refusal.code,
          detail: refusal.message,
          retryable: true,
        }),
        verdict.status,
        { 'content-type': 'application/problem+json' },
      );
    }
    c.set('ifasCheck', verdict.check);
    await next();
    return undefined;
  };
}
