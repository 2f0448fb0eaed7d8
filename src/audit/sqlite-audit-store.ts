/**
 * The embedded audit store: the one SQL audit store (sql-audit-store.ts) on an SQLite file
 * (better-sqlite3, WAL, synchronous=FULL so an acknowledged append survives a crash; owner-only
 * file modes). Waiting for another connection's lock never blocks the event loop (sqlite-busy.ts).
 */

import { openSqliteFile, sqliteDialect } from '../store/sql-dialect.js';
import { auditSchema } from './audit-schema.js';
import { SqlAuditStore } from './sql-audit-store.js';

export class SqliteAuditStore extends SqlAuditStore {
  /** `maxBusyWaitMs`: how long an operation waits (without blocking) for another connection's lock. */
  constructor(file: string, options: { maxBusyWaitMs?: number } = {}) {
    const db = openSqliteFile(file);
    db.exec(auditSchema('sqlite'));
    super(sqliteDialect(db, options.maxBusyWaitMs));
  }
}
