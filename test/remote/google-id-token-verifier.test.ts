import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import {
  type GoogleIdTokenVerifier,
  googleIdTokenVerifier,
} from '../../src/remote/google-id-token-verifier.js';
import { CALLER, type GoogleTokens, startGoogleTokens } from '../support/google-tokens.js';

const AUDIENCE = 'https://ifas-infer-abc123-ew.a.run.app';
let google: GoogleTokens;
let verify: GoogleIdTokenVerifier;
let anyCaller: GoogleIdTokenVerifier;

beforeAll(async () => {
  google = await startGoogleTokens();
  verify = googleIdTokenVerifier({
    audience: AUDIENCE,
    allowedEmails: [CALLER],
    jwksUrl: google.jwksUrl,
    clockToleranceSeconds: 5,
  });
  anyCaller = googleIdTokenVerifier({ audience: AUDIENCE, jwksUrl: google.jwksUrl });
});

afterAll(async () => {
  await google.close();
});

async function reasonOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as AuthenticationError).details?.reason;
}

describe('Function: googleIdTokenVerifier', () => {
  it('accepts a token Google (here: the local JWKS) signed for the service URL and an allowed caller', async () => {
    const token = await google.sign({ aud: AUDIENCE });
    await expect(verify(token)).resolves.toEqual({ sub: '1234567890', email: CALLER });
    // Google writes iss without the scheme in some tokens.
    const bare = await google.sign({ aud: AUDIENCE, iss: 'accounts.google.com' });
    await expect(verify(bare)).resolves.toMatchObject({ email: CALLER });
    expect(google.jwks.received.length).toBeGreaterThan(0);
  });

  it('refuses a token for another audience', async () => {
    const token = await google.sign({ aud: 'https://someone-else.a.run.app' });
    expect(await reasonOf(verify(token))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('refuses an expired token', async () => {
    const token = await google.sign(
      { aud: AUDIENCE },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    expect(await reasonOf(verify(token))).toBe('ERR_JWT_EXPIRED');
  });

  it('refuses a caller outside the allowed e-mails, or one whose e-mail is unverified', async () => {
    const stranger = await google.sign({
      aud: AUDIENCE,
      email: 'intruder@other.iam.gserviceaccount.com',
    });
    expect(await reasonOf(verify(stranger))).toBe('ERR_EMAIL_NOT_ALLOWED');
    const unverified = await google.sign({ aud: AUDIENCE, email_verified: false });
    expect(await reasonOf(verify(unverified))).toBe('ERR_EMAIL_NOT_ALLOWED');
    // Without an allow-list any Google-signed token for the audience passes.
    await expect(anyCaller(stranger)).resolves.toMatchObject({
      email: 'intruder@other.iam.gserviceaccount.com',
    });
  });

  it('refuses unsigned tokens, tokens signed by another key, and another issuer', async () => {
    expect(await reasonOf(verify(google.unsigned({ aud: AUDIENCE })))).toBe(
      'ERR_JOSE_ALG_NOT_ALLOWED',
    );
    expect(await reasonOf(verify(await google.signWithStrangerKey({ aud: AUDIENCE })))).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
    const otherIssuer = await google.sign({ aud: AUDIENCE, iss: 'https://evil.example' });
    expect(await reasonOf(verify(otherIssuer))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(await reasonOf(verify('not.a.token'))).toBeTypeOf('string');
  });
});
