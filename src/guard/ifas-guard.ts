/**
 * The auth-pipeline guard a host application puts in front of its login route: redeem the liveness
 * session the login request names (session mode: the person completed it on the capture page) or take
 * the face image from the request (image mode), get a decision from ifas-guard, and let the login
 * continue only on an allowed decision. `ifasGuard` is the plain function (any framework: Request in, verdict out);
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
import type { SessionClient, SessionRedeemOutcome } from './session-clients.js';

export interface GuardOptions {
  /** Image mode: check the face image the login request carries. */
  client?: CheckClient;
  /**
   * Session mode (preferred): the login request names a liveness session the person completed on the
   * capture page; the guard redeems it (same subject, judged, recent, single use) instead of an image.
   */
  sessions?: SessionClient;
  /** The session id of the request; default: multipart/JSON field `livenessSessionId`. */
  sessionIdOf?: (request: Request) => Promise<string | null>;
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
   * The service's tenant policy (IFAS_IDENTITY) always applies: its check and redemption answers say
   * `referenceRequired`, in-process and over HTTP alike. This option can only make the guard stricter
   * (true requires a reference even where the tenant does not); false never relaxes the service's policy.
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
      reason:
        | 'decision'
        | 'identity'
        | 'no_image'
        | 'no_session'
        | 'session_refused'
        | 'unavailable';
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

function defaultField(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function defaultSubject(body: Record<string, unknown>): string | null {
  return defaultField(body, 'username');
}

/** No decision: fail open only when chosen and ifas-guard was unreachable, timed out or failed (5xx). */
function unavailable(error: unknown, options: GuardOptions): GuardVerdict {
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

/** The HTTP status behind a failure: the service's for a refusal, 503 for anything else (network, timeout). */
function statusOf(error: unknown): number {
  if (error instanceof GuardCheckError) return error.status;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 503;
}

/** An allowed decision, and — where a reference is enrolled or required — the account's face. */
function judged(check: GuardCheck, options: GuardOptions): GuardVerdict {
  if (!(options.allow ?? ['live']).includes(check.decision)) {
    return {
      allowed: false,
      check,
      reason: 'decision',
      status: 403,
      detail: check.rationale ?? `the liveness decision was ${check.decision}`,
    };
  }
  // At least as strict as the service: the local option adds to the tenant's policy, never removes it.
  const identity = identityFailure(
    check.match,
    options.requireReference === true || check.referenceRequired === true,
  );
  if (identity) {
    return { allowed: false, check, reason: 'identity', status: 403, detail: identity };
  }
  return { allowed: true, check, reason: 'allowed' };
}

async function redeemSession(
  sessions: SessionClient,
  request: Request,
  body: () => Promise<Record<string, unknown>>,
  options: GuardOptions,
): Promise<GuardVerdict> {
  const sessionId = options.sessionIdOf
    ? await options.sessionIdOf(request.clone())
    : defaultField(await body(), 'livenessSessionId');
  const subject = options.subjectOf
    ? await options.subjectOf(request.clone())
    : defaultSubject(await body());
  if (!sessionId || !subject) {
    return {
      allowed: false,
      check: null,
      reason: 'no_session',
      status: 400,
      detail: 'the login request names no liveness session, or no subject',
    };
  }
  let outcome: SessionRedeemOutcome;
  try {
    outcome = await sessions({ sessionId, subject });
  } catch (error) {
    return unavailable(error, options);
  }
  if (!outcome.redeemed) {
    // The service's identity rule refused it: the client hears what a spoof hears.
    const identity = outcome.reason === 'face_mismatch' || outcome.reason === 'reference_required';
    return {
      allowed: false,
      check: null,
      reason: identity ? 'identity' : 'session_refused',
      status: 403,
      detail: `the liveness session cannot be used: ${outcome.reason}`,
    };
  }
  return judged(outcome.check, options);
}

/** Decides one login request. The request is cloned before reading, so the login handler can still read its body. */
export async function ifasGuard(request: Request, options: GuardOptions): Promise<GuardVerdict> {
  // The defaults share one parse of the body; a custom extractor gets its own copy of the request.
  let parsed: Promise<Record<string, unknown>> | undefined;
  const body = () => {
    parsed ??= fields(request.clone());
    return parsed;
  };
  if (options.sessions) return redeemSession(options.sessions, request, body, options);
  if (!options.client)
    throw new TypeError('ifasGuard needs a client (image mode) or sessions (session mode)');
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
    return unavailable(error, options);
  }
  return judged(check, options);
}

/**
 * What the untrusted login client is told: a code and how to retry, nothing of what the model saw. A
 * spoof, an uncertain capture and a face that is not the account's read the same (no oracle), in image
 * and session mode alike.
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
  no_session: () =>
    new LivenessRefusedError(
      'LIVENESS_NO_SESSION',
      'The login request names no liveness session; complete the face check first.',
    ),
  session_refused: () =>
    new LivenessRefusedError(
      'LIVENESS_SESSION_REFUSED',
      'This liveness session cannot be used for this login; start a new face check.',
    ),
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
  if (typeof options.client !== 'function' && typeof options.sessions !== 'function') {
    throw new TypeError(
      'ifasGuardMiddleware needs a client (inProcessChecks, remoteChecks) or sessions (inProcessSessions, remoteSessions)',
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
