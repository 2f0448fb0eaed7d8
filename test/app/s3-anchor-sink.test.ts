import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { editBody, rechain } from '../../bench/reliability/tamper-cases.js';
import { anchorSinksFor } from '../../src/app/anchor-sinks.js';
import { buildService } from '../../src/app/build-service.js';
import { S3AnchorSink } from '../../src/app/s3-anchor-sink.js';
import { anchorCatchUp } from '../../src/audit/anchor-catch-up.js';
import { checkpointIsAuthentic } from '../../src/audit/checkpoint.js';
import { HeadCheckpointer } from '../../src/audit/head-checkpointer.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { sampleRecord } from '../support/audit-records.js';
import { type FakeS3, startFakeS3 } from '../support/fake-s3.js';
import { keyFor, testServiceEnv } from '../support/service.js';
import { type RawDatabase, rawSqlite } from '../support/tamper.js';

const fakes: FakeS3[] = [];
afterAll(async () => {
  await Promise.allSettled(fakes.map((f) => f.close()));
});

const DAY_MS = 86_400_000;

/** The real AWS SDK client, pointed at the fake bucket (path-style), with few quick retries. */
function clientFor(fake: FakeS3): S3Client {
  return new S3Client({
    endpoint: fake.endpoint,
    forcePathStyle: true,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-secret-key' },
    maxAttempts: 2,
  });
}

async function setUp(mode: 'COMPLIANCE' | 'GOVERNANCE' = 'COMPLIANCE') {
  const fake = await startFakeS3();
  fakes.push(fake);
  const folder = await mkdtemp(join(tmpdir(), 'ifas-s3-anchor-'));
  const path = join(folder, 'audit.sqlite');
  const store = await SqliteAuditStore.open(path);
  const keys = generateKeyPairSync('ed25519');
  const client = clientFor(fake);
  const sink = new S3AnchorSink(client, {
    bucket: fake.bucket,
    prefix: 'audit-anchors/',
    mode,
    retainDays: 30,
  });
  const logged: string[] = [];
  // As the service builds it: each round checks the chains against the bucket before signing.
  const checkpointer = new HeadCheckpointer(
    store,
    keys.privateKey,
    [sink],
    { everyRecords: 1000, everyMs: 60_000 },
    (line) => logged.push(line),
    (tenant) => sink.newest(tenant),
  );
  return { fake, path, store, keys, client, sink, checkpointer, logged };
}

/**
 * The attacker (database write access, no key, no bucket) rewrites acme's record 3 (a spoof made
 * live), recomputes every later hash and the head, and deletes the database's own head
 * checkpoints: the database then verifies on its own.
 */
async function rewriteAndHide(raw: RawDatabase): Promise<void> {
  await editBody(raw, 3, (b) => {
    b.decision = 'live';
  });
  await raw.exec("UPDATE audit_records SET decision = 'live' WHERE tenant = 'acme' AND seq = 3");
  await rechain(raw, 'acme', 3);
  await raw.exec("DELETE FROM audit_head_checkpoints WHERE tenant = 'acme'");
}

const s3Code = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof S3ServiceException ? error.name : String(error);
  }
};

describe('The fake Object Lock bucket refuses what S3 refuses (driven by the real SDK)', () => {
  it('refuses a put without retention or with a bad checksum, and overwriting or deleting a locked object', async () => {
    const fake = await startFakeS3();
    fakes.push(fake);
    const s3 = clientFor(fake);
    const put = (extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]>) =>
      s3.send(
        new PutObjectCommand({
          Bucket: fake.bucket,
          Key: 'k.json',
          Body: '{"a":1}',
          ...extra,
        }),
      );
    const lock = {
      ObjectLockMode: 'COMPLIANCE' as const,
      ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS),
    };
    expect(await s3Code(put({}))).toBe('InvalidRequest');
    expect(
      await s3Code(put({ ...lock, ChecksumSHA256: Buffer.alloc(32).toString('base64') })),
    ).toBe('BadDigest');
    expect(await s3Code(put(lock))).toBe('accepted');
    expect(await s3Code(put({ ...lock, Body: '{"a":2}' }))).toBe('AccessDenied');
    expect(await s3Code(put({ ...lock, IfNoneMatch: '*' }))).toBe('PreconditionFailed');
    expect(
      await s3Code(s3.send(new DeleteObjectCommand({ Bucket: fake.bucket, Key: 'k.json' }))),
    ).toBe('AccessDenied');
    expect(fake.objects.get('k.json')?.body.toString()).toBe('{"a":1}');
  });
});

