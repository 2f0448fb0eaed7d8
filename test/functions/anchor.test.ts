import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sampleRecord } from '../support/audit-records.js';
import { startFakeS3 } from '../support/fake-s3.js';
import { testServiceEnv } from '../support/service.js';

// The Lambda functions build their S3 client from the configuration alone (endpoint, path-style,
// credentials from the environment as on Lambda), pointed here at the fake Object Lock bucket.
const bucket = await startFakeS3('acme-ifas-anchors');
const checkpointPem = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
Object.assign(process.env, {
  ...(await testServiceEnv({
    IFAS_CHECKPOINT_PRIVATE_KEY: checkpointPem,
    IFAS_RETENTION_DAYS: '30',
    IFAS_ANCHOR_S3_BUCKET: bucket.bucket,
    IFAS_ANCHOR_S3_RETAIN_DAYS: '60',
    IFAS_ANCHOR_S3_ENDPOINT: bucket.endpoint,
    IFAS_ANCHOR_S3_FORCE_PATH_STYLE: 'true',
    IFAS_ANCHOR_S3_REGION: 'eu-west-1',
  })),
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key',
});
const anchor = await import('../../functions/anchor.js');
const retention = await import('../../functions/retention.js');
const { lambdaAnchors, lambdaStore } = await import('../../src/app/lambda-parts.js');

afterAll(async () => {
  await bucket.close();
});

describe('anchor function (scheduled)', () => {
  it('signs the moved heads and anchors each chain’s newest checkpoint in the bucket, logging one line', async () => {
    const store = await lambdaStore();
    for (let n = 1; n <= 3; n++) await store.append(sampleRecord(n));
    await store.append(sampleRecord(1, { tenant: 'globex' }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const report = await anchor.handler();
    expect(report.anchored).toEqual([
      { tenant: 'acme', seq: 3 },
      { tenant: 'globex', seq: 1 },
    ]);
    expect(log.mock.calls.map(([line]) => JSON.parse(String(line)))).toEqual([
      { anchoring: { signed: 2, refused: 0, anchored: 2, failed: 0 } },
    ]);
    log.mockRestore();
    expect([...bucket.objects.values()].map((o) => o.mode)).toEqual(['COMPLIANCE', 'COMPLIANCE']);
    const anchors = await lambdaAnchors();
    await expect(
      store.verify('acme', createPublicKey(checkpointPem), await anchors.source.newest('acme')),
    ).resolves.toMatchObject({ ok: true, checked: 3, newestCommitment: { seq: 3 } });
  });

  it('fails the run during an S3 outage (Lambda retries, then the dead-letter queue) while appends go on, and catches up after', async () => {
    const store = await lambdaStore();
    bucket.outage = true;
    await expect(store.append(sampleRecord(4))).resolves.toMatchObject({ created: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await expect(anchor.handler()).rejects.toThrow();
    bucket.outage = false;
    await store.append(sampleRecord(5));
    const report = await anchor.handler();
    log.mockRestore();
    expect(report.anchored).toEqual([{ tenant: 'acme', seq: 5 }]);
    expect((await (await lambdaAnchors()).source.newest('acme'))?.seq).toBe(5);
  });

  it('retention anchors the heads it signs at once', async () => {
    const store = await lambdaStore();
    await store.append(sampleRecord(2, { tenant: 'globex' }));
    const result = await retention.handler();
    expect(result.heads).toEqual([{ tenant: 'globex', seq: 2 }]);
    expect(result.anchored).toEqual([{ tenant: 'globex', seq: 2 }]);
    expect(result.anchorFailures).toEqual([]);
  });
});
