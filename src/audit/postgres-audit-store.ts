/**
 * The audit store for scale: the same hash-chained tables as the SQLite store, in PostgreSQL (`pg`).
 * An append locks its tenant's head row (SELECT … FOR UPDATE) for the length of one transaction, so
 * many API instances can append to one database and every chain stays a single line. A commit is
 * acknowledged only after PostgreSQL reports it durable (synchronous_commit stays on).
 */

import type { KeyObject } from 'node:crypto';
import pg from 'pg';
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
    seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    check_id TEXT NOT NULL,
    client_request_id TEXT,
    time TIMESTAMPTZ NOT NULL,
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
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tenant TEXT NOT NULL,
    seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    purged BIGINT NOT NULL,
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
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
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
    expires_at TIMESTAMPTZ NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    tag BYTEA NOT NULL,
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

export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and creates the tables when missing. */
  static async open(connectionString: string, poolSize = 10): Promise<PostgresAuditStore> {
    const pool = new pg.Pool({ connectionString, max: poolSize });
    // A server restart must not crash the process through an idle client's error event.
    pool.on('error', () => undefined);
    await pool.query(SCHEMA);
    return new PostgresAuditStore(pool);
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async append(input: AuditRecord, outbox: readonly OutboxEntry[] = []): Promise<AppendOutcome> {
    const record = auditRecordSchema.parse(input);
    const body = record as unknown as Record<string, unknown>;
    return this.inTransaction(async (client) => {
      await client.query(
        'INSERT INTO audit_heads (tenant, seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING',
        [record.tenant, GENESIS],
      );
      const head = (
        await client.query<{ seq: string; hash: string }>(
          'SELECT seq, hash FROM audit_heads WHERE tenant = $1 FOR UPDATE',
          [record.tenant],
        )
      ).rows[0];
      // Checked under the head lock, so a concurrent retry with the same id waits and then finds this one.
      if (record.request.clientRequestId !== null) {
        const earlier = await client.query<RecordRow>(
          `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = $1 AND client_request_id = $2`,
          [record.tenant, record.request.clientRequestId],
        );
        if (earlier.rows[0]) {
          return { stored: storedOf(earlier.rows[0]), created: false };
        }
      }
      const seq = Number(head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS;
      const hash = linkHash(seq, body, prevHash);
      await client.query(
        `INSERT INTO audit_records (tenant, seq, prev_hash, hash, check_id, client_request_id, time,
           subject, decision, attack_medium, model_version, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
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
        ],
      );
      await client.query('UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant = $1', [
        record.tenant,
        seq,
        hash,
      ]);
      for (const e of outbox) {
        await client.query(
          `INSERT INTO outbox (id, tenant, check_id, channel, destination, payload, status, attempts,
             next_attempt_at, last_error, created_at, delivered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
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
          ],
        );
      }
      return { stored: { seq, prevHash, hash, record }, created: true };
    });
  }

  private async oneRecord(where: string, values: unknown[]): Promise<StoredRecord | null> {
    const result = await this.pool.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE ${where}`,
      values,
    );
    return result.rows[0] ? storedOf(result.rows[0]) : null;
  }

  async findCheck(tenant: string, checkId: string): Promise<StoredRecord | null> {
    return this.oneRecord('tenant = $1 AND check_id = $2', [tenant, checkId]);
  }

  async findByClientRequestId(
    tenant: string,
    clientRequestId: string,
  ): Promise<StoredRecord | null> {
    return this.oneRecord('tenant = $1 AND client_request_id = $2', [tenant, clientRequestId]);
  }

  async query(query: AuditQuery): Promise<StoredRecord[]> {
    const values: unknown[] = [query.tenant, query.afterSeq ?? 0];
    const where = ['tenant = $1', 'seq > $2'];
    const filters: Array<[string, unknown]> = [
      ['time >=', query.from?.toISOString()],
      ['time <', query.to?.toISOString()],
      ['subject =', query.subject],
      ['decision =', query.decision],
      ['attack_medium =', query.attackMedium],
      ['model_version =', query.modelVersion],
    ];
    for (const [condition, value] of filters) {
      if (value !== undefined) {
        values.push(value);
        where.push(`${condition} $${values.length}`);
      }
    }
    values.push(query.limit);
    const result = await this.pool.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE ${where.join(' AND ')}
       ORDER BY seq LIMIT $${values.length}`,
      values,
    );
    return result.rows.map(storedOf);
  }

  async verify(tenant: string, checkpointKey?: KeyObject): Promise<StoreVerdict> {
    return verifyTenantChain(
      tenant,
      {
        checkpoint: await this.latestCheckpoint(tenant),
        page: async (afterSeq, limit) =>
          (
            await this.pool.query<RecordRow>(
              `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
              [tenant, afterSeq, limit],
            )
          ).rows,
        head: async () => {
          const head = (
            await this.pool.query<{ seq: string; hash: string }>(
              'SELECT seq, hash FROM audit_heads WHERE tenant = $1',
              [tenant],
            )
          ).rows[0];
          return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
        },
      },
      checkpointKey,
    );
  }

  async purgeBefore(cutoff: Date, signingKey: KeyObject, now = new Date()): Promise<Checkpoint[]> {
    return this.inTransaction(async (client) => {
      const lastPerTenant = (
        await client.query<{ tenant: string; seq: string }>(
          'SELECT tenant, MAX(seq) AS seq FROM audit_records WHERE time < $1 GROUP BY tenant',
          [cutoff.toISOString()],
        )
      ).rows;
      const checkpoints: Checkpoint[] = [];
      for (const { tenant, seq: seqText } of lastPerTenant) {
        const seq = Number(seqText);
        const last = (
          await client.query<{ hash: string }>(
            'SELECT hash FROM audit_records WHERE tenant = $1 AND seq = $2',
            [tenant, seq],
          )
        ).rows[0];
        const purged =
          (
            await client.query('DELETE FROM audit_records WHERE tenant = $1 AND seq <= $2', [
              tenant,
              seq,
            ])
          ).rowCount ?? 0;
        const checkpoint = signCheckpoint(
          { tenant, seq, headHash: last?.hash ?? GENESIS, createdAt: now.toISOString(), purged },
          signingKey,
        );
        await client.query(
          `INSERT INTO audit_checkpoints (tenant, seq, head_hash, created_at, purged, signature)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [tenant, seq, checkpoint.headHash, checkpoint.createdAt, purged, checkpoint.signature],
        );
        checkpoints.push(checkpoint);
      }
      return checkpoints;
    });
  }

  async latestCheckpoint(tenant: string): Promise<Checkpoint | null> {
    const result = await this.pool.query<CheckpointRow>(
      'SELECT * FROM audit_checkpoints WHERE tenant = $1 ORDER BY seq DESC LIMIT 1',
      [tenant],
    );
    return result.rows[0] ? checkpointOf(result.rows[0]) : null;
  }

  async tenants(): Promise<string[]> {
    const result = await this.pool.query<{ tenant: string }>(
      'SELECT tenant FROM audit_heads ORDER BY tenant',
    );
    return result.rows.map((row) => row.tenant);
  }

  async claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    // SKIP LOCKED: dispatchers on several instances claim disjoint entries without waiting.
    const result = await this.pool.query<OutboxRow>(
      `UPDATE outbox SET next_attempt_at = $1::timestamptz + ($3 * interval '1 millisecond')
       WHERE id IN (
         SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now.toISOString(), limit, leaseMs],
    );
    return result.rows.map(outboxOf);
  }

  async settleOutbox(id: string, result: OutboxSettlement): Promise<void> {
    await this.pool.query(
      `UPDATE outbox SET status = $2, attempts = $3, last_error = $4,
         next_attempt_at = COALESCE($5, next_attempt_at), delivered_at = $6,
         payload = CASE WHEN $2 = 'delivered' THEN '{}' ELSE payload END WHERE id = $1`,
      [
        id,
        result.status,
        result.attempts,
        result.error ?? null,
        result.nextAttemptAt?.toISOString() ?? null,
        result.status === 'delivered' ? result.at.toISOString() : null,
      ],
    );
  }

  async listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const result = await this.pool.query<OutboxRow>(
      `SELECT * FROM outbox WHERE tenant = $1 AND ($2::text IS NULL OR check_id = $2)
         AND ($3::text IS NULL OR status = $3) ORDER BY created_at, id LIMIT $4`,
      [filter.tenant, filter.checkId ?? null, filter.status ?? null, filter.limit],
    );
    return result.rows.map(outboxOf);
  }

  async consumeCheck(
    tenant: string,
    checkId: string,
    usedBy: string,
    now = new Date(),
  ): Promise<boolean> {
    const result = await this.pool.query(
      'INSERT INTO consumed_checks (tenant, check_id, used_by, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [tenant, checkId, usedBy, now.toISOString()],
    );
    return result.rowCount === 1;
  }

  async rememberHookMessage(tenant: string, messageId: string, now = new Date()): Promise<boolean> {
    const result = await this.pool.query(
      'INSERT INTO hook_messages (tenant, message_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [tenant, messageId, now.toISOString()],
    );
    return result.rowCount === 1;
  }

  async forgetHookMessagesBefore(cutoff: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM hook_messages WHERE received_at < $1', [
      cutoff.toISOString(),
    ]);
    return result.rowCount ?? 0;
  }

  async retainImage(image: RetainedImage): Promise<void> {
    await this.pool.query(
      `INSERT INTO retained_images (tenant, check_id, format, expires_at, nonce, ciphertext, tag)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        image.tenant,
        image.checkId,
        image.format,
        image.expiresAt,
        image.nonce,
        image.ciphertext,
        image.tag,
      ],
    );
  }

  async findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null> {
    const row = (
      await this.pool.query<RetainedImageRow>(
        'SELECT * FROM retained_images WHERE tenant = $1 AND check_id = $2',
        [tenant, checkId],
      )
    ).rows[0];
    return row ? retainedOf(row) : null;
  }

  async purgeExpiredImages(now = new Date()): Promise<number> {
    const result = await this.pool.query('DELETE FROM retained_images WHERE expires_at <= $1', [
      now.toISOString(),
    ]);
    return result.rowCount ?? 0;
  }

  async insertApiKey(row: ApiKeyRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_keys (id, tenant, name, scopes, secret_hash, created_at, expires_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        row.id,
        row.tenant,
        row.name,
        row.scopes.join(' '),
        row.secretHash,
        row.createdAt,
        row.expiresAt,
        row.revokedAt,
      ],
    );
  }

  async findApiKey(id: string): Promise<ApiKeyRow | null> {
    const result = await this.pool.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return result.rows[0] ? keyOf(result.rows[0]) : null;
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRow[]> {
    const result =
      tenant === undefined
        ? await this.pool.query<KeyRow>('SELECT * FROM api_keys ORDER BY tenant, created_at')
        : await this.pool.query<KeyRow>(
            'SELECT * FROM api_keys WHERE tenant = $1 ORDER BY created_at',
            [tenant],
          );
    return result.rows.map(keyOf);
  }

  async updateApiKey(
    id: string,
    change: { expiresAt?: string; revokedAt?: string },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE api_keys SET expires_at = COALESCE($2, expires_at), revoked_at = COALESCE($3, revoked_at)
       WHERE id = $1`,
      [id, change.expiresAt ?? null, change.revokedAt ?? null],
    );
  }

  /** Raw SQL for tests and migrations; the product never edits rows. */
  async execute(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.pool.query(sql, values);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