describe('S3AnchorSink', () => {
  it('anchors each head checkpoint as its own locked, checksummed object and reads the newest back per tenant', async () => {
    const t = await setUp();
    for (let n = 1; n <= 3; n++) await t.store.append(sampleRecord(n));
    await t.store.append(sampleRecord(1, { tenant: 'globex' }));
    const first = await t.checkpointer.checkpoint();
    expect(first.checkpoints.map((c) => `${c.tenant}#${c.seq}`)).toEqual(['acme#3', 'globex#1']);
    for (let n = 4; n <= 5; n++) await t.store.append(sampleRecord(n));
    await t.checkpointer.checkpoint();

    expect([...t.fake.objects.keys()].sort()).toEqual(
      [
        `audit-anchors/acme/${String(Number.MAX_SAFE_INTEGER - 3)}-head.json`,
        `audit-anchors/acme/${String(Number.MAX_SAFE_INTEGER - 5)}-head.json`,
        `audit-anchors/globex/${String(Number.MAX_SAFE_INTEGER - 1)}-head.json`,
      ].sort(),
    );
    const newest = await t.sink.newest('acme');
    expect(newest).toEqual(await t.store.latestHeadCheckpoint('acme'));
    expect(newest && checkpointIsAuthentic(newest, t.keys.publicKey)).toBe(true);
    expect((await t.sink.newest('globex'))?.seq).toBe(1);
    expect(await t.sink.newest('nobody')).toBeNull();
    expect(await t.sink.tenants()).toEqual(['acme', 'globex']);

    const stored = t.fake.objects.get(t.sink.keyFor({ tenant: 'acme', seq: 5, kind: 'head' }));
    expect(stored?.mode).toBe('COMPLIANCE');
    expect(stored?.retainUntil.getTime()).toBe(Date.parse(newest?.createdAt ?? '') + 30 * DAY_MS);
    // One LIST and one GET read the newest back, however many checkpoints the tenant has.
    const before = t.fake.requests.length;
    await t.sink.newest('acme');
    expect(t.fake.requests.slice(before).map((r) => r.split(' ')[0])).toEqual(['GET', 'GET']);
    await t.store.close();
  });

  it('takes a retried publish as done, and refuses a different checkpoint at an anchored position', async () => {
    const t = await setUp('GOVERNANCE');
    await t.store.append(sampleRecord(1));
    const [checkpoint] = (await t.checkpointer.checkpoint()).checkpoints;
    if (!checkpoint) throw new Error('no checkpoint');
    await expect(t.sink.publish(checkpoint)).resolves.toBeUndefined();
    await expect(t.sink.publish({ ...checkpoint, headHash: 'f'.repeat(64) })).rejects.toThrow(
      /already anchored .* diverged/,
    );
    expect(t.fake.objects.size).toBe(1);
    expect([...t.fake.objects.values()][0]?.mode).toBe('GOVERNANCE');
    await t.store.close();
  });

  it('passes over a stray object that is not the checkpoint its key names', async () => {
    const t = await setUp();
    await t.store.append(sampleRecord(1));
    await t.checkpointer.checkpoint();
    // Someone with put rights (not the signing key) adds a newer-looking object: it is skipped.
    await t.client.send(
      new PutObjectCommand({
        Bucket: t.fake.bucket,
        Key: t.sink.keyFor({ tenant: 'acme', seq: 99, kind: 'head' }),
        Body: '{"tenant":"acme","seq":1}',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS),
      }),
    );
    expect((await t.sink.newest('acme'))?.seq).toBe(1);
    await t.store.close();
  });

  it('lets verification detect a rewritten or truncated chain that the database alone no longer shows', async () => {
    const t = await setUp();
    for (let n = 1; n <= 6; n++) await t.store.append(sampleRecord(n));
    await t.checkpointer.checkpoint();
    const raw = await rawSqlite(t.path);
    await rewriteAndHide(raw);
    await expect(t.store.verify('acme', t.keys.publicKey)).resolves.toMatchObject({ ok: true });
    await expect(
      t.store.verify('acme', t.keys.publicKey, await t.sink.newest('acme')),
    ).resolves.toMatchObject({ ok: false, firstBreak: { seq: 6, reason: 'checkpoint_mismatch' } });

    // Truncation: the last two records gone and the head fixed.
    await raw.exec("DELETE FROM audit_records WHERE tenant = 'acme' AND seq >= 5");
    await raw.exec(
      "UPDATE audit_heads SET seq = 4, hash = (SELECT hash FROM audit_records WHERE tenant = 'acme' AND seq = 4) WHERE tenant = 'acme'",
    );
    await expect(t.store.verify('acme', t.keys.publicKey)).resolves.toMatchObject({ ok: true });
    await expect(
      t.store.verify('acme', t.keys.publicKey, await t.sink.newest('acme')),
    ).resolves.toMatchObject({ ok: false, firstBreak: { reason: 'truncated' } });
    // The anchor itself cannot be rolled back: its objects are locked.
    expect(
      await s3Code(
        t.client.send(
          new DeleteObjectCommand({
            Bucket: t.fake.bucket,
            Key: t.sink.keyFor({ tenant: 'acme', seq: 6, kind: 'head' }),
          }),
        ),
      ),
    ).toBe('AccessDenied');
    await raw.close();
    await t.store.close();
  });

  it('refuses to sign (or purge) a rewrite whose database checkpoints were deleted: the anchor disagrees', async () => {
    const t = await setUp();
    for (let n = 1; n <= 4; n++) await t.store.append(sampleRecord(n));
    await t.checkpointer.checkpoint();
    const raw = await rawSqlite(t.path);
    await rewriteAndHide(raw);
    await t.store.append(sampleRecord(5));
    // Without the anchor the next round would sign the rewritten chain; with it, it refuses.
    const round = await t.checkpointer.checkpoint();
    expect(round.checkpoints).toEqual([]);
    expect(round.refused).toMatchObject([
      { tenant: 'acme', firstBreak: { reason: 'checkpoint_mismatch' } },
    ]);
    expect(t.logged.join('\n')).toMatch(/audit checkpoint REFUSED for acme/);
    const purge = await t.store.purgeBefore(
      new Date('2100-01-01'),
      t.keys.privateKey,
      new Date(),
      (tenant) => t.sink.newest(tenant),
    );
    expect(purge).toMatchObject({ checkpoints: [], refused: [{ tenant: 'acme' }] });
    expect((await t.sink.newest('acme'))?.seq).toBe(4);
    await raw.close();
    await t.store.close();
  });

  it('during an S3 outage keeps appending, reports the failed anchoring, and anchors the newest once S3 is back', async () => {
    const t = await setUp();
    for (let n = 1; n <= 2; n++) await t.store.append(sampleRecord(n));
    await t.checkpointer.checkpoint();
    // S3 down: appends go on; the round cannot read the anchor, so it signs nothing and fails.
    t.fake.outage = true;
    for (let n = 3; n <= 4; n++) {
      await expect(t.store.append(sampleRecord(n))).resolves.toMatchObject({ created: true });
    }
    await expect(t.checkpointer.checkpoint()).rejects.toThrow(/reduce your request rate/i);
    expect((await t.store.latestHeadCheckpoint('acme'))?.seq).toBe(2);
    // S3 reads again but refuses writes: signed in the database, not anchored, kept for the next round.
    t.fake.outage = false;
    t.fake.refuseWrites = true;
    await t.store.append(sampleRecord(5));
    const during = await t.checkpointer.checkpoint();
    expect(during.checkpoints.map((c) => c.seq)).toEqual([5]);
    expect(t.logged.join('\n')).toMatch(/anchor s3: checkpoint acme#5 not published: .*reduce/i);
    t.fake.refuseWrites = false;
    expect((await t.sink.newest('acme'))?.seq).toBe(2);
    await t.store.append(sampleRecord(6));
    await t.checkpointer.checkpoint();
    // The backlog (5) went out with the new round's checkpoint (6).
    const anchoredSeqs = [...t.fake.objects.keys()]
      .sort()
      .map((k) => Number.MAX_SAFE_INTEGER - Number(k.split('/')[2]?.split('-')[0]));
    expect(anchoredSeqs).toEqual([6, 5, 2]);
    await expect(
      t.store.verify('acme', t.keys.publicKey, await t.sink.newest('acme')),
    ).resolves.toMatchObject({ ok: true, checked: 6, newestCommitment: { seq: 6 } });
    await t.store.close();
  });

  it('catches up without memory (a Lambda run after an outage): the newest signed checkpoint per tenant', async () => {
    const t = await setUp();
    for (let n = 1; n <= 3; n++) await t.store.append(sampleRecord(n));
    await t.store.append(sampleRecord(1, { tenant: 'globex' }));
    t.fake.refuseWrites = true;
    await t.checkpointer.checkpoint(); // signed, publish failed; this process then goes away
    await expect(anchorCatchUp(t.store, t.sink)).resolves.toMatchObject({
      published: [],
      failed: [{ tenant: 'acme' }, { tenant: 'globex' }],
    });
    t.fake.refuseWrites = false;
    const report = await anchorCatchUp(t.store, t.sink);
    expect(report.published.map((c) => `${c.tenant}#${c.seq}`)).toEqual(['acme#3', 'globex#1']);
    expect((await anchorCatchUp(t.store, t.sink)).published).toEqual([]); // nothing left to do
    await t.store.close();
  });
});

