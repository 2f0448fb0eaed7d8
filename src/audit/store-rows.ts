/**
 * The rows both audit stores read, and how they become domain objects. The two databases hand the
 * same columns back in slightly different types — PostgreSQL returns BIGINT as a string and
 * TIMESTAMPTZ as a Date — so the row types admit both and the mappers normalise them once.
 */

import type { AuditRecord } from './audit-record.js';
import type { ApiKeyRow, StoredRecord } from './audit-store.js';
import type { Checkpoint } from './checkpoint.js';
import type { RetainedImage } from './image-vault.js';
import type { OutboxEntry } from './outbox-entry.js';

/** A BIGINT column (sequence numbers, counts): far below 2^53 in practice. */
type Count = number | string;
type Timestamp = string | Date;

export interface RecordRow {
  seq: Count;
  prev_hash: string;
  hash: string;
  body: string;
}

export interface CheckpointRow {
  tenant: string;
  seq: Count;
  head_hash: string;
  created_at: string;
  purged: Count;
  signature: string;
}

export interface KeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface RetainedImageRow {
  tenant: string;
  check_id: string;
  format: string;
  expires_at: Timestamp;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export interface OutboxRow {
  id: string;
  tenant: string;
  check_id: string;
  channel: OutboxEntry['channel'];
  destination: string;
  payload: string;
  status: OutboxEntry['status'];
  attempts: Count;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

/** The record columns a chain walk needs, in the order both stores select them. */
export const RECORD_COLUMNS = 'seq, prev_hash, hash, body';

const iso = (value: Timestamp): string => (value instanceof Date ? value.toISOString() : value);

export function storedOf(row: RecordRow): StoredRecord {
  return {
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    record: JSON.parse(row.body) as AuditRecord,
  };
}

export function checkpointOf(row: CheckpointRow): Checkpoint {
  return {
    tenant: row.tenant,
    seq: Number(row.seq),
    headHash: row.head_hash,
    createdAt: row.created_at,
    purged: Number(row.purged),
    signature: row.signature,
  };
}

export function keyOf(row: KeyRow): ApiKeyRow {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes: row.scopes.split(' ').filter(Boolean),
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function retainedOf(row: RetainedImageRow): RetainedImage {
  return {
    tenant: row.tenant,
    checkId: row.check_id,
    format: row.format,
    expiresAt: iso(row.expires_at),
    nonce: row.nonce,
    ciphertext: row.ciphertext,
    tag: row.tag,
  };
}

export function outboxOf(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    tenant: row.tenant,
    checkId: row.check_id,
    channel: row.channel,
    destination: row.destination,
    payload: row.payload,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
  };
}
