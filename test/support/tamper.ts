/**
 * Raw access to an audit database behind the store's back, as an attacker with write access to the
 * database (but not the signing key) would have: its own connection, plain SQL. Product code has no
 * such hook.
 */

import { openSqlDialect, type SqlDialect } from '../../src/store/sql-dialect.js';

export type RawDatabase = SqlDialect;

export function rawSqlite(path: string): Promise<RawDatabase> {
  return openSqlDialect({ kind: 'sqlite', path });
}

export function rawPostgres(url: string): Promise<RawDatabase> {
  return openSqlDialect({ kind: 'postgres', url });
}

async function once(raw: Promise<RawDatabase>, sql: string): Promise<void> {
  const db = await raw;
  try {
    await db.exec(sql);
  } finally {
    await db.close();
  }
}

export const tamperSqlite = (path: string, sql: string) => once(rawSqlite(path), sql);
export const tamperPostgres = (url: string, sql: string) => once(rawPostgres(url), sql);