describe('Anchoring configuration', () => {
  const bucketEnv = { IFAS_ANCHOR_S3_BUCKET: 'acme-ifas-anchors', IFAS_DATA_DIR: '/tmp/x' };

  it('reads the bucket settings, and drops the default file when a bucket is set', () => {
    const config = serviceConfigFromEnv({ ...bucketEnv, IFAS_ANCHOR_S3_MODE: 'GOVERNANCE' });
    expect(config.anchoring).toMatchObject({
      file: null,
      s3: {
        bucket: 'acme-ifas-anchors',
        prefix: 'audit-anchors/',
        mode: 'GOVERNANCE',
        retainDays: 400,
        endpoint: null,
        forcePathStyle: false,
      },
    });
    const sinks = anchorSinksFor(config.anchoring, new S3Client({ region: 'eu-west-1' }));
    expect(sinks.sinks.map((s) => s.name)).toEqual(['s3']);
    expect(sinks.source.name).toBe('s3');
    expect(anchorSinksFor(serviceConfigFromEnv({}).anchoring).sinks.map((s) => s.name)).toEqual([
      'file',
    ]);
    const both = serviceConfigFromEnv({ ...bucketEnv, IFAS_ANCHOR_FILE: '/tmp/a.ndjson' });
    expect(anchorSinksFor(both.anchoring).sinks.map((s) => s.name)).toEqual(['file', 's3']);
  });

  it('refuses a bad bucket, mode or prefix, and anchors that expire before the records', () => {
    expect(() => serviceConfigFromEnv({ IFAS_ANCHOR_S3_BUCKET: 'Bad_Bucket' })).toThrow(
      /IFAS_ANCHOR_S3_BUCKET/,
    );
    expect(() => serviceConfigFromEnv({ ...bucketEnv, IFAS_ANCHOR_S3_MODE: 'LEGAL' })).toThrow(
      /IFAS_ANCHOR_S3_MODE/,
    );
    expect(() => serviceConfigFromEnv({ ...bucketEnv, IFAS_ANCHOR_S3_PREFIX: 'no-slash' })).toThrow(
      /IFAS_ANCHOR_S3_PREFIX/,
    );
    expect(() =>
      serviceConfigFromEnv({
        ...bucketEnv,
        IFAS_RETENTION_DAYS: '730',
        IFAS_ANCHOR_S3_RETAIN_DAYS: '365',
      }),
    ).toThrow(/IFAS_ANCHOR_S3_RETAIN_DAYS must be at least IFAS_RETENTION_DAYS/);
    // Without a bucket the anchor retention is irrelevant.
    expect(() => serviceConfigFromEnv({ IFAS_RETENTION_DAYS: '730' })).not.toThrow();
  });
});

