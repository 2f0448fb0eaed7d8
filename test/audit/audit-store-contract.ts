/**
 * The behaviour both audit stores must share, run against a real SQLite file and a real PostgreSQL
 * database: chaining, tamper detection, idempotent appends, filters and cursors, tenant isolation,
 * retention checkpoints and API key rows.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { ImageVault } from '../../src/audit/image-vault.js';
import { sampleRecord } from '../support/audit-records.js';

export interface StoreHarness {
  open(): Promise<AuditStore>;
  /** Runs raw SQL behind the store's back, as an attacker with database access would. */
  tamper(store: AuditStore, sql: string): Promise<void>;
}

async function filled(harness: StoreHarness, count: number): Promise<AuditStore> {
  const store = await harness.open();
  for (let n = 1; n <= count; n++) await store.append(sampleRecord(n));
  return store;
}

export function auditStoreContract(name: string, harness: StoreHarness): void {
  describe(`${name}: chain`, () => {
    it('links each record to the previous one and verifies', async () => {
      const store = await harness.open();
      const first = await store.append(sampleRecord(1));
      const second = await store.append(sampleRecord(2));
      expect(first.created).toBe(true);
      expect(second.stored.prevHash).toBe(first.stored.hash);
      expect(second.stored.seq).toBe(2);
      await expect(store.verify('acme')).resolves.toMatchObject({
        ok: true,
        checked: 2,
        firstBreak: null,
      });
      await store.close();
    });

    it.each([
      [
        'an edited record',
        `UPDATE audit_records SET body = replace(body, '"decision":"spoof"', '"decision":"live"') WHERE tenant = 'acme' AND seq = 5`,
        { seq: 5, reason: 'hash_mismatch' },
      ],
      [
        'a deleted record',
        `DELETE FROM audit_records WHERE tenant = 'acme' AND seq = 2`,
        { seq: 3, reason: 'sequence_gap' },
      ],
      [
        'two reordered records',
        `UPDATE audit_records SET seq = -1 WHERE tenant = 'acme' AND seq = 2;
         UPDATE audit_records SET seq = 2 WHERE tenant = 'acme' AND seq = 3;
         UPDATE audit_records SET seq = 3 WHERE tenant = 'acme' AND seq = -1`,
        { seq: 2, reason: 'prev_hash_mismatch' },
      ],
      [
        'the newest record deleted',
        `DELETE FROM audit_records WHERE tenant = 'acme' AND seq = 5`,
        { seq: 5, reason: 'truncated' },
      ],
    ])('reports the first broken link after %s', async (_case, sql, expected) => {
      const store = await filled(harness, 5);
      await harness.tamper(store, sql);
      const verdict = await store.verify('acme');
      expect(verdict.ok).toBe(false);
      expect(verdict.firstBreak).toEqual(expected);
      await store.close();
    });

    it('keeps one chain per tenant', async () => {
      const store = await filled(harness, 3);
      const other = await store.append(sampleRecord(1, { tenant: 'globex' }));
      expect(other.stored.seq).toBe(1);
      await harness.tamper(store, `DELETE FROM audit_records WHERE tenant = 'acme' AND seq = 2`);
      await expect(store.verify('globex')).resolves.toMatchObject({ ok: true, checked: 1 });
      await expect(store.verify('acme')).resolves.toMatchObject({ ok: false });
      expect(await store.tenants()).toEqual(['acme', 'globex']);
      await store.close();
    });

    it('stays verifiable after a retention purge, anchored by a signed checkpoint', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const stranger = generateKeyPairSync('ed25519').publicKey;
      const store = await filled(harness, 4);
      const {
        checkpoints: [checkpoint],
      } = await store.purgeBefore(new Date(Date.UTC(2026, 0, 3)), privateKey);
      expect(checkpoint).toMatchObject({ tenant: 'acme', seq: 2, purged: 2 });
      await store.append(sampleRecord(5));
      const remaining = await store.query({ tenant: 'acme', limit: 10 });
      expect(remaining.map((r) => r.seq)).toEqual([3, 4, 5]);
      await expect(store.verify('acme', publicKey)).resolves.toMatchObject({
        ok: true,
        checked: 3,
        checkpointAuthentic: true,
      });
      await expect(store.verify('acme', stranger)).resolves.toMatchObject({
        ok: false,
        checkpointAuthentic: false,
      });
      await harness.tamper(
        store,
        `UPDATE audit_checkpoints SET head_hash = 'ff' || substr(head_hash, 3)`,
      );
      await expect(store.verify('acme')).resolves.toMatchObject({
        ok: false,
        firstBreak: { seq: null, reason: 'anchor_mismatch' },
      });
      await store.close();
    });

    it('signs (and purges) nothing that disagrees with the newest anchored checkpoint', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const store = await filled(harness, 4);
      const [anchored] = (await store.checkpointHeads(privateKey)).checkpoints;
      // Records 3–4 replaced by others and the database's checkpoints deleted: the chain links up.
      for (const sql of [
        "DELETE FROM audit_head_checkpoints WHERE tenant = 'acme'",
        "DELETE FROM audit_records WHERE tenant = 'acme' AND seq >= 3",
        "UPDATE audit_heads SET seq = 2, hash = (SELECT hash FROM audit_records WHERE tenant = 'acme' AND seq = 2) WHERE tenant = 'acme'",
      ]) {
        await harness.tamper(store, sql);
      }
      for (const n of [13, 14, 15]) await store.append(sampleRecord(n));
      const anchoredFor = async () => anchored ?? null;
      await expect(
        store.checkpointHeads(privateKey, new Date(), anchoredFor),
      ).resolves.toMatchObject({
        checkpoints: [],
        refused: [{ tenant: 'acme', firstBreak: { seq: 4, reason: 'checkpoint_mismatch' } }],
      });
      await expect(
        store.purgeBefore(new Date(Date.UTC(2100, 0, 1)), privateKey, new Date(), anchoredFor),
      ).resolves.toMatchObject({ checkpoints: [], refused: [{ tenant: 'acme' }] });
      // Without the anchor the rewritten chain would be signed.
      await expect(store.checkpointHeads(privateKey)).resolves.toMatchObject({
        checkpoints: [{ tenant: 'acme', seq: 5 }],
      });
      await store.close();
    });
  });

  describe(`${name}: idempotency and queries`, () => {
    it('returns the earlier record for a repeated client request id, writing nothing', async () => {
      const store = await harness.open();
      const request = { ...sampleRecord(1).request, clientRequestId: 'retry-1' };
      const first = await store.append(sampleRecord(1, { request }));
      const again = await store.append(sampleRecord(2, { request }));
      expect(again.created).toBe(false);
      expect(again.stored.record.checkId).toBe(first.stored.record.checkId);
      expect(await store.findByClientRequestId('acme', 'retry-1')).toMatchObject({ seq: 1 });
      expect(await store.findByClientRequestId('globex', 'retry-1')).toBeNull();
      await expect(store.verify('acme')).resolves.toMatchObject({ ok: true, checked: 1 });
      await store.close();
    });

    it('serialises concurrent appends into one unbroken chain', async () => {
      const store = await harness.open();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(sampleRecord(i + 1))));
      await expect(store.verify('acme')).resolves.toMatchObject({ ok: true, checked: 20 });
      await store.close();
    });

    it('filters by time, subject, decision, attack medium, model version and check id, with a cursor either way', async () => {
      const store = await filled(harness, 12);
      const seqs = async (q: Partial<Parameters<AuditStore['query']>[0]>) =>
        (await store.query({ tenant: 'acme', limit: 100, ...q })).map((r) => r.seq);
      expect(await seqs({ decision: 'spoof' })).toEqual([1, 5, 7, 11]);
      expect(await seqs({ subjects: ['user-1'] })).toEqual([1, 5, 9]);
      expect(await seqs({ subjects: ['user-1', 'user-2'] })).toEqual([1, 2, 5, 6, 9, 10]);
      expect(await seqs({ subjects: [] })).toEqual([]);
      expect(await seqs({ attackMedium: 'screen', modelVersion: '2.1.0' })).toEqual([7, 11]);
      expect(
        await seqs({ from: new Date(Date.UTC(2026, 0, 4)), to: new Date(Date.UTC(2026, 0, 6)) }),
      ).toEqual([4, 5]);
      expect(await seqs({ limit: 5, afterSeq: 5 })).toEqual([6, 7, 8, 9, 10]);
      expect(await seqs({ newestFirst: true, limit: 3 })).toEqual([12, 11, 10]);
      expect(await seqs({ newestFirst: true, beforeSeq: 10, decision: 'spoof' })).toEqual([
        7, 5, 1,
      ]);
      expect(await seqs({ tenant: 'globex' })).toEqual([]);
      const third = (await store.query({ tenant: 'acme', limit: 3 }))[2]?.record.checkId;
      expect(await seqs({ checkId: third ?? '' })).toEqual([3]);
      expect(await seqs({ tenant: 'globex', checkId: third ?? '' })).toEqual([]);
      const found = await store.findCheck(
        'acme',
        (await store.query({ tenant: 'acme', limit: 1 }))[0]?.record.checkId ?? '',
      );
      expect(found?.seq).toBe(1);
      expect(await store.findCheck('globex', found?.record.checkId ?? '')).toBeNull();
      await store.close();
    });
  });

  describe(`${name}: retained images`, () => {
    it('keeps sealed images per tenant and check, and purges them at expiry', async () => {
      const store = await harness.open();
      const vault = new ImageVault(randomBytes(32), 1);
      const now = new Date('2026-11-28T00:00:00Z');
      await store.retainImage(vault.seal('acme', 'chk_1', 'png', Buffer.from('pixels'), now));
      const found = await store.findRetainedImage('acme', 'chk_1');
      expect(found && vault.open(found).toString()).toBe('pixels');
      expect(found?.expiresAt).toBe('2026-11-29T00:00:00.000Z');
      expect(await store.findRetainedImage('globex', 'chk_1')).toBeNull();
      expect(await store.purgeExpiredImages(new Date('2026-11-28T12:00:00Z'))).toBe(0);
      expect(await store.purgeExpiredImages(new Date('2026-11-29T00:00:01Z'))).toBe(1);
      expect(await store.findRetainedImage('acme', 'chk_1')).toBeNull();
      await store.close();
    });
  });

  describe(`${name}: single use and replays`, () => {
    it('lets a check pass a login once and remembers webhook message ids per tenant', async () => {
      const store = await harness.open();
      expect(await store.consumeCheck('acme', 'chk_1', 'cognito')).toBe(true);
      expect(await store.consumeCheck('acme', 'chk_1', 'hook')).toBe(false);
      expect(await store.consumeCheck('globex', 'chk_1', 'hook')).toBe(true);
      expect(await store.claimHookMessage('acme', 'msg_1')).toEqual({ state: 'claimed' });
      expect(await store.claimHookMessage('acme', 'msg_1')).toEqual({ state: 'in_progress' });
      expect(await store.claimHookMessage('globex', 'msg_1')).toEqual({ state: 'claimed' });
      await store.settleHookMessage('acme', 'msg_1', '{"action":"allow"}');
      expect(await store.claimHookMessage('acme', 'msg_1')).toEqual({
        state: 'answered',
        answer: '{"action":"allow"}',
      });
      // A failed delivery is forgotten, so the sender's retry is handled afresh.
      await store.releaseHookMessage('globex', 'msg_1');
      expect(await store.claimHookMessage('globex', 'msg_1')).toEqual({ state: 'claimed' });
      // A claim whose process died is taken over once its lease has run out.
      const past = new Date(Date.now() - 2 * 86_400_000);
      await store.claimHookMessage('acme', 'msg_crashed', past);
      expect(await store.claimHookMessage('acme', 'msg_crashed')).toEqual({ state: 'claimed' });
      await store.claimHookMessage('acme', 'msg_old', past);
      expect(await store.forgetHookMessagesBefore(new Date(Date.now() - 86_400_000))).toBe(1);
      expect(await store.claimHookMessage('acme', 'msg_1')).toMatchObject({ state: 'answered' });
      await store.close();
    });
  });

  describe(`${name}: API keys`, () => {
    it('stores, lists, expires and revokes key rows', async () => {
      const store = await harness.open();
      const row = {
        id: '00112233aabbccdd',
        tenant: 'acme',
        name: 'ci',
        scopes: ['checks:write', 'audit:read'],
        secretHash: 'c'.repeat(64),
        createdAt: '2026-11-28T00:00:00.000Z',
        expiresAt: null,
        revokedAt: null,
      };
      await store.insertApiKey(row);
      expect(await store.findApiKey(row.id)).toEqual(row);
      await store.updateApiKey(row.id, { expiresAt: '2026-12-01T00:00:00.000Z' });
      await store.updateApiKey(row.id, { revokedAt: '2026-11-29T00:00:00.000Z' });
      expect(await store.findApiKey(row.id)).toMatchObject({
        expiresAt: '2026-12-01T00:00:00.000Z',
        revokedAt: '2026-11-29T00:00:00.000Z',
      });
      expect(await store.listApiKeys('acme')).toHaveLength(1);
      expect(await store.listApiKeys('globex')).toHaveLength(0);
      await store.close();
    });
  });
}
