/**
 * The embedded audit store: append-only, hash-chained tables in one SQLite file (better-sqlite3, WAL
 * mode, synchronous=FULL so an acknowledged append survives a crash). Each append runs in an
 * IMMEDIATE transaction, so reading the tenant's head and inserting the next link cannot interleave
 * with another writer, even one in another process. Retention purges the oldest records and stores a
 * signed checkpoint that anchors the rest of each chain.
 */

import type { KeyObject } from 'node:crypto';
import Database from 'better-sqlite3';
import { type AuditRecord, auditRecordSchema } from './audit-record.js';
import type {
  ApiKeyRow,
  AppendOutcome,
  AuditQuery,
  AuditStore,
  OutboxFilter,
  OutboxSettlement,
  StoredRecord,
  StoreVerdict,
} from './audit-store.js';
import { type Checkpoint, signCheckpoint } from './checkpoint.js';
import { GENESIS, linkHash } from './hash-chain.js';
import type { RetainedImage } from './image-vault.js';
import type { OutboxEntry } from './outbox-entry.js';
import {
  type CheckpointRow,
  checkpointOf,
  type KeyRow,
  keyOf,
  type OutboxRow,
  outboxOf,
  RECORD_COLUMNS,
  type RecordRow,
  type RetainedImageRow,
  retainedOf,
  storedOf,
} from './store-rows.js';
import { verifyTenantChain } from './verify-tenant-chain.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit_records (
    tenant TEXT NOT NULL,
    seq INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    check_id TEXT NOT NULL,
    client_request_id TEXT,
    time TEXT NOT NULL,
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
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tenant TEXT NOT NULL,
    seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    purged INTEGER NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
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
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
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
  CREATE TABLE IF NOT EXISTS hook_messages (
    tenant TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (tenant, message_id)
  );
  CREATE TABLE IF NOT EXISTS retained_images (
    tenant TEXT NOT NULL,
    check_id TEXT NOT NULL,
    format TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    tag BLOB NOT NULL,
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
`;

export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Another process (the CLI next to the server) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async append(input: AuditRecord, outbox: readonly OutboxEntry[] = []): Promise<AppendOutcome> {
    const record = auditRecordSchema.parse(input);
    const body = record as unknown as Record<string, unknown>;
    const insert = this.db.transaction((): AppendOutcome => {
      if (record.request.clientRequestId !== null) {
        const earlier = this.findByClientRequestIdSync(
          record.tenant,
          record.request.clientRequestId,
        );
        if (earlier) {
          return { stored: earlier, created: false };
        }
      }
      const head = this.db
        .prepare('SELECT seq, hash FROM audit_heads WHERE tenant = ?')
        .get(record.tenant) as { seq: number; hash: string } | undefined;
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS;
      const hash = linkHash(seq, body, prevHash);
      this.db
        .prepare(
          `INSERT INTO audit_records (tenant, seq, prev_hash, hash, check_id, client_request_id, time,
             subject, decision, attack_medium, model_version, body)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.tenant,
          seq,
          prevHash,
          hash,
          record.checkId,
          record.request.clientRequestId,
          record.time,
          record.subject,
          record.decision,
          record.attackMedium,
          record.model.version,
          JSON.stringify(record),
        );
      this.db
        .prepare(
          `INSERT INTO audit_heads (tenant, seq, hash) VALUES (?, ?, ?)
           ON CONFLICT (tenant) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
        )
        .run(record.tenant, seq, hash);
      const queue = this.db.prepare(
        `INSERT INTO outbox (id, tenant, check_id, channel, destination, payload, status, attempts,
           next_attempt_at, last_error, created_at, delivered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of outbox) {
        queue.run(
          e.id,
          e.tenant,
          e.checkId,
          e.channel,
          e.destination,
          e.payload,
          e.status,
          e.attempts,
          e.nextAttemptAt,
          e.lastError,
          e.createdAt,
          e.deliveredAt,
        );
      }
      return { stored: { seq, prevHash, hash, record }, created: true };
    });
    return insert.immediate();
  }

  async findCheck(tenant: string, checkId: string): Promise<StoredRecord | null> {
    const row = this.db
      .prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND check_id = ?`)
      .get(tenant, checkId) as RecordRow | undefined;
    return row ? storedOf(row) : null;
  }

  async findByClientRequestId(
    tenant: string,
    clientRequestId: string,
  ): Promise<StoredRecord | null> {
    return this.findByClientRequestIdSync(tenant, clientRequestId);
  }

  private findByClientRequestIdSync(tenant: string, clientRequestId: string): StoredRecord | null {
    const row = this.db
      .prepare(
        `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND client_request_id = ?`,
      )
      .get(tenant, clientRequestId) as RecordRow | undefined;
    return row ? storedOf(row) : null;
  }

  async query(query: AuditQuery): Promise<StoredRecord[]> {
    const where = ['tenant = ?', 'seq > ?'];
    const values: unknown[] = [query.tenant, query.afterSeq ?? 0];
    const filters: Array<[string, unknown]> = [
      ['time >= ?', query.from?.toISOString()],
      ['time < ?', query.to?.toISOString()],
      ['subject = ?', query.subject],
      ['decision = ?', query.decision],
      ['attack_medium = ?', query.attackMedium],
      ['model_version = ?', query.modelVersion],
    ];
    for (const [clause, value] of filters) {
      if (value !== undefined) {
        where.push(clause);
        values.push(value);
      }
    }
    const rows = this.db
      .prepare(
        `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE ${where.join(' AND ')}
         ORDER BY seq LIMIT ?`,
      )
      .all(...values, query.limit) as RecordRow[];
    return rows.map(storedOf);
  }

  async verify(tenant: string, checkpointKey?: KeyObject): Promise<StoreVerdict> {
    const page = this.db.prepare(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
    return verifyTenantChain(
      tenant,
      {
        checkpoint: await this.latestCheckpoint(tenant),
        page: async (afterSeq, limit) => page.all(tenant, afterSeq, limit) as RecordRow[],
        head: async () =>
          this.db.prepare('SELECT seq, hash FROM audit_heads WHERE tenant = ?').get(tenant) as
            | { seq: number; hash: string }
            | undefined,
      },
      checkpointKey,
    );
  }

  async purgeBefore(cutoff: Date, signingKey: KeyObject, now = new Date()): Promise<Checkpoint[]> {
    const purge = this.db.transaction((): Checkpoint[] => {
      const lastPerTenant = this.db
        .prepare(`SELECT tenant, MAX(seq) AS seq FROM audit_records WHERE time < ? GROUP BY tenant`)
        .all(cutoff.toISOString()) as Array<{ tenant: string; seq: number }>;
      return lastPerTenant.map(({ tenant, seq }) => {
        const last = this.db
          .prepare('SELECT hash FROM audit_records WHERE tenant = ? AND seq = ?')
          .get(tenant, seq) as { hash: string };
        const purged = this.db
          .prepare('DELETE FROM audit_records WHERE tenant = ? AND seq <= ?')
          .run(tenant, seq).changes;
        const checkpoint = signCheckpoint(
          { tenant, seq, headHash: last.hash, createdAt: now.toISOString(), purged },
          signingKey,
        );
        this.db
          .prepare(
            `INSERT INTO audit_checkpoints (tenant, seq, head_hash, created_at, purged, signature)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(
            tenant,
            seq,
            checkpoint.headHash,
            checkpoint.createdAt,
            purged,
            checkpoint.signature,
          );
        return checkpoint;
      });
    });
    return purge.immediate();
  }

  async latestCheckpoint(tenant: string): Promise<Checkpoint | null> {
    const row = this.db
      .prepare('SELECT * FROM audit_checkpoints WHERE tenant = ? ORDER BY seq DESC LIMIT 1')
      .get(tenant) as CheckpointRow | undefined;
    return row ? checkpointOf(row) : null;
  }

  async tenants(): Promise<string[]> {
    const rows = this.db.prepare('SELECT tenant FROM audit_heads ORDER BY tenant').all() as Array<{
      tenant: string;
    }>;
    return rows.map((row) => row.tenant);
  }

  async claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const claim = this.db.transaction((): OutboxEntry[] => {
      const rows = this.db
        .prepare(
          `SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
           ORDER BY next_attempt_at LIMIT ?`,
        )
        .all(now.toISOString(), limit) as OutboxRow[];
      const lease = this.db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = ?');
      const until = new Date(now.getTime() + leaseMs).toISOString();
      for (const row of rows) lease.run(until, row.id);
      return rows.map(outboxOf);
    });
    return claim.immediate();
  }

  async settleOutbox(id: string, result: OutboxSettlement): Promise<void> {
    this.db
      .prepare(
        `UPDATE outbox SET status = ?, attempts = ?, last_error = ?,
           next_attempt_at = COALESCE(?, next_attempt_at), delivered_at = ?,
           payload = CASE WHEN ? = 'delivered' THEN '{}' ELSE payload END WHERE id = ?`,
      )
      .run(
        result.status,
        result.attempts,
        result.error ?? null,
        result.nextAttemptAt?.toISOString() ?? null,
        result.status === 'delivered' ? result.at.toISOString() : null,
        result.status,
        id,
      );
  }

  async listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM outbox WHERE tenant = ? AND (? IS NULL OR check_id = ?) AND (? IS NULL OR status = ?)
         ORDER BY created_at, id LIMIT ?`,
      )
      .all(
        filter.tenant,
        filter.checkId ?? null,
        filter.checkId ?? null,
        filter.status ?? null,
        filter.status ?? null,
        filter.limit,
      ) as OutboxRow[];
    return rows.map(outboxOf);
  }

  async consumeCheck(
    tenant: string,
    checkId: string,
    usedBy: string,
    now = new Date(),
  ): Promise<boolean> {
    const result = this.db
      .prepare(
        'INSERT INTO consumed_checks (tenant, check_id, used_by, used_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(tenant, checkId, usedBy, now.toISOString());
    return result.changes === 1;
  }

  async rememberHookMessage(tenant: string, messageId: string, now = new Date()): Promise<boolean> {
    const result = this.db
      .prepare(
        'INSERT INTO hook_messages (tenant, message_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(tenant, messageId, now.toISOString());
    return result.changes === 1;
  }

  async forgetHookMessagesBefore(cutoff: Date): Promise<number> {
    return this.db
      .prepare('DELETE FROM hook_messages WHERE received_at < ?')
      .run(cutoff.toISOString()).changes;
  }

  async retainImage(image: RetainedImage): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO retained_images (tenant, check_id, format, expires_at, nonce, ciphertext, tag)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        image.tenant,
        image.checkId,
        image.format,
        image.expiresAt,
        image.nonce,
        image.ciphertext,
        image.tag,
      );
  }

  async findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null> {
    const row = this.db
      .prepare('SELECT * FROM retained_images WHERE tenant = ? AND check_id = ?')
      .get(tenant, checkId) as RetainedImageRow | undefined;
    return row ? retainedOf(row) : null;
  }

  async purgeExpiredImages(now = new Date()): Promise<number> {
    return this.db
      .prepare('DELETE FROM retained_images WHERE expires_at <= ?')
      .run(now.toISOString()).changes;
  }

  async insertApiKey(row: ApiKeyRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, tenant, name, scopes, secret_hash, created_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.id,
        row.tenant,
        row.name,
        row.scopes.join(' '),
        row.secretHash,
        row.createdAt,
        row.expiresAt,
        row.revokedAt,
      );
  }

  async findApiKey(id: string): Promise<ApiKeyRow | null> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as
      | KeyRow
      | undefined;
    return row ? keyOf(row) : null;
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRow[]> {
    const rows = (
      tenant === undefined
        ? this.db.prepare('SELECT * FROM api_keys ORDER BY tenant, created_at').all()
        : this.db.prepare('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at').all(tenant)
    ) as KeyRow[];
    return rows.map(keyOf);
  }

  async updateApiKey(
    id: string,
    change: { expiresAt?: string; revokedAt?: string },
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE api_keys SET expires_at = COALESCE(?, expires_at), revoked_at = COALESCE(?, revoked_at)
         WHERE id = ?`,
      )
      .run(change.expiresAt ?? null, change.revokedAt ?? null, id);
  }

  /** Raw access for tests and migrations; the product never edits rows. */
  get database(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
