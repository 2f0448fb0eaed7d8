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
  QueueFullError,
  StoreBusyError,
} from '../errors.js';

export const PROBLEM_TYPE_BASE = 'https://ifas-guard.dev/problems/';
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
  if (!(error instanceof AppError)) {
    return {
      problem: {
        type: `${PROBLEM_TYPE_BASE}internal_error`,
        title: 'Internal error',
        status: 500,
        detail: 'the server failed to handle the request; it has been logged',
        code: 'INTERNAL_ERROR',
        ...(requestId ? { instance: requestId } : {}),
      },
      headers,
    };
  }
  const challenge = challengeFor(error);
  if (challenge) headers['www-authenticate'] = challenge;
  if (error instanceof QueueFullError || error instanceof StoreBusyError) {
    headers['retry-after'] = String(error.retryAfterSeconds);
  }
  return {
    problem: {
      type: `${PROBLEM_TYPE_BASE}${error.code.toLowerCase()}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      code: error.code,
      ...(requestId ? { instance: requestId } : {}),
      ...(error.details ? { details: error.details } : {}),
    },
    headers,
  };
}

export function problemResponse(error: unknown, requestId?: string): Response {
  const { problem, headers } = problemFor(error, requestId);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
