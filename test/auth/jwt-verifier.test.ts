import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwtVerifier } from '../../src/auth/jwt-verifier.js';

describe('Function: jwtVerifier', () => {
  it('refuses symmetric and unsigned algorithms and half-configured JWKS at build time', () => {
    const base = { issuer: 'https://idp', audience: 'ifas', jwks: { keys: [] } };
    expect(() => jwtVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/asymmetric/);
    expect(() => jwtVerifier({ ...base, algorithms: ['none'] })).toThrow(/asymmetric/);
    expect(() => jwtVerifier({ issuer: 'https://idp', audience: 'ifas' })).toThrow(/exactly one/);
  });

  it('reads tenant and scopes from a local JWKS; refuses an algorithm outside the allow-list', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const rs = await generateKeyPair('RS256', { extractable: true });
    const jwks = {
      keys: [
        { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256' },
        { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256' },
      ],
    };
    const verify = jwtVerifier({
      jwks,
      issuer: 'https://idp',
      audience: 'ifas',
      algorithms: ['ES256'],
      tenantClaim: 'org',
    });
    const token = (
      alg: string,
      kid: string,
      key: Parameters<SignJWT['sign']>[0],
      claims: Record<string, unknown>,
    ) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid })
        .setIssuer('https://idp')
        .setAudience('ifas')
        .setSubject('svc')
        .setExpirationTime('1m')
        .sign(key);
    const principal = await verify(
      await token('ES256', 'es', es.privateKey, { org: 'acme', scp: ['audit:read'] }),
    );
    expect(principal).toEqual({
      tenant: 'acme',
      scopes: new Set(['audit:read']),
      caller: { kind: 'jwt', id: 'svc' },
    });
    await expect(
      verify(await token('RS256', 'rs', rs.privateKey, { org: 'acme' })),
    ).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(
      verify(await token('ES256', 'es', es.privateKey, { scope: 'audit:read' })),
    ).rejects.toThrow(/org claim/);
  });
});
