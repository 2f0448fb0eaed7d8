import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { FileAnchorSink, WebhookWitnessSink } from '../../src/audit/anchor-sink.js';
import { checkpointIsAuthentic } from '../../src/audit/checkpoint.js';
import { HeadCheckpointer } from '../../src/audit/head-checkpointer.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { sampleRecord } from '../support/audit-records.js';
import { type Receiver, startReceiver } from '../support/receivers.js';

const WITNESS_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const receivers: Receiver[] = [];
afterAll(async () => {
  await Promise.allSettled(receivers.map((r) => r.close()));
});

async function setUp(schedule = { everyRecords: 3, everyMs: 60_000 }) {
  const folder = await mkdtemp(join(tmpdir(), 'ifas-checkpointer-'));
  const store = await SqliteAuditStore.open(join(folder, 'audit.sqlite'));
  const anchors = new FileAnchorSink(join(folder, 'anchors.ndjson'));
  const keys = generateKeyPairSync('ed25519');
  let failing = true;
  const witness = await startReceiver(async () => ({ status: failing ? 503 : 204 }));
  receivers.push(witness);
  const checkpointer = new HeadCheckpointer(
    store,
    keys.privateKey,
    [anchors, new WebhookWitnessSink(witness.url, WITNESS_SECRET)],
    schedule,
  );
  const record = async (n: number) => {
    await store.append(sampleRecord(n));
    checkpointer.recorded();
  };
  return {
    store,
    anchors,
    keys,
    witness,
    checkpointer,
    record,
    heal: () => {
      failing = false;
    },
    file: join(folder, 'anchors.ndjson'),
  };
}

describe('HeadCheckpointer', () => {
  it('signs the head every N records and anchors it in the file', async () => {
    const t = await setUp();
    for (let n = 1; n <= 3; n++) await t.record(n);
    await t.checkpointer.checkpoint(); // waits for the round the third record started
    const newest = await t.anchors.newest('acme');
    expect(newest).toMatchObject({ tenant: 'acme', kind: 'head', seq: 3 });
    expect(newest && checkpointIsAuthentic(newest, t.keys.publicKey)).toBe(true);
    expect((await t.store.latestHeadCheckpoint('acme'))?.seq).toBe(3);
    await t.store.close();
  });

  it('signs on a timer and at shutdown, and only when the head moved', async () => {
    const t = await setUp({ everyRecords: 1000, everyMs: 50 });
    t.checkpointer.start();
    await t.record(1);
    await expect
      .poll(async () => (await t.anchors.newest('acme'))?.seq, { timeout: 10_000 })
      .toBe(1);
    await t.record(2);
    const final = await t.checkpointer.stop();
    expect(final.checkpoints.map((c) => c.seq)).toContain(2);
    expect((await t.checkpointer.checkpoint()).checkpoints).toEqual([]); // nothing new to sign
    const lines = (await readFile(t.file, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2]);
    await t.store.close();
  });

  it('sends each checkpoint to a webhook witness, signed, and retries one the witness refused', async () => {
    const t = await setUp();
    await t.record(1);
    await t.checkpointer.checkpoint(); // the witness answers 503: kept for the next round
    t.heal();
    await t.record(2);
    await t.checkpointer.checkpoint();
    const accepted = t.witness.received.slice(1);
    const seqs = accepted.map((r) => {
      const verified = new Webhook(WITNESS_SECRET).verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }) as { type: string; data: { seq: number } };
      expect(verified.type).toBe('audit.checkpoint');
      return verified.data.seq;
    });
    expect(seqs).toEqual([1, 2]);
    await t.store.close();
  });
});
