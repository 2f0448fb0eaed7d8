/**
 * The audit store for scale: the one SQL audit store (sql-audit-store.ts) on PostgreSQL (`pg`), so
 * many API instances can append to one database. A commit is acknowledged only after PostgreSQL
 * reports it durable (synchronous_commit stays on).
 */

import type { DatabaseTls } from '../store/postgres-tls.js';
import { openSqlDialect } from '../store/sql-dialect.js';
import { auditSchema } from './audit-schema.js';
import { SqlAuditStore } from './sql-audit-store.js';

export class PostgresAuditStore extends SqlAuditStore {
  /**
   * Connects (sharing this process's pool for the URL; TLS as `tls` says, at most `poolMax`
   * connections: keep it small on Lambda, where every instance has its own pool) and creates the
   * tables when missing.
   */
  static async open(
    connectionString: string,
    poolMax = 10,
    tls: DatabaseTls = { mode: 'url' },
  ): Promise<PostgresAuditStore> {
    const sql = await openSqlDialect({ kind: 'postgres', url: connectionString, poolMax, tls });
    await sql.exec(auditSchema('postgres'));
    return new PostgresAuditStore(sql);
  }
}
