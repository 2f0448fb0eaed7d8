import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { flagConfigSchema } from '../../src/config/flag-config.js';
import { FlagRouter } from '../../src/flags/flag-router.js';
import { sampleRecord } from '../support/audit-records.js';
import { startReceiver } from '../support/receivers.js';
import { testServiceEnv } from '../support/service.js';

const SECRET = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
const delivered: string[] = [];
const receiver = await startReceiver(async (request) => {
  new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>);
  delivered.push(String(request.headers['webhook-id']));
  return { status: 204 };
});
const checkpointPem = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const flags = { webhooks: [{ name: 'siem', url: receiver.url, secret: SECRET }] };

// Secrets come from Secrets Manager (mocked), never from the template's environment.
const secrets = mockClient(SecretsManagerClient);
secrets
  .on(GetSecretValueCommand, {
    SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ifas-guard-dev',
  })
  .resolves({
    SecretString: JSON.stringify({
      IFAS_FLAGS: JSON.stringify(flags),
      IFAS_CHECKPOINT_PRIVATE_KEY: checkpointPem,
    }),
  });
Object.assign(
  process.env,
  await testServiceEnv({
    IFAS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ifas-guard-dev',
    IFAS_RETENTION_DAYS: '30',
  }),
);
const notify = await import('../../functions/notify.js');
const retention = await import('../../functions/retention.js');
const { lambdaStore } = await import('../../src/app/lambda-parts.js');

afterAll(async () => {
  secrets.restore();
  await receiver.close();
});

describe('scheduled functions', () => {
  it('notify delivers the queued flags, reading its configuration from Secrets Manager', async () => {
    const store = await lambdaStore();
    const router = new FlagRouter(flagConfigSchema.parse(flags), 'https://ifas.example.test');
    const record = sampleRecord(1, {
      decision: 'spoof',
      judgment: 'spoof',
      liveness: 0.02,
      time: new Date().toISOString(),
    });
    const entries = router.entriesFor(record, 'user-1');
    await store.append(record, entries);
    expect(await notify.handler()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(delivered).toEqual(entries.map((e) => e.id));
    expect(await notify.handler()).toMatchObject({ claimed: 0 });
  });

  it('retention purges records past the configured age under a checkpoint signed with the secret key', async () => {
    const store = await lambdaStore();
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (let n = 0; n < 3; n++)
      await store.append(
        sampleRecord(n + 2, {
          tenant: 'old-tenant',
          time: new Date(old.getTime() + n).toISOString(),
        }),
      );
    await store.append(sampleRecord(9, { tenant: 'old-tenant', time: new Date().toISOString() }));
    const result = await retention.handler();
    expect(result.checkpoints).toContainEqual({ tenant: 'old-tenant', seq: 3, purged: 3 });
    const verdict = await store.verify('old-tenant', createPublicKey(checkpointPem));
    expect(verdict).toMatchObject({ ok: true, checked: 1, checkpointAuthentic: true });
  });
});
