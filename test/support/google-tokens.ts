/**
 * A stand-in for Google's token infrastructure on 127.0.0.1: a real JWKS server with a local RS256
 * key, and ID tokens signed by it with Google's claims (iss, aud, sub, email, email_verified).
 */

import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

import { type Receiver, startReceiver } from './receivers.js';

export const CALLER = 'ifas-aws-caller@project.iam.gserviceaccount.com';

export interface GoogleTokens {
  jwksUrl: string;
  jwks: Receiver;
  /** A token signed by the served key; `claims` override the defaults, `expiresIn` the lifetime. */
  sign(
    claims: JWTPayload & { aud: string },
    options?: { expiresIn?: string | number },
  ): Promise<string>;
  /** A token signed by a key the JWKS does not serve. */
  signWithStrangerKey(claims: JWTPayload & { aud: string }): Promise<string>;
  unsigned(claims: JWTPayload & { aud: string }): string;
  close(): Promise<void>;
}

export async function startGoogleTokens(): Promise<GoogleTokens> {
  const key = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  const jwks = await startReceiver(async () => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ keys: [jwk] }),
  }));
  const withDefaults = (claims: JWTPayload) => ({
    iss: 'https://accounts.google.com',
    sub: '1234567890',
    email: CALLER,
    email_verified: true,
    ...claims,
  });
  const signWith = (privateKey: KeyLike, claims: JWTPayload, expiresIn: string | number) =>
    new SignJWT(withDefaults(claims))
      .setProtectedHeader({ alg: 'RS256', kid: 'local-1', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(privateKey);
  return {
    jwksUrl: `${jwks.url}oauth2/v3/certs`,
    jwks,
    sign: (claims, options = {}) => signWith(key.privateKey, claims, options.expiresIn ?? '1h'),
    signWithStrangerKey: (claims) => signWith(stranger.privateKey, claims, '1h'),
    unsigned: (claims) =>
      new UnsecuredJWT(withDefaults(claims)).setIssuedAt().setExpirationTime('1h').encode(),
    close: () => jwks.close(),
  };
}
