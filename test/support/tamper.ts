/**
 * Raw access to an audit database behind the store's back, as an attacker with write access to the
 * database (but not the signing key) would have: its own connection, plain SQL. Product code has no
 * such hook.
 */

import Database from 'better-sqlite3';
import pg from 'pg';

export async function tamperSqlite(path: string, sql: string): Promise<void> {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 2000');
    db.exec(sql);
  } finally {
    db.close();
  }
}

export async function tamperPostgres(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
