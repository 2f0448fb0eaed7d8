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
    // null: as many as the model workers' batches hold (app/build-service.ts).
    expect(config.modelWorkers).toEqual({
      workers: 'auto',
      threadsPerWorker: null,
      batchMax: 2,
      batchWaitMs: 4,
    });
    // A GPU batches more by default; an explicit size wins either way.
    expect(serviceConfigFromEnv({ IFAS_EXECUTION_PROVIDER: 'cuda' }).modelWorkers.batchMax).toBe(8);
    expect(serviceConfigFromEnv({ IFAS_BATCH_MAX: '5' }).modelWorkers.batchMax).toBe(5);
    expect(config.limits).toMatchObject({
      queueConcurrency: null,
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
    [{ IFAS_WORKERS: 'many' }, /IFAS_WORKERS/],
    [{ IFAS_WORKER_THREADS: '0' }, /IFAS_WORKER_THREADS/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => serviceConfigFromEnv(env)).toThrow(message);
  });
});

describe('Function: serviceConfigFromEnv, the GPU container and the database', () => {
  const http = { IFAS_INFERENCE: 'http', IFAS_INFER_URL: 'https://ifas-infer-abc.a.run.app' };

  it('reaches the container with its token, or with Google ID tokens for IAM ingress, inside the API budget', () => {
    expect(
      serviceConfigFromEnv({ ...http, IFAS_INFER_TOKEN: 'infer-token-0123456789' }).inference,
    ).toEqual({
      kind: 'http',
      url: 'https://ifas-infer-abc.a.run.app',
      auth: { kind: 'token', token: 'infer-token-0123456789' },
      timeoutMs: 20_000,
    });
    const google = {
      ...http,
      IFAS_INFER_AUTH: 'google-id-token',
      IFAS_INFER_GOOGLE_CREDENTIALS: '{"type":"external_account"}',
      IFAS_INFER_GOOGLE_SERVICE_ACCOUNT: 'ifas-aws-caller@p.iam.gserviceaccount.com',
    };
    expect(serviceConfigFromEnv(google).inference).toMatchObject({
      auth: {
        kind: 'google-id-token',
        serviceAccount: 'ifas-aws-caller@p.iam.gserviceaccount.com',
      },
    });
    expect(() =>
      serviceConfigFromEnv({ ...google, IFAS_INFER_GOOGLE_CREDENTIALS: undefined }),
    ).toThrow(/IFAS_INFER_GOOGLE_CREDENTIALS/);
    expect(() =>
      serviceConfigFromEnv({
        ...http,
        IFAS_INFER_TOKEN: 'x'.repeat(16),
        IFAS_INFER_TIMEOUT_MS: '30000',
      }),
    ).toThrow(/IFAS_INFER_TIMEOUT_MS/);
  });

  it('takes PostgreSQL TLS and pool settings', () => {
    const store = serviceConfigFromEnv({
      IFAS_AUDIT_STORE: 'postgres',
      IFAS_DATABASE_URL: 'postgres://db.example/ifas',
      IFAS_DATABASE_TLS: 'verify-full',
      IFAS_DATABASE_POOL_MAX: '2',
    }).store;
    expect(store).toEqual({
      kind: 'postgres',
      url: 'postgres://db.example/ifas',
      poolMax: 2,
      tls: { mode: 'verify-full', caFile: null },
    });
  });
});
