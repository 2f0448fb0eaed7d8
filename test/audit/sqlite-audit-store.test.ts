import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';

async function store(): Promise<SqliteAuditStore> {
  return new SqliteAuditStore(join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'audit.sqlite'));
}

function decision(n: number): Record<string, unknown> {
  return {
    checkId: `chk_${n}`,
    decision: n % 2 ? 'spoof' : 'live',
    liveness: n / 10,
    rationale: `case ${n}`,
  };
}

describe('Class: SqliteAuditStore (real SQLite file, WAL)', () => {
  it('appends a hash-chained log that verifies', async () => {
    const audit = await store();
    const first = audit.append(decision(1));
    const second = audit.append(decision(2));
    expect(second.prevHash).toBe(first.hash);
    expect(audit.verify()).toMatchObject({ ok: true, checked: 2, firstBreak: null });
    expect(audit.database.pragma('journal_mode', { simple: true })).toBe('wal');
    audit.close();
  });

  it.each([
    [
      'an edited record',
      (a: SqliteAuditStore) =>
        a.database
          .prepare(
            "UPDATE audit_records SET body = json_set(body, '$.decision', 'live') WHERE seq = 3",
          )
          .run(),
      { seq: 3, reason: 'hash_mismatch' },
    ],
    [
      'a deleted record',
      (a: SqliteAuditStore) => a.database.prepare('DELETE FROM audit_records WHERE seq = 2').run(),
      { seq: 3, reason: 'sequence_gap' },
    ],
    [
      'two reordered records',
      (a: SqliteAuditStore) => {
        a.database.prepare('UPDATE audit_records SET seq = -1 WHERE seq = 2').run();
        a.database.prepare('UPDATE audit_records SET seq = 2 WHERE seq = 3').run();
        a.database.prepare('UPDATE audit_records SET seq = 3 WHERE seq = -1').run();
      },
      { seq: 2, reason: 'prev_hash_mismatch' },
    ],
  ])('reports the first broken link after %s', async (_name, tamper, expected) => {
    const audit = await store();
    for (let n = 1; n <= 5; n++) audit.append(decision(n));
    tamper(audit);
    const verdict = audit.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBreak).toEqual(expected);
    audit.close();
  });

  it('keeps the remaining chain verifiable after a retention purge, anchored by a signed checkpoint', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey;
    const audit = await store();
    for (let n = 1; n <= 4; n++) audit.append(decision(n), new Date(`2026-01-0${n}T00:00:00Z`));
    const checkpoint = audit.purgeBefore(new Date('2026-01-03T00:00:00Z'), privateKey);
    expect(checkpoint).toMatchObject({ seq: 2, purged: 2 });
    audit.append(decision(5));
    expect(audit.records().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(audit.verify(publicKey)).toMatchObject({ ok: true, checkpointAuthentic: true });
    expect(audit.verify(other)).toMatchObject({ ok: false, checkpointAuthentic: false });
    // Forging the anchor breaks the first remaining link.
    audit.database
      .prepare("UPDATE audit_checkpoints SET head_hash = 'ff' || substr(head_hash, 3)")
      .run();
    expect(audit.verify().firstBreak).toEqual({ seq: null, reason: 'anchor_mismatch' });
    audit.close();
  });

  it('continues the chain across reopening the same file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ifas-audit-'));
    const a = new SqliteAuditStore(join(dir, 'audit.sqlite'));
    a.append(decision(1));
    a.close();
    const b = new SqliteAuditStore(join(dir, 'audit.sqlite'));
    expect(b.append(decision(2)).seq).toBe(2);
    expect(b.verify().ok).toBe(true);
    b.close();
  });
});
