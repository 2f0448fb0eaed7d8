import { generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadSecretsIntoEnv } from '../../src/app/lambda-environment.js';
import { assertSharedState } from '../../src/app/lambda-parts.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';

const pem = (type: 'ed25519' | 'ec') =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('ed25519')
  ).privateKey
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();

describe('Function: assertSharedState', () => {
  it('refuses per-instance keys and an SQLite file on Lambda, naming what is missing', () => {
    expect(() => assertSharedState(serviceConfigFromEnv({}))).toThrow(
      /IFAS_AUDIT_STORE=postgres with IFAS_DATABASE_URL, IFAS_SUBJECT_HASH_KEY, IFAS_CHECKPOINT_PRIVATE_KEY, IFAS_ANCHOR_S3_BUCKET$/,
    );
    const flags = JSON.stringify({
      receivers: [{ name: 'ssf', url: 'https://r.example/', audience: 'r' }],
    });
    expect(() =>
      assertSharedState(
        serviceConfigFromEnv({
          IFAS_AUDIT_STORE: 'postgres',
          IFAS_DATABASE_URL: 'postgres://db.example/ifas',
          IFAS_SUBJECT_HASH_KEY: Buffer.alloc(32, 1).toString('base64'),
          IFAS_CHECKPOINT_PRIVATE_KEY: pem('ed25519'),
          IFAS_FLAGS: flags,
        }),
      ),
    ).toThrow(/: IFAS_DATABASE_TLS=verify-full, IFAS_ANCHOR_S3_BUCKET, IFAS_SET_SIGNING_KEY$/);
  });

  it('accepts a configuration whose state every instance shares', () => {
    const env = {
      IFAS_AUDIT_STORE: 'postgres',
      IFAS_DATABASE_URL: 'postgres://db.example/ifas',
      IFAS_DATABASE_TLS: 'verify-full',
      IFAS_SUBJECT_HASH_KEY: Buffer.alloc(32, 1).toString('base64'),
      IFAS_CHECKPOINT_PRIVATE_KEY: pem('ed25519'),
      IFAS_SET_SIGNING_KEY: pem('ec'),
      IFAS_ANCHOR_S3_BUCKET: 'acme-ifas-anchors',
    };
    expect(() => assertSharedState(serviceConfigFromEnv(env))).not.toThrow();
  });
});

describe('Function: loadSecretsIntoEnv', () => {
  it('fills IFAS_* settings from the secret without overriding the template, and refuses other shapes', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets
      .on(GetSecretValueCommand, { SecretId: 'good' })
      .resolves({ SecretString: '{"IFAS_DATABASE_URL":"postgres://x/y","IFAS_PORT":"9"}' });
    secrets
      .on(GetSecretValueCommand, { SecretId: 'bad' })
      .resolves({ SecretString: '{"AWS_SECRET_ACCESS_KEY":"no"}' });
    const env: NodeJS.ProcessEnv = { IFAS_SECRET_ID: 'good', IFAS_PORT: '8080' };
    await loadSecretsIntoEnv(env, new SecretsManagerClient({}));
    expect(env).toMatchObject({ IFAS_DATABASE_URL: 'postgres://x/y', IFAS_PORT: '8080' });
    await expect(
      loadSecretsIntoEnv({ IFAS_SECRET_ID: 'bad' }, new SecretsManagerClient({})),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const untouched: NodeJS.ProcessEnv = {};
    await loadSecretsIntoEnv(untouched, new SecretsManagerClient({}));
    expect(untouched).toEqual({});
    secrets.restore();
  });
});
