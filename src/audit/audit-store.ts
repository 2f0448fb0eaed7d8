/**
 * The one interface both audit stores implement (SQLite embedded, PostgreSQL for scale), so the
 * service, the CLI and the tests never care which one is behind it.
 *
 * Each tenant's decisions form their own hash chain (seq 1, 2, 3 … per tenant): a tenant can export
 * and verify its log without seeing anyone else's, and retention anchors each chain with its own
 * signed checkpoint. A store also keeps the hashed API keys, because keys and the records they
 * authorise must live and be backed up together.
 */

import type { KeyObject } from 'node:crypto';
import type { AuditRecord } from './audit-record.js';
import type { Checkpoint } from './checkpoint.js';
import type { ChainVerdict } from './hash-chain.js';
import type { RetainedImage } from './image-vault.js';
import type { OutboxEntry, OutboxStatus } from './outbox-entry.js';

export interface StoredRecord {
  seq: number;
  prevHash: string;
  hash: string;
  record: AuditRecord;
}

export interface AppendOutcome {
  stored: StoredRecord;
  /** false when the tenant already had a record with this client request id (nothing was written). */
  created: boolean;
}

export interface AuditQuery {
  tenant: string;
  from?: Date;
  to?: Date;
  /** As stored: callers apply the subject policy (keyed hash) before asking. */
  subject?: string;
  decision?: AuditRecord['decision'];
  attackMedium?: string;
  modelVersion?: string;
  /** Cursor: only records after this sequence number. */
  afterSeq?: number;
  limit: number;
}

export interface StoreVerdict extends ChainVerdict {
  tenant: string;
  checkpoint: Checkpoint | null;
  /** null when there is no checkpoint or no key to check it with. */
  checkpointAuthentic: boolean | null;
}

export interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string[];
  /** SHA-256 (hex) of the key's secret part; the secret itself is never stored. */
  secretHash: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface OutboxSettlement {
  status: OutboxStatus;
  attempts: number;
  at: Date;
  error?: string;
  /** For `pending`: when to try again. */
  nextAttemptAt?: Date;
}

export interface OutboxFilter {
  tenant: string;
  checkId?: string;
  status?: OutboxStatus;
  limit: number;
}

export interface AuditStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Appends a decision to its tenant's chain in one transaction, unless the tenant already recorded
   * the same client request id: then the earlier record comes back with `created: false`. The
   * outbox entries (spoof flags) are written in the same transaction, or not at all.
   */
  append(record: AuditRecord, outbox?: readonly OutboxEntry[]): Promise<AppendOutcome>;
  findCheck(tenant: string, checkId: string): Promise<StoredRecord | null>;
  findByClientRequestId(tenant: string, clientRequestId: string): Promise<StoredRecord | null>;
  /** Records matching the filter in chain order, at most `limit`. */
  query(query: AuditQuery): Promise<StoredRecord[]>;
  /** Recomputes the tenant's chain from its anchor (genesis or its latest signed checkpoint). */
  verify(tenant: string, checkpointKey?: KeyObject): Promise<StoreVerdict>;
  /** Deletes every tenant's records older than `cutoff`; one signed checkpoint per chain touched. */
  purgeBefore(cutoff: Date, signingKey: KeyObject, now?: Date): Promise<Checkpoint[]>;
  latestCheckpoint(tenant: string): Promise<Checkpoint | null>;
  tenants(): Promise<string[]>;

  /** Opt-in encrypted audit images (see image-vault.ts); never called unless retention is configured. */
  retainImage(image: RetainedImage): Promise<void>;
  findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null>;
  /** Deletes images past their expiry; returns how many. */
  purgeExpiredImages(now?: Date): Promise<number>;

  /**
   * Pending entries due by `now`, leased for `leaseMs` (their next attempt moves past the lease) so a
   * concurrent dispatcher skips them.
   */
  claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Records an attempt's outcome; a delivered entry's payload (it names the subject) is scrubbed. */
  settleOutbox(id: string, result: OutboxSettlement): Promise<void>;
  listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]>;

  /**
   * Marks a check as used to pass a login (single use): true the first time, false ever after.
   * `usedBy` says where (a hook, a Cognito trigger) for the investigator.
   */
  consumeCheck(tenant: string, checkId: string, usedBy: string, now?: Date): Promise<boolean>;
  /** Remembers an inbound webhook message id: true the first time, false for a replay. */
  rememberHookMessage(tenant: string, messageId: string, now?: Date): Promise<boolean>;
  /**
   * Forgets message ids received before `cutoff`; returns how many. Safe once the cutoff is older
   * than the signature timestamp tolerance (five minutes): an older replay fails its signature check.
   */
  forgetHookMessagesBefore(cutoff: Date): Promise<number>;

  insertApiKey(row: ApiKeyRow): Promise<void>;
  findApiKey(id: string): Promise<ApiKeyRow | null>;
  listApiKeys(tenant?: string): Promise<ApiKeyRow[]>;
  /** Sets expiry (rotation grace) or revocation; never deletes, so key ids stay in the audit trail. */
  updateApiKey(id: string, change: { expiresAt?: string; revokedAt?: string }): Promise<void>;

  close(): Promise<void>;
}
