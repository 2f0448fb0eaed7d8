/**
 * The embedded audit store: the one SQL audit store (sql-audit-store.ts) on an SQLite file
 * (better-sqlite3, WAL, synchronous=FULL so an acknowledged append survives a crash; owner-only
 * file modes). Waiting for another connection's lock never blocks the event loop (sqlite-busy.ts).
 * It shares this process's one connection to the file with the other stores on it.
 */

import { openSqlDialect } from '../store/sql-dialect.js';
import { auditSchema } from './audit-schema.js';
import { SqlAuditStore } from './sql-audit-store.js';

export class SqliteAuditStore extends SqlAuditStore {
  /**
   * Opens (creating the folder 0700 and the file 0600) and creates the tables when missing.
   * `maxBusyWaitMs`: how long an operation waits (without blocking) for another connection's lock.
   */
  static async open(
    file: string,
    options: { maxBusyWaitMs?: number } = {},
  ): Promise<SqliteAuditStore> {
    const sql = await openSqlDialect({ kind: 'sqlite', path: file }, options);
    await sql.exec(auditSchema('sqlite'));
    return new SqliteAuditStore(sql);
  }
}