describe('The service with an S3 anchor bucket', () => {
  it('anchors in the bucket only, and the verify route reads the bucket: a hidden rewrite is reported', async () => {
    const fake = await startFakeS3('acme-ifas-anchors');
    fakes.push(fake);
    const env = await testServiceEnv({
      IFAS_ANCHOR_S3_BUCKET: fake.bucket,
      IFAS_ANCHOR_S3_MODE: 'GOVERNANCE',
      IFAS_ANCHOR_S3_RETAIN_DAYS: '2',
    });
    const service = await buildService(serviceConfigFromEnv(env), { s3Client: clientFor(fake) });
    try {
      expect(service.anchors.name).toBe('s3');
      for (let n = 1; n <= 4; n++) await service.store.append(sampleRecord(n));
      await service.checkpointer.checkpoint();
      const auditor = { authorization: `Bearer ${await keyFor(service, 'acme', ['audit:read'])}` };
      const latest = await service.app.request('/v1/audit/checkpoints/latest', {
        headers: auditor,
      });
      expect(await latest.json()).toMatchObject({ anchored: { kind: 'head', seq: 4 } });
      expect([...fake.objects.values()].map((o) => o.mode)).toEqual(['GOVERNANCE']);
      await expect(readdir(env.IFAS_DATA_DIR ?? '')).resolves.not.toContain('audit-anchors.ndjson');

      const raw = await rawSqlite(join(env.IFAS_DATA_DIR ?? '', 'audit.sqlite'));
      await rewriteAndHide(raw);
      await raw.close();
      const verify = await service.app.request('/v1/audit/verify', { headers: auditor });
      expect(await verify.json()).toMatchObject({
        ok: false,
        firstBreak: { seq: 4, reason: 'checkpoint_mismatch' },
      });
      // No verdict that silently skipped the anchor while the bucket cannot be read.
      fake.outage = true;
      const blind = await service.app.request('/v1/audit/verify', { headers: auditor });
      expect(blind.status).toBe(500);
      expect(await blind.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
      fake.outage = false;
    } finally {
      await service.close();
    }
  });
});
