/**
 * The audit store for scale: the one SQL audit store (sql-audit-store.ts) on PostgreSQL (`pg`), so
 * many API instances can append to one database. A commit is acknowledged only after PostgreSQL
 * reports it durable (synchronous_commit stays on).
 */

import { openSqlDialect } from '../store/sql-dialect.js';
import { auditSchema } from './audit-schema.js';
import { SqlAuditStore } from './sql-audit-store.js';

export class PostgresAuditStore extends SqlAuditStore {
  /** Connects (sharing this process's pool for the URL) and creates the tables when missing. */
  static async open(connectionString: string): Promise<PostgresAuditStore> {
    const sql = await openSqlDialect({ kind: 'postgres', url: connectionString });
    await sql.exec(auditSchema('postgres'));
    return new PostgresAuditStore(sql);
  }
}
