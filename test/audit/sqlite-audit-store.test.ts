import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { openAuditStore } from '../../src/audit/open-audit-store.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { openSqliteFile } from '../../src/store/sql-dialect.js';
import { sampleRecord } from '../support/audit-records.js';
import { rawSqlite, tamperSqlite } from '../support/tamper.js';
import { auditStoreContract } from './audit-store-contract.js';
import { tamperMatrix } from './tamper-matrix.js';

const files = new WeakMap<AuditStore, string>();

async function open(): Promise<SqliteAuditStore> {
  const path = join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'audit.sqlite');
  const store = await SqliteAuditStore.open(path);
  files.set(store, path);
  return store;
}

tamperMatrix('SqliteAuditStore', { open, raw: (store) => rawSqlite(files.get(store) ?? '') });

auditStoreContract('SqliteAuditStore (real SQLite file)', {
  open,
  tamper: (store, sql) => tamperSqlite(files.get(store) ?? '', sql),
});

it('runs SQLite in WAL mode with full synchronous commits', () => {
  const db = openSqliteFile(join(tmpdir(), `ifas-pragma-${process.pid}.sqlite`));
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('synchronous', { simple: true })).toBe(2);
  db.close();
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

describe('another connection holding the write lock', () => {
  async function lockedStore(maxBusyWaitMs?: number) {
    const path = join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'audit.sqlite');
    const store = await SqliteAuditStore.open(path, maxBusyWaitMs ? { maxBusyWaitMs } : {});
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    return { store, blocker };
  }

  it('waits without blocking the event loop, and appends once the lock is released', async () => {
    const { store, blocker } = await lockedStore();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const released = new Promise<number>((resolve) =>
      setTimeout(() => {
        blocker.exec('COMMIT');
        resolve(ticks);
      }, 200),
    );
    const appending = store.append(sampleRecord(1));
    const claiming = store.claimHookMessage('acme', 'msg_locked');
    // The timer that releases the lock could run only because nothing blocked the loop meanwhile.
    expect(await released).toBeGreaterThan(0);
    await expect(appending).resolves.toMatchObject({ created: true });
    await expect(claiming).resolves.toEqual({ state: 'claimed' });
    clearInterval(ticker);
    blocker.close();
    await store.close();
  });

  it('gives up with 503 STORE_BUSY (Retry-After) when the lock outlasts the wait', async () => {
    const { store, blocker } = await lockedStore(100);
    await expect(store.append(sampleRecord(1))).rejects.toMatchObject({
      code: 'STORE_BUSY',
      status: 503,
      retryAfterSeconds: 1,
    });
    blocker.exec('ROLLBACK');
    await expect(store.append(sampleRecord(1))).resolves.toMatchObject({ created: true });
    blocker.close();
    await store.close();
  });
});
