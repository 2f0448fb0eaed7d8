import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { auditStoreContract } from './audit-store-contract.js';

async function open(): Promise<SqliteAuditStore> {
  return new SqliteAuditStore(join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'audit.sqlite'));
}

auditStoreContract('SqliteAuditStore (real SQLite file)', {
  open,
  async tamper(store, sql) {
    (store as SqliteAuditStore).database.exec(sql);
  },
});

it('runs SQLite in WAL mode with full synchronous commits', async () => {
  const store = await open();
  expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(store.database.pragma('synchronous', { simple: true })).toBe(2);
  await store.close();
});
