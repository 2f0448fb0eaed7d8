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
import type { ApiKeyStore } from './api-key-table.js';
import type { AuditRecord } from './audit-record.js';
import type { Checkpoint } from './checkpoint.js';
import type { ChainBreak, ChainVerdict } from './hash-chain.js';
import type { ReplayGuard } from './hook-deliveries.js';
import type { OutboxEntry, OutboxStatus } from './outbox-entry.js';
import type { OutboxStore } from './outbox-table.js';
import type { RetainedImageStore } from './retained-image-table.js';

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
  /** Any of these stored forms: callers apply the subject policy (keyed hashes) before asking. */
  subjects?: readonly string[];
  decision?: AuditRecord['decision'];
  attackMedium?: string;
  modelVersion?: string;
  /** One check's record (the console's look-up by check id). */
  checkId?: string;
  /** A liveness session's own decision records (check ids `<session id>.<attempt>`). */
  sessionId?: string;
  /** Cursor: only records after this sequence number. */
  afterSeq?: number;
  /**
   * Newest first (the console's view): then the cursor is `beforeSeq`, only records before this
   * sequence number, and `afterSeq` is ignored. Exports walk the chain in order.
   */
  newestFirst?: boolean;
  beforeSeq?: number;
  limit: number;
}

export interface StoreVerdict extends ChainVerdict {
  tenant: string;
  checkpoint: Checkpoint | null;
  /** null when there is no checkpoint or no key to check it with. */
  checkpointAuthentic: boolean | null;
  /** The newest signed head checkpoint the chain was checked against (database or anchor). */
  newestCommitment: Checkpoint | null;
}

export interface PurgeRefusal {
  tenant: string;
  /** Why the chain was not purged (or checkpointed): it does not verify. */
  firstBreak: ChainBreak | null;
}

export interface PurgeOutcome {
  /** One signed purge checkpoint per chain purged. */
  checkpoints: Checkpoint[];
  /** Chains left alone because they do not verify: a signed checkpoint must never bless tampering. */
  refused: PurgeRefusal[];
}

export interface HeadCheckpointing {
  /** One signed head checkpoint per chain whose head moved. */
  checkpoints: Checkpoint[];
  refused: PurgeRefusal[];
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

/** The audit log itself: hash-chained decisions per tenant, their checkpoints and single-use marks. */
export interface AuditLog {
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
  /**
   * Recomputes the tenant's chain from its anchor (genesis or its latest purge checkpoint), checks
   * the indexed columns against the hashed records and the chain against every signed head
   * checkpoint — those in the database and `anchored`, the newest one published outside it.
   */
  verify(
    tenant: string,
    checkpointKey?: KeyObject,
    anchored?: Checkpoint | null,
  ): Promise<StoreVerdict>;
  /**
   * Signs a head checkpoint for every chain whose head moved since its last one (after verifying
   * the records in between, and against `anchoredFor`'s newest anchored checkpoint, so that deleting
   * the database's checkpoints cannot get a rewrite signed), and registers new tenants, signed.
   */
  checkpointHeads(
    signingKey: KeyObject,
    now?: Date,
    anchoredFor?: (tenant: string) => Promise<Checkpoint | null>,
  ): Promise<HeadCheckpointing>;
  /**
   * Deletes, per tenant, the records whose hashed time is before `cutoff` (a prefix of the chain),
   * under one signed purge checkpoint each; chains that do not verify are refused, not purged.
   */
  purgeBefore(
    cutoff: Date,
    signingKey: KeyObject,
    now?: Date,
    anchoredFor?: (tenant: string) => Promise<Checkpoint | null>,
  ): Promise<PurgeOutcome>;
  latestCheckpoint(tenant: string): Promise<Checkpoint | null>;
  latestHeadCheckpoint(tenant: string): Promise<Checkpoint | null>;
  /** Every tenant with a chain or a signed registration. */
  tenants(): Promise<string[]>;

  /**
   * Marks a check as used to pass a login (single use): true the first time, false ever after.
   * `usedBy` says where (a hook, a Cognito trigger) for the investigator.
   */
  consumeCheck(tenant: string, checkId: string, usedBy: string, now?: Date): Promise<boolean>;
}

/**
 * Every role on one database, as the service opens it (sql-audit-store.ts implements them all).
 * Code that needs one role takes that role's interface.
 */
export interface AuditStore
  extends AuditLog,
    OutboxStore,
    ApiKeyStore,
    ReplayGuard,
    RetainedImageStore {
  close(): Promise<void>;
}
