/**
 * The two real databases a store must work on, for `describe.each`: a fresh SQLite file and a fresh
 * database on the PostgreSQL server of the global setup. Everything opened is closed after the file.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqlDialect, type SqlDialect } from '../../src/store/sql-dialect.js';
import { freshDatabaseUrl } from './postgres.js';

export function realDialects(): Array<[string, () => Promise<SqlDialect>]> {
  const opened: SqlDialect[] = [];
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.allSettled(opened.map((dialect) => dialect.close()));
    await Promise.allSettled(folders.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const keep = (dialect: SqlDialect) => {
    opened.push(dialect);
    return dialect;
  };
  return [
    [
      'SQLite file',
      async () => {
        const folder = await mkdtemp(join(tmpdir(), 'ifas-dialect-'));
        folders.push(folder);
        return keep(
          await openSqlDialect({ kind: 'sqlite', path: join(folder, 'nested', 'store.db') }),
        );
      },
    ],
    [
      'PostgreSQL server',
      async () => keep(await openSqlDialect({ kind: 'postgres', url: await freshDatabaseUrl() })),
    ],
  ];
}
