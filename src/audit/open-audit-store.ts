/**
 * Opens the configured audit store: SQLite (the embedded default) or PostgreSQL.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoreConfig } from '../store/sql-dialect.js';
import type { AuditStore } from './audit-store.js';
import { PostgresAuditStore } from './postgres-audit-store.js';
import { SqliteAuditStore } from './sqlite-audit-store.js';

export type { StoreConfig };

export async function openAuditStore(config: StoreConfig): Promise<AuditStore> {
  if (config.kind === 'postgres') {
    return PostgresAuditStore.open(config.url);
  }
  // Owner-only: the log names subjects and decisions (the file itself is created 0600).
  await mkdir(dirname(config.path), { recursive: true, mode: 0o700 });
  return new SqliteAuditStore(config.path);
}
