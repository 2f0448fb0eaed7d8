/**
 * The audit store for scale: the one SQL audit store (sql-audit-store.ts) on PostgreSQL (`pg`), so
 * many API instances can append to one database. A commit is acknowledged only after PostgreSQL
 * reports it durable (synchronous_commit stays on).
 */

import pg from 'pg';
import { postgresDialect } from '../store/sql-dialect.js';
import { auditSchema } from './audit-schema.js';
import { SqlAuditStore } from './sql-audit-store.js';

export class PostgresAuditStore extends SqlAuditStore {
  /** Connects and creates the tables when missing. */
  static async open(connectionString: string, poolSize = 10): Promise<PostgresAuditStore> {
    const pool = new pg.Pool({ connectionString, max: poolSize });
    // A server restart must not crash the process through an idle client's error event.
    pool.on('error', () => undefined);
    const sql = postgresDialect(pool);
    await sql.exec(auditSchema('postgres'));
    return new PostgresAuditStore(sql);
  }
}
