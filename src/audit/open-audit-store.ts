/**
 * Opens the configured audit store: SQLite (the embedded default) or PostgreSQL. Each store's
 * module (and its native driver) is loaded only when chosen: a Lambda function on PostgreSQL never
 * loads better-sqlite3, which it does not ship.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditStore } from './audit-store.js';
import type { DatabaseTls } from './postgres-tls.js';

export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; tls?: DatabaseTls; poolMax?: number };

export async function openAuditStore(config: StoreConfig): Promise<AuditStore> {
  if (config.kind === 'postgres') {
    const { PostgresAuditStore } = await import('./postgres-audit-store.js');
    return PostgresAuditStore.open(config.url, config.poolMax ?? 10, config.tls);
  }
  const { SqliteAuditStore } = await import('./sqlite-audit-store.js');
  await mkdir(dirname(config.path), { recursive: true });
  return new SqliteAuditStore(config.path);
}
