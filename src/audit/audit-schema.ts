/**
 * The audit database's tables, described once for both dialects. Only three column types differ:
 * PostgreSQL keeps sequence numbers as BIGINT, times as TIMESTAMPTZ and bytes as BYTEA, SQLite as
 * INTEGER, ISO-8601 TEXT and BLOB. (These are the types earlier releases created, so existing
 * databases keep working: CREATE … IF NOT EXISTS leaves them as they are.)
 */

import type { SqlDialect } from '../store/sql-dialect.js';
import { HOOK_DELIVERIES_SCHEMA } from './hook-deliveries.js';

const TYPES = {
  sqlite: { big: 'INTEGER', time: 'TEXT', bytes: 'BLOB' },
  postgres: { big: 'BIGINT', time: 'TIMESTAMPTZ', bytes: 'BYTEA' },
} as const;

export function auditSchema(kind: SqlDialect['kind']): string {
  const { big, time, bytes } = TYPES[kind];
  return `
  CREATE TABLE IF NOT EXISTS audit_records (
    tenant TEXT NOT NULL,
    seq ${big} NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    check_id TEXT NOT NULL,
    client_request_id TEXT,
    time ${time} NOT NULL,
    subject TEXT,
    decision TEXT NOT NULL,
    attack_medium TEXT,
    model_version TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS audit_records_check ON audit_records (tenant, check_id);
  CREATE UNIQUE INDEX IF NOT EXISTS audit_records_client_request
    ON audit_records (tenant, client_request_id) WHERE client_request_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (tenant, time);
  CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (tenant, subject);
  CREATE TABLE IF NOT EXISTS audit_heads (
    tenant TEXT PRIMARY KEY,
    seq ${big} NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tenant TEXT NOT NULL,
    seq ${big} NOT NULL,
    head_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    purged ${big} NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
  );
  CREATE TABLE IF NOT EXISTS audit_head_checkpoints (
    tenant TEXT NOT NULL,
    seq ${big} NOT NULL,
    head_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
  );
  CREATE TABLE IF NOT EXISTS audit_tenant_registry (
    tenant TEXT PRIMARY KEY,
    registered_at TEXT NOT NULL,
    signature TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    check_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at ${time} NOT NULL,
    last_error TEXT,
    created_at ${time} NOT NULL,
    delivered_at ${time}
  );
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
  CREATE INDEX IF NOT EXISTS outbox_check ON outbox (tenant, check_id);
  CREATE TABLE IF NOT EXISTS consumed_checks (
    tenant TEXT NOT NULL,
    check_id TEXT NOT NULL,
    used_by TEXT NOT NULL,
    used_at TEXT NOT NULL,
    PRIMARY KEY (tenant, check_id)
  );
  CREATE TABLE IF NOT EXISTS retained_images (
    tenant TEXT NOT NULL,
    check_id TEXT NOT NULL,
    format TEXT NOT NULL,
    expires_at ${time} NOT NULL,
    nonce ${bytes} NOT NULL,
    ciphertext ${bytes} NOT NULL,
    tag ${bytes} NOT NULL,
    PRIMARY KEY (tenant, check_id)
  );
  CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  );
  ${HOOK_DELIVERIES_SCHEMA}`;
}
