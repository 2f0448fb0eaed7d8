import { describe, expect, it } from 'vitest';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';

describe('Function: serviceConfigFromEnv', () => {
  it('defaults to SQLite under ./data, keyed-hash subjects, the reference model and bounded limits', () => {
    const config = serviceConfigFromEnv({});
    expect(config.store).toMatchObject({
      kind: 'sqlite',
      path: expect.stringMatching(/data\/audit\.sqlite$/),
    });
    expect(config.subjectPolicy).toBe('keyed-hash');
    expect(config.modelDir).toMatch(/models\/ifas-lite0$/);
    expect(config.limits).toMatchObject({
      queueConcurrency: 1,
      queueMaxWaiting: 16,
      maxBodyBytes: 12 * 1024 * 1024,
    });
    expect(config.jwt).toBeNull();
    expect(config.modelVerify).toBe('cached');
    expect(serviceConfigFromEnv({ IFAS_MODEL_VERIFY: 'full' }).modelVerify).toBe('full');
  });

  it.each([
    [{ IFAS_PORT: 'eighty' }, /IFAS_PORT/],
    [{ IFAS_AUDIT_STORE: 'postgres' }, /IFAS_DATABASE_URL/],
    [{ IFAS_JWT_JWKS_URL: 'https://idp.example/jwks' }, /IFAS_JWT_ISSUER/],
    [{ IFAS_SUBJECT_HASH_KEY: 'not base64!' }, /IFAS_SUBJECT_HASH_KEY/],
    [{ IFAS_DETECT_FACES: 'maybe' }, /IFAS_DETECT_FACES/],
    [{ IFAS_MODEL_VERIFY: 'never' }, /IFAS_MODEL_VERIFY/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => serviceConfigFromEnv(env)).toThrow(message);
  });
});
