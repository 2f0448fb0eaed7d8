import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open-audit-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { sampleRecord } from '../support/audit-records.js';
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

it('keeps the data directory owner-only (0700) and the database, WAL and shared memory 0600', async () => {
  const folder = join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'data');
  const path = join(folder, 'audit.sqlite');
  const store = await openAuditStore({ kind: 'sqlite', path });
  await store.append(sampleRecord(1));
  const mode = async (file: string) => (await stat(file)).mode & 0o777;
  expect(await mode(folder)).toBe(0o700);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(await mode(file)).toBe(0o600);
  await store.close();
});
