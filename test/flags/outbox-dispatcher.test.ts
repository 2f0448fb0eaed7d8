import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { nextDelayMs } from '../../src/audit/outbox-entry.js';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { type FlagConfig, flagConfigSchema } from '../../src/config/flag-config.js';
import { FlagDelivery } from '../../src/flags/deliver.js';
import { FlagRouter } from '../../src/flags/flag-router.js';
import { OutboxDispatcher } from '../../src/flags/outbox-dispatcher.js';
import { setSigningKeyFromPem } from '../../src/flags/signing-key.js';
import { sampleRecord } from '../support/audit-records.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { freePort, type Respond, startReceiver } from '../support/receivers.js';

const SECRET = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;
const signingKey = await setSigningKeyFromPem(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }),
);

const stores: Array<[string, () => Promise<AuditStore>]> = [
  [
    'SQLite',
    async () =>
      SqliteAuditStore.open(join(await mkdtemp(join(tmpdir(), 'ifas-outbox-')), 'a.sqlite')),
  ],
  ['PostgreSQL', async () => PostgresAuditStore.open(await freshDatabaseUrl())],
];

function configFor(url: string, maxAttempts = 30): FlagConfig {
  return flagConfigSchema.parse({
    webhooks: [{ name: 'hook', url, secret: SECRET }],
    backoff: { maxAttempts, baseDelayMs: 5, maxDelayMs: 40 },
  });
}

async function queueSpoofs(
  store: AuditStore,
  config: FlagConfig,
  count: number,
): Promise<string[]> {
  const router = new FlagRouter(config, 'https://ifas.example.test');
  const ids: string[] = [];
  for (let n = 1; n <= count; n++) {
    const record = sampleRecord(n, { decision: 'spoof', judgment: 'spoof', liveness: 0.01 });
    const entries = router.entriesFor(record, `user-${n}`);
    ids.push(...entries.map((e) => e.id));
    await store.append(record, entries);
  }
  return ids;
}

