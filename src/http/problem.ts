/**
 * The one place errors become HTTP responses: RFC 9457 application/problem+json with the stable
 * `code`, plus WWW-Authenticate on 401/403 (RFC 6750) and Retry-After on a full queue. Unknown
 * errors become an opaque 500; their message is logged, never sent.
 */

import {
  AppError,
  AuthenticationError,
  ForbiddenError,
  HookAuthenticationError,
  InternalError,
  problemTypeFor,
  RetryLaterError,
} from '../errors.js';

const REALM = 'ifas-guard';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  details?: Record<string, unknown>;
}

/** Quotes inside a header parameter would cut it short, so they are dropped. */
function quoted(value: string): string {
  return `"${value.replace(/["\\\r\n]/g, '')}"`;
}

function challengeFor(error: AppError): string | null {
  if (error instanceof AuthenticationError) {
    return error.code === 'AUTH_MISSING'
      ? `Bearer realm=${quoted(REALM)}`
      : `Bearer realm=${quoted(REALM)}, error="invalid_token", error_description=${quoted(error.message)}`;
  }
  if (error instanceof HookAuthenticationError) {
    return `Signature realm=${quoted(REALM)}, headers="webhook-id webhook-timestamp webhook-signature"`;
  }
  if (error instanceof ForbiddenError) {
    return `Bearer realm=${quoted(REALM)}, error="insufficient_scope", scope=${quoted(error.requiredScope)}`;
  }
  return null;
}

export function problemFor(
  error: unknown,
  requestId?: string,
): { problem: Problem; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const known =
    error instanceof AppError
      ? error
      : new InternalError('the server failed to handle the request; it has been logged');
  const challenge = challengeFor(known);
  if (challenge) headers['www-authenticate'] = challenge;
  if (known instanceof RetryLaterError) headers['retry-after'] = String(known.retryAfterSeconds);
  return {
    problem: {
      type: problemTypeFor(known.code),
      title: known.title,
      status: known.status,
      detail: known.message,
      code: known.code,
      ...(requestId ? { instance: requestId } : {}),
      ...(known.details ? { details: known.details } : {}),
    },
    headers,
  };
}

export function problemResponse(error: unknown, requestId?: string): Response {
  const { problem, headers } = problemFor(error, requestId);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
