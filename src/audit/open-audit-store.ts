/**
 * Opens the configured audit store: SQLite (the embedded default) or PostgreSQL.
 */

import type { StoreConfig } from '../store/sql-dialect.js';
import type { AuditStore } from './audit-store.js';
import { PostgresAuditStore } from './postgres-audit-store.js';
import { SqliteAuditStore } from './sqlite-audit-store.js';

export type { StoreConfig };

export async function openAuditStore(config: StoreConfig): Promise<AuditStore> {
  // Owner-only for SQLite: the log names subjects and decisions (folder 0700, file 0600).
  return config.kind === 'postgres'
    ? PostgresAuditStore.open(config.url, config.poolMax, config.tls)
    : SqliteAuditStore.open(config.path);
}
