import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { cachedIdTokens, googleIdTokens } from '../../src/remote/google-id-token.js';

/** An unsigned JWT-shaped token expiring at `exp` (seconds); only its payload is read here. */
const tokenExpiring = (exp: number, n: number) =>
  `h.${Buffer.from(JSON.stringify({ exp, n })).toString('base64url')}.s`;

describe('Function: cachedIdTokens', () => {
  it('reuses a token until five minutes before it expires, then fetches a new one, once', async () => {
    let clock = 1_000_000;
    let fetched = 0;
    const source = cachedIdTokens(
      async () => tokenExpiring(Math.floor(clock / 1000) + 3600, ++fetched),
      () => clock,
    );
    const first = await source();
    expect(await source()).toBe(first);
    clock += 54 * 60 * 1000; // 6 minutes left
    expect(await source()).toBe(first);
    clock += 2 * 60 * 1000; // 4 minutes left: refresh
    const [a, b] = await Promise.all([source(), source()]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    expect(fetched).toBe(2);
  });

  it('fetches again after a failed fetch instead of caching the failure', async () => {
    let calls = 0;
    const source = cachedIdTokens(async () => {
      calls++;
      if (calls === 1) throw new Error('sts unreachable');
      return tokenExpiring(Math.floor(Date.now() / 1000) + 3600, calls);
    });
    await expect(source()).rejects.toThrow('sts unreachable');
    await expect(source()).resolves.toMatch(/^h\./);
  });
});

describe('Function: googleIdTokens', () => {
  it('refuses a configuration that is not workload identity federation, by name', () => {
    const make = (credentials: string) => () =>
      googleIdTokens({
        credentials,
        serviceAccount: 'ifas-aws-caller@p.iam.gserviceaccount.com',
        audience: 'https://ifas-guard-infer-abc-ez.a.run.app',
      });
    expect(make('not json')).toThrow(ConfigError);
    expect(make('{"type":"service_account"}')).toThrow(/IFAS_INFER_GOOGLE_CREDENTIALS/);
  });

  it('accepts the AWS external-account configuration gcloud writes (no network until a token is needed)', () => {
    const credentials = JSON.stringify({
      type: 'external_account',
      audience:
        '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/aws-ifas/providers/aws-ifas-provider',
      subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
      token_url: 'https://sts.googleapis.com/v1/token',
      credential_source: {
        environment_id: 'aws1',
        region_url: 'http://169.254.169.254/latest/meta-data/placement/availability-zone',
        url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials',
        regional_cred_verification_url:
          'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
      },
    });
    const source = googleIdTokens({
      credentials,
      serviceAccount: 'ifas-aws-caller@p.iam.gserviceaccount.com',
      audience: 'https://ifas-guard-infer-abc-ez.a.run.app',
    });
    expect(typeof source).toBe('function');
  });
});
