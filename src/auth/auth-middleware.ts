/**
 * The authentication hook: a Hono middleware that turns `Authorization: Bearer …` (an ifas API key
 * or an IdP-issued JWT) or `X-API-Key` into a Principal on the context, and `requireScope` guards
 * each route. Failures throw typed errors; the one error handler turns them into problem+json with
 * `WWW-Authenticate`.
 */

import type { MiddlewareHandler } from 'hono';
import type { ApiKeyStore } from '../audit/api-key-table.js';
import { AuthenticationError, ForbiddenError } from '../errors.js';
import { looksLikeApiKey, verifyApiKey } from './api-keys.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { Principal, Scope } from './scopes.js';

export interface AuthVariables {
  principal: Principal;
}

export interface AuthOptions {
  store: ApiKeyStore;
  /** Absent: only API keys are accepted. */
  verifyJwt?: JwtVerifier;
}

function presentedCredential(
  authorization: string | undefined,
  apiKeyHeader: string | undefined,
): string {
  if (apiKeyHeader !== undefined) {
    return apiKeyHeader.trim();
  }
  if (authorization === undefined) {
    throw new AuthenticationError('AUTH_MISSING', 'send Authorization: Bearer <API key or JWT>');
  }
  const match = /^Bearer +([^\s]+)\s*$/i.exec(authorization);
  if (!match?.[1]) {
    throw new AuthenticationError(
      'AUTH_INVALID',
      'the Authorization header must be "Bearer <credential>"',
    );
  }
  return match[1];
}

export function authenticate<E extends { Variables: AuthVariables }>(
  options: AuthOptions,
): MiddlewareHandler<E> {
  return async function authenticateRequest(c, next) {
    const credential = presentedCredential(
      c.req.header('authorization'),
      c.req.header('x-api-key'),
    );
    let principal: Principal;
    if (looksLikeApiKey(credential)) {
      const key = await verifyApiKey(options.store, credential);
      if (!key) {
        throw new AuthenticationError('AUTH_INVALID', 'unknown, expired or revoked API key');
      }
      principal = {
        tenant: key.tenant,
        scopes: new Set(key.scopes),
        caller: { kind: 'api-key', id: key.id },
      };
    } else if (options.verifyJwt) {
      principal = await options.verifyJwt(credential);
    } else {
      throw new AuthenticationError(
        'AUTH_INVALID',
        'not an API key, and bearer JWTs are not configured',
      );
    }
    c.set('principal', principal);
    await next();
  };
}

export function requireScope<E extends { Variables: AuthVariables }>(
  scope: Scope,
): MiddlewareHandler<E> {
  return async function requireScopeOnRequest(c, next) {
    if (!c.get('principal').scopes.has(scope)) {
      throw new ForbiddenError(scope, `this credential lacks the ${scope} scope`);
    }
    await next();
  };
}
