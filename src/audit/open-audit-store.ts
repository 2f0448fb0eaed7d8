/**
 * Opens the configured audit store: SQLite (the embedded default) or PostgreSQL.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditStore } from './audit-store.js';
import { PostgresAuditStore } from './postgres-audit-store.js';
import { SqliteAuditStore } from './sqlite-audit-store.js';

export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export async function openAuditStore(config: StoreConfig): Promise<AuditStore> {
  if (config.kind === 'postgres') {
    return PostgresAuditStore.open(config.url);
  }
  await mkdir(dirname(config.path), { recursive: true });
  return new SqliteAuditStore(config.path);
}
