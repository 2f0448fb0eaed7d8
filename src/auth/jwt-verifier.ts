/**
 * Bearer JWTs from the customer's identity provider, verified with jose against a configured JWKS
 * (remote URL, cached and refreshed by jose, or a local JWKS file): signature, issuer, audience, an
 * algorithm allow-list (so `none` and HMAC-with-a-public-key confusion are impossible), expiry and
 * not-before with a bounded clock skew. The tenant comes from a configured claim, scopes from
 * `scope` (space-separated) or `scp` (array).
 */

import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';
import { AuthenticationError } from '../errors.js';
import type { Principal } from './scopes.js';

export const jwtConfigSchema = z
  .object({
    jwksUrl: z.url().optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
    issuer: z.string().min(1),
    audience: z.string().min(1),
    algorithms: z.array(z.string().min(1)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    tenantClaim: z.string().min(1).default('tenant'),
  })
  .refine((config) => (config.jwksUrl === undefined) !== (config.jwks === undefined), {
    message: 'configure exactly one of a JWKS URL or a JWKS document',
  })
  .refine((config) => !config.algorithms.some((alg) => alg === 'none' || alg.startsWith('HS')), {
    message: 'only asymmetric algorithms may verify bearer tokens',
  });

export type JwtConfig = z.input<typeof jwtConfigSchema>;

export type JwtVerifier = (token: string) => Promise<Principal>;

function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload.scope;
  const scp = payload.scp;
  if (typeof scope === 'string') return new Set(scope.split(' ').filter(Boolean));
  if (Array.isArray(scp)) return new Set(scp.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

/** Builds the verifier once (options validated up front); the returned function runs per request. */
export function jwtVerifier(input: JwtConfig): JwtVerifier {
  const config = jwtConfigSchema.parse(input);
  const keys = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), {
        timeoutDuration: 2000,
        cooldownDuration: 30_000,
      })
    : createLocalJWKSet(config.jwks as Parameters<typeof createLocalJWKSet>[0]);
  return async function verifyJwt(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      // jose's codes say what was wrong without echoing the token.
      const reason = error instanceof errors.JOSEError ? error.code : 'ERR_JWT_INVALID';
      throw new AuthenticationError('AUTH_INVALID', `bearer token rejected (${reason})`, {
        details: { reason },
      });
    }
    const tenant = payload[config.tenantClaim];
    if (typeof tenant !== 'string' || tenant.length === 0) {
      throw new AuthenticationError(
        'AUTH_INVALID',
        `bearer token has no ${config.tenantClaim} claim`,
      );
    }
    return { tenant, scopes: scopesOf(payload), caller: { kind: 'jwt', id: String(payload.sub) } };
  };
}