async function drain(
  dispatcher: OutboxDispatcher,
  store: AuditStore,
  until: () => Promise<boolean>,
): Promise<void> {
  for (let pass = 0; pass < 400; pass++) {
    await dispatcher.runOnce();
    if (await until()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(
    `outbox did not settle: ${JSON.stringify(await store.listOutbox({ tenant: 'acme', limit: 100 }))}`,
  );
}

describe.each(stores)('OutboxDispatcher on %s', (_name, open) => {
  it('delivers every flag after an outage (receiver down, then failing, then up): none lost, duplicates only with the same id', async () => {
    const store = await open();
    const port = await freePort();
    const config = configFor(`http://127.0.0.1:${port}/hook`);
    const ids = await queueSpoofs(store, config, 6);
    const dispatcher = new OutboxDispatcher(
      store,
      new FlagDelivery(config, signingKey),
      config.backoff,
    );

    // Receiver down: every attempt fails and is rescheduled, nothing is dropped.
    const first = await dispatcher.runOnce();
    expect(first).toMatchObject({ claimed: 6, retried: 6, delivered: 0 });

    // Receiver up, but it answers 503 (after processing) to the first three requests.
    const respond: Respond = async (_request, index) =>
      index < 3 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 };
    const receiver = await startReceiver(respond, port);
    const pending = async () =>
      (await store.listOutbox({ tenant: 'acme', status: 'pending', limit: 100 })).length;
    await drain(dispatcher, store, async () => (await pending()) === 0);

    const verifier = new Webhook(SECRET);
    for (const request of receiver.received)
      verifier.verify(request.body, request.headers as Record<string, string>);
    const receivedIds = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(receivedIds)).toEqual(new Set(ids)); // every flag arrived
    expect(receivedIds.length).toBeGreaterThan(ids.length); // some more than once, always with the same id
    const settled = await store.listOutbox({ tenant: 'acme', limit: 100 });
    expect(settled.every((e) => e.status === 'delivered' && e.deliveredAt !== null)).toBe(true);
    // Once delivered, the outbox no longer holds the subject identifier.
    expect(settled.every((e) => e.payload === '{}')).toBe(true);
    expect(settled.some((e) => e.attempts > 2)).toBe(true);
    await receiver.close();
    await store.close();
  });

  it('dead-letters a flag on 410 Gone and after the last attempt', async () => {
    const store = await open();
    const gone = await startReceiver(async () => ({ status: 410 }));
    const flaky = await startReceiver(async () => ({ status: 500 }));
    for (const [receiver, maxAttempts, attempts] of [
      [gone, 30, 1],
      [flaky, 3, 3],
    ] as const) {
      const config = configFor(receiver.url, maxAttempts);
      const [id] = await queueSpoofs(store, config, 1);
      const dispatcher = new OutboxDispatcher(
        store,
        new FlagDelivery(config, signingKey),
        config.backoff,
      );
      await drain(dispatcher, store, async () =>
        (await store.listOutbox({ tenant: 'acme', status: 'dead', limit: 100 })).some(
          (e) => e.id === id,
        ),
      );
      const [entry] = (await store.listOutbox({ tenant: 'acme', limit: 100 })).filter(
        (e) => e.id === id,
      );
      expect(entry).toMatchObject({
        status: 'dead',
        attempts,
        lastError: expect.stringMatching(/^HTTP (410|500)/),
      });
    }
    await Promise.all([gone.close(), flaky.close(), store.close()]);
  });

  it('requeues a dead letter (only its own tenant, only while dead) and then delivers it', async () => {
    const store = await open();
    const receiver = await startReceiver(async (_request, index) => ({
      status: index === 0 ? 503 : 204,
    }));
    const config = configFor(receiver.url, 1);
    const [id = ''] = await queueSpoofs(store, config, 1);
    const dispatcher = new OutboxDispatcher(
      store,
      new FlagDelivery(config, signingKey),
      config.backoff,
    );
    const statusOf = async () =>
      (await store.listOutbox({ tenant: 'acme', limit: 100 })).find((e) => e.id === id)?.status;
    await drain(dispatcher, store, async () => (await statusOf()) === 'dead');

    expect(await store.requeueDeadOutbox('globex', id)).toBeNull();
    const requeued = await store.requeueDeadOutbox('acme', id);
    expect(requeued).toMatchObject({
      id,
      status: 'pending',
      attempts: 0,
      lastError: expect.stringMatching(/^HTTP 503/),
    });
    expect(await store.requeueDeadOutbox('acme', id)).toBeNull(); // pending, not dead
    await drain(dispatcher, store, async () => (await statusOf()) === 'delivered');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    await Promise.all([receiver.close(), store.close()]);
  });

  it('writes the flags with the decision or not at all', async () => {
    const store = await open();
    const config = configFor('http://127.0.0.1:9/');
    const router = new FlagRouter(config, 'https://ifas.example.test');
    const request = { ...sampleRecord(1).request, clientRequestId: 'same' };
    const first = sampleRecord(1, { request });
    await store.append(first, router.entriesFor(first, 'u'));
    const retry = sampleRecord(3, { request });
    const outcome = await store.append(retry, router.entriesFor(retry, 'u'));
    expect(outcome.created).toBe(false);
    expect(await store.listOutbox({ tenant: 'acme', limit: 100 })).toHaveLength(1);
    await store.close();
  });
});

describe('Function: nextDelayMs', () => {
  it('doubles per attempt with equal jitter, caps at the maximum and honours a longer Retry-After', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect(nextDelayMs(1, policy, undefined, () => 0)).toBe(500);
    expect(nextDelayMs(1, policy, undefined, () => 1)).toBe(1000);
    expect(nextDelayMs(4, policy, undefined, () => 1)).toBe(8000);
    expect(nextDelayMs(20, policy, undefined, () => 1)).toBe(60_000);
    expect(nextDelayMs(1, policy, 30_000, () => 0)).toBe(30_000);
    expect(nextDelayMs(1, policy, 10 * 60_000, () => 0)).toBe(60_000);
  });
});
