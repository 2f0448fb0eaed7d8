/**
 * The infer container's own check of Google ID tokens (IFAS_INFER_AUTH=iam), so that it does not rely
 * on Cloud Run's IAM ingress alone (a misconfigured `--allow-unauthenticated`, or another platform,
 * would otherwise leave it open): RS256 signature against Google's JWKS (fetched and cached by jose),
 * issuer accounts.google.com, audience the service URL, expiry with a bounded skew, and optionally the
 * caller's service-account e-mail from an allow-list (with `email_verified`).
 */

import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { AuthenticationError } from '../errors.js';

export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
/** Google writes either form into `iss`. */
export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

export interface GoogleIdTokenVerifierOptions {
  /** The service URL the tokens were minted for (Cloud Run: https://SERVICE-HASH.a.run.app). */
  audience: string;
  /** Service-account e-mails allowed to call; empty: any token Google signed for the audience. */
  allowedEmails?: readonly string[];
  /** Default: Google's certificate URL. */
  jwksUrl?: string;
  clockToleranceSeconds?: number;
}

export interface GoogleCaller {
  sub: string;
  email: string | null;
}

export type GoogleIdTokenVerifier = (token: string) => Promise<GoogleCaller>;

const refused = (reason: string): AuthenticationError =>
  new AuthenticationError('AUTH_INVALID', `ID token rejected (${reason})`, {
    details: { reason },
  });

export function googleIdTokenVerifier(
  options: GoogleIdTokenVerifierOptions,
): GoogleIdTokenVerifier {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_JWKS_URL), {
    timeoutDuration: 2000,
    cooldownDuration: 30_000,
  });
  const allowed = new Set(options.allowedEmails ?? []);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: GOOGLE_ISSUERS,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      // jose's codes say what was wrong without echoing the token.
      throw refused(error instanceof errors.JOSEError ? error.code : 'ERR_JWT_INVALID');
    }
    const email = typeof payload.email === 'string' ? payload.email : null;
    if (
      allowed.size > 0 &&
      (email === null || payload.email_verified !== true || !allowed.has(email))
    ) {
      throw refused('ERR_EMAIL_NOT_ALLOWED');
    }
    return { sub: String(payload.sub), email };
  };
}
