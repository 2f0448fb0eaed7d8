import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  numberedPlaceholders,
  openSqlDialect,
  type SqlDialect,
  sqlDialectConfigFor,
} from '../../src/store/sql-dialect.js';
import { realDialects } from '../support/sql-dialects.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS notes (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    body TEXT,
    uses INTEGER NOT NULL DEFAULT 0
  )
`;

describe.each(realDialects())('SqlDialect on a real %s', (_name, open) => {
  it('runs, reads one row and many rows with ? placeholders', async () => {
    const db = await open();
    await db.exec(SCHEMA);
    const inserted = await db.run('INSERT INTO notes (id, tenant, body) VALUES (?, ?, ?)', [
      'a',
      't1',
      'why?',
    ]);
    await db.run('INSERT INTO notes (id, tenant, body) VALUES (?, ?, ?)', ['b', 't1', null]);
    await db.run('INSERT INTO notes (id, tenant, body) VALUES (?, ?, ?)', ['c', 't2', 'x']);
    expect(inserted.changes).toBe(1);
    expect(await db.get('SELECT id, body, uses FROM notes WHERE id = ?', ['a'])).toEqual({
      id: 'a',
      body: 'why?',
      uses: 0,
    });
    expect(await db.get('SELECT id FROM notes WHERE id = ?', ['missing'])).toBeUndefined();
    const rows = await db.all<{ id: string }>(
      "SELECT id FROM notes WHERE tenant = ? AND body <> '?' ORDER BY id",
      ['t1'],
    );
    expect(rows.map((row) => row.id)).toEqual(['a']);
    const updated = await db.run('UPDATE notes SET uses = uses + 1 WHERE tenant = ?', ['t1']);
    expect(updated.changes).toBe(2);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const db = await open();
    await db.exec(SCHEMA);
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO notes (id, tenant) VALUES (?, ?)', ['kept', 't']);
      expect(await tx.get('SELECT id FROM notes WHERE id = ?', ['kept'])).toEqual({ id: 'kept' });
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO notes (id, tenant) VALUES (?, ?)', ['dropped', 't']);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const ids = await db.all<{ id: string }>('SELECT id FROM notes ORDER BY id');
    expect(ids.map((row) => row.id)).toEqual(['kept']);
  });

  it('keeps concurrent read-modify-write transactions from losing updates', async () => {
    const db = await open();
    await db.exec(SCHEMA);
    await db.run('INSERT INTO notes (id, tenant) VALUES (?, ?)', ['n', 't']);
    // A conditional UPDATE is the portable guard: only one of two racers may move uses from 0 to 1.
    const claims = await Promise.all(
      [1, 2, 3, 4].map(() =>
        db.transaction(async (tx) => {
          const claimed = await tx.run(
            'UPDATE notes SET uses = uses + 1 WHERE id = ? AND uses = 0',
            ['n'],
          );
          return claimed.changes;
        }),
      ),
    );
    expect(claims.filter((changes) => changes === 1)).toHaveLength(1);
    expect(await db.get('SELECT uses FROM notes WHERE id = ?', ['n'])).toEqual({ uses: 1 });
  });

  it('recognises a unique violation and supports ON CONFLICT and RETURNING', async () => {
    const db = await open();
    await db.exec(SCHEMA);
    await db.run('INSERT INTO notes (id, tenant) VALUES (?, ?)', ['u', 't']);
    const duplicate = await db
      .run('INSERT INTO notes (id, tenant) VALUES (?, ?)', ['u', 't'])
      .catch((e) => e);
    expect(db.isUniqueViolation(duplicate)).toBe(true);
    expect(db.isUniqueViolation(new Error('other'))).toBe(false);
    const skipped = await db.run(
      'INSERT INTO notes (id, tenant) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
      ['u', 't'],
    );
    expect(skipped.changes).toBe(0);
    const returned = await db.get<{ uses: number }>(
      'UPDATE notes SET uses = ? WHERE id = ? RETURNING uses',
      [5, 'u'],
    );
    expect(returned).toEqual({ uses: 5 });
  });
});

describe('numberedPlaceholders', () => {
  it('numbers bare question marks and leaves quoted ones alone', () => {
    expect(
      numberedPlaceholders(`SELECT '?', "a?" FROM t WHERE a = ? AND b = ? AND c = 'it''s ?'`),
    ).toBe(`SELECT '?', "a?" FROM t WHERE a = $1 AND b = $2 AND c = 'it''s ?'`);
  });
});

describe('SQLite files shared in one process', () => {
  it('gives every opener of a file the same connection, so their transactions queue instead of deadlocking', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ifas-shared-'));
    const path = join(dir, 'stores.sqlite');
    const sessions = await openSqlDialect({ kind: 'sqlite', path });
    const references = await openSqlDialect({ kind: 'sqlite', path });
    await sessions.exec(SCHEMA);
    // Each transaction yields to the event loop while it holds the write lock: with two connections
    // the second's BEGIN IMMEDIATE would block the thread the first needs to commit.
    const slowInsert = (db: SqlDialect, id: string) =>
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO notes (id, tenant) VALUES (?, ?)', [id, 't']);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await tx.run('UPDATE notes SET uses = uses + 1 WHERE id = ?', [id]);
      });
    await Promise.all([slowInsert(sessions, 'a'), slowInsert(references, 'b')]);
    await sessions.close();
    expect(await references.all('SELECT id, uses FROM notes ORDER BY id')).toEqual([
      { id: 'a', uses: 1 },
      { id: 'b', uses: 1 },
    ]);
    await references.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('places dialect stores beside the audit store: the same PostgreSQL database, a sibling SQLite file', () => {
    expect(sqlDialectConfigFor({ kind: 'postgres', url: 'postgres://h/db' })).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db',
    });
    expect(sqlDialectConfigFor({ kind: 'sqlite', path: '/data/audit.sqlite' })).toEqual({
      kind: 'sqlite',
      path: '/data/stores.sqlite',
    });
  });
});
