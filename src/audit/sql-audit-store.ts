/**
 * The one audit store, written once over the SQL dialect (src/store/sql-dialect.ts) for SQLite and
 * PostgreSQL alike. Each tenant's decisions form their own hash chain; an append reads the tenant's
 * head and inserts the next link in one transaction that first locks the head row (an UPDATE, which
 * takes PostgreSQL's row lock; SQLite's BEGIN IMMEDIATE already holds the write lock), so many
 * writers — threads of one server or instances sharing one database — keep every chain a single line.
 *
 * It plays several roles at once (see audit-store.ts): the audit log itself, the outbox (flags/), API
 * keys (auth/), the hook replay guard, the retained-image vault and the single-use check marks.
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SqlDialect, SqlExecutor } from '../store/sql-dialect.js';
import { ApiKeyTable } from './api-key-table.js';
import { type AuditRecord, auditRecordSchema } from './audit-record.js';
import type {
  ApiKeyRow,
  AppendOutcome,
  AuditQuery,
  AuditStore,
  HeadCheckpointing,
  OutboxFilter,
  OutboxSettlement,
  PurgeOutcome,
  PurgeRefusal,
  StoredRecord,
  StoreVerdict,
} from './audit-store.js';
import {
  type Checkpoint,
  signCheckpoint,
  signRegistration,
  type TenantRegistration,
} from './checkpoint.js';
import { GENESIS, linkHash } from './hash-chain.js';
import { type HookClaim, HookDeliveries } from './hook-deliveries.js';
import type { RetainedImage } from './image-vault.js';
import type { OutboxEntry } from './outbox-entry.js';
import { insertOutbox, OutboxTable } from './outbox-table.js';
import { RetainedImageTable } from './retained-image-table.js';
import {
  type CheckpointRow,
  checkpointOf,
  INDEXED_RECORD_COLUMNS,
  type IndexedRecordRow,
  RECORD_COLUMNS,
  type RecordRow,
  storedOf,
} from './store-rows.js';
import { type ChainReads, VERIFY_PAGE, verifyTenantChain } from './verify-tenant-chain.js';

type Row<T> = T & Record<string, unknown>;

export class SqlAuditStore implements AuditStore {
  readonly kind: SqlDialect['kind'];
  private readonly replay: HookDeliveries;
  private readonly keys: ApiKeyTable;
  private readonly images: RetainedImageTable;
  private readonly outbox: OutboxTable;

  /** `sql` must already hold the schema (auditSchema). */
  constructor(protected readonly sql: SqlDialect) {
    this.kind = sql.kind;
    this.replay = new HookDeliveries(sql);
    this.keys = new ApiKeyTable(sql);
    this.images = new RetainedImageTable(sql);
    this.outbox = new OutboxTable(sql);
  }

  async append(input: AuditRecord, outbox: readonly OutboxEntry[] = []): Promise<AppendOutcome> {
    const record = auditRecordSchema.parse(input);
    const body = record as unknown as Record<string, unknown>;
    return this.sql.transaction(async (tx) => {
      const head = await lockHead(tx, record.tenant);
      // Checked under the head lock, so a concurrent retry with the same id waits and then finds this one.
      if (record.request.clientRequestId !== null) {
        const earlier = await tx.get<Row<RecordRow>>(
          `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND client_request_id = ?`,
          [record.tenant, record.request.clientRequestId],
        );
        if (earlier) return { stored: storedOf(earlier), created: false };
      }
      const seq = head.seq + 1;
      const prevHash = head.hash;
      const hash = linkHash(seq, body, prevHash);
      await tx.run(
        `INSERT INTO audit_records (tenant, seq, prev_hash, hash, check_id, client_request_id, time,
           subject, decision, attack_medium, model_version, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      await tx.run('UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant = ?', [
        seq,
        hash,
        record.tenant,
      ]);
      await insertOutbox(tx, outbox);
      return { stored: { seq, prevHash, hash, record }, created: true };
    });
  }

  private async oneRecord(where: string, values: string[]): Promise<StoredRecord | null> {
    const row = await this.sql.get<Row<RecordRow>>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE ${where}`,
      values,
    );
    return row ? storedOf(row) : null;
  }

  findCheck(tenant: string, checkId: string): Promise<StoredRecord | null> {
    return this.oneRecord('tenant = ? AND check_id = ?', [tenant, checkId]);
  }

  findByClientRequestId(tenant: string, clientRequestId: string): Promise<StoredRecord | null> {
    return this.oneRecord('tenant = ? AND client_request_id = ?', [tenant, clientRequestId]);
  }

  async query(query: AuditQuery): Promise<StoredRecord[]> {
    const where = ['tenant = ?', query.newestFirst ? 'seq < ?' : 'seq > ?'];
    const values: Array<string | number> = [
      query.tenant,
      query.newestFirst ? (query.beforeSeq ?? Number.MAX_SAFE_INTEGER) : (query.afterSeq ?? 0),
    ];
    const filters: Array<[string, string | undefined]> = [
      ['time >= ?', query.from?.toISOString()],
      ['time < ?', query.to?.toISOString()],
      ['decision = ?', query.decision],
      ['attack_medium = ?', query.attackMedium],
      ['model_version = ?', query.modelVersion],
      ['check_id = ?', query.checkId],
    ];
    for (const [clause, value] of filters) {
      if (value !== undefined) {
        where.push(clause);
        values.push(value);
      }
    }
    if (query.sessionId !== undefined) {
      // A prefix compare that needs no LIKE escaping (session ids contain `_`); the length is ours.
      const prefix = `${query.sessionId}.`;
      where.push(`substr(check_id, 1, ${prefix.length}) = ?`);
      values.push(prefix);
    }
    if (query.subjects) {
      where.push(`subject IN (${query.subjects.map(() => '?').join(', ') || 'NULL'})`);
      values.push(...query.subjects);
    }
    const rows = await this.sql.all<Row<RecordRow>>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE ${where.join(' AND ')}
       ORDER BY seq ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
      [...values, query.limit],
    );
    return rows.map(storedOf);
  }

  async verify(
    tenant: string,
    checkpointKey?: KeyObject,
    anchored?: Checkpoint | null,
  ): Promise<StoreVerdict> {
    return verifyTenantChain(
      tenant,
      await this.chainReads(this.sql, tenant, anchored),
      checkpointKey,
    );
  }

  private async chainReads(
    sql: SqlExecutor,
    tenant: string,
    anchored?: Checkpoint | null,
    from?: Checkpoint | null,
  ): Promise<ChainReads> {
    const heads = await sql.all<Row<CheckpointRow>>(
      `SELECT tenant, seq, head_hash, created_at, 0 AS purged, signature
       FROM audit_head_checkpoints WHERE tenant = ? ORDER BY seq`,
      [tenant],
    );
    const registered = await sql.get<{ tenant: string }>(
      'SELECT tenant FROM audit_tenant_registry WHERE tenant = ?',
      [tenant],
    );
    return {
      checkpoint: from !== undefined ? from : await this.latestCheckpoint(tenant, sql),
      commitments: [
        ...heads.map((row) => checkpointOf(row, 'head')),
        ...(anchored ? [anchored] : []),
      ],
      registered: registered !== undefined || (anchored ?? null) !== null,
      page: (afterSeq, limit) =>
        sql.all<Row<IndexedRecordRow>>(
          `SELECT ${INDEXED_RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND seq > ?
           ORDER BY seq LIMIT ?`,
          [tenant, afterSeq, limit],
        ),
      head: async () => {
        const head = await sql.get<{ seq: number | string; hash: string }>(
          'SELECT seq, hash FROM audit_heads WHERE tenant = ?',
          [tenant],
        );
        return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
      },
    };
  }

  async checkpointHeads(
    signingKey: KeyObject,
    now = new Date(),
    anchoredFor?: (tenant: string) => Promise<Checkpoint | null>,
  ): Promise<HeadCheckpointing> {
    const publicKey = createPublicKey(signingKey);
    const checkpoints: Checkpoint[] = [];
    const refused: PurgeRefusal[] = [];
    for (const { tenant } of await this.sql.all<{ tenant: string }>(
      'SELECT tenant FROM audit_heads WHERE seq > 0 ORDER BY tenant',
    )) {
      // Read before the transaction: no lock is held across a network round trip.
      const anchored = (await anchoredFor?.(tenant)) ?? null;
      const outcome = await this.sql.transaction(async (tx) => {
        const head = await lockHead(tx, tenant);
        const previous = await newestHeadCheckpoint(tx, tenant);
        if (previous && previous.seq >= head.seq) return null;
        // Sign only what verifies: the records since the last checkpoint (or the purge anchor) must
        // link up to the head, so a rewrite of the unsigned tail is refused rather than blessed.
        const purge = await this.latestCheckpoint(tenant, tx);
        const from = previous && (!purge || previous.seq > purge.seq) ? previous : purge;
        const verdict = await verifyTenantChain(
          tenant,
          {
            ...(await this.chainReads(tx, tenant, null, from)),
            commitments: anchored ? [anchored] : [],
          },
          publicKey,
        );
        if (!verdict.ok) return { refused: { tenant, firstBreak: verdict.firstBreak } };
        const checkpoint = signCheckpoint(
          {
            tenant,
            kind: 'head',
            seq: head.seq,
            headHash: head.hash,
            createdAt: now.toISOString(),
            purged: 0,
          },
          signingKey,
        );
        await tx.run(
          `INSERT INTO audit_head_checkpoints (tenant, seq, head_hash, created_at, signature)
           VALUES (?, ?, ?, ?, ?)`,
          [tenant, checkpoint.seq, checkpoint.headHash, checkpoint.createdAt, checkpoint.signature],
        );
        const registration = signRegistration(
          { tenant, registeredAt: now.toISOString() },
          signingKey,
        );
        await tx.run(
          `INSERT INTO audit_tenant_registry (tenant, registered_at, signature) VALUES (?, ?, ?)
           ON CONFLICT (tenant) DO NOTHING`,
          [tenant, registration.registeredAt, registration.signature],
        );
        return { checkpoint };
      });
      if (outcome?.checkpoint) checkpoints.push(outcome.checkpoint);
      if (outcome?.refused) refused.push(outcome.refused);
    }
    return { checkpoints, refused };
  }

  async purgeBefore(
    cutoff: Date,
    signingKey: KeyObject,
    now = new Date(),
    anchoredFor?: (tenant: string) => Promise<Checkpoint | null>,
  ): Promise<PurgeOutcome> {
    const publicKey = createPublicKey(signingKey);
    const checkpoints: Checkpoint[] = [];
    const refused: PurgeRefusal[] = [];
    for (const tenant of await this.tenants()) {
      // A signed checkpoint must never bless a tampered chain: purge only what verifies.
      const verdict = await this.verify(tenant, publicKey, await anchoredFor?.(tenant));
      if (!verdict.ok) {
        refused.push({ tenant, firstBreak: verdict.firstBreak });
        continue;
      }
      const boundary = await this.purgeBoundary(tenant, verdict.checkpoint?.seq ?? 0, cutoff);
      if (!boundary) continue;
      checkpoints.push(
        await this.sql.transaction(async (tx) => {
          const { changes: purged } = await tx.run(
            'DELETE FROM audit_records WHERE tenant = ? AND seq <= ?',
            [tenant, boundary.seq],
          );
          const checkpoint = signCheckpoint(
            {
              tenant,
              kind: 'purge',
              seq: boundary.seq,
              headHash: boundary.hash,
              createdAt: now.toISOString(),
              purged,
            },
            signingKey,
          );
          await tx.run(
            `INSERT INTO audit_checkpoints (tenant, seq, head_hash, created_at, purged, signature)
             VALUES (?, ?, ?, ?, ?, ?)`,
            [
              tenant,
              checkpoint.seq,
              checkpoint.headHash,
              checkpoint.createdAt,
              purged,
              checkpoint.signature,
            ],
          );
          return checkpoint;
        }),
      );
    }
    return { checkpoints, refused };
  }

  /**
   * The last record, in chain order, whose hashed time is before the cutoff (the time column is not
   * trusted): the purge stops at the first record that is not, so it deletes a prefix of the chain.
   */
  private async purgeBoundary(
    tenant: string,
    afterSeq: number,
    cutoff: Date,
  ): Promise<{ seq: number; hash: string } | null> {
    let boundary: { seq: number; hash: string } | null = null;
    for (let after = afterSeq; ; ) {
      const rows = await this.sql.all<Row<RecordRow>>(
        `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?`,
        [tenant, after, VERIFY_PAGE],
      );
      for (const row of rows) {
        const stored = storedOf(row);
        if (Date.parse(stored.record.time) >= cutoff.getTime()) return boundary;
        boundary = { seq: stored.seq, hash: stored.hash };
      }
      if (rows.length < VERIFY_PAGE) return boundary;
      after = Number(rows[rows.length - 1]?.seq);
    }
  }

  async latestCheckpoint(tenant: string, sql: SqlExecutor = this.sql): Promise<Checkpoint | null> {
    const row = await sql.get<Row<CheckpointRow>>(
      'SELECT * FROM audit_checkpoints WHERE tenant = ? ORDER BY seq DESC LIMIT 1',
      [tenant],
    );
    return row ? checkpointOf(row) : null;
  }

  async latestHeadCheckpoint(tenant: string): Promise<Checkpoint | null> {
    return newestHeadCheckpoint(this.sql, tenant);
  }

  /** Every tenant with a chain, or with a signed registration (a deleted chain stays listed). */
  async tenants(): Promise<string[]> {
    const rows = await this.sql.all<{ tenant: string }>(
      `SELECT tenant FROM audit_heads WHERE seq > 0
       UNION SELECT tenant FROM audit_tenant_registry ORDER BY tenant`,
    );
    return rows.map((row) => row.tenant);
  }

  async registrations(): Promise<TenantRegistration[]> {
    const rows = await this.sql.all<{ tenant: string; registered_at: string; signature: string }>(
      'SELECT tenant, registered_at, signature FROM audit_tenant_registry ORDER BY tenant',
    );
    return rows.map((row) => ({
      tenant: row.tenant,
      registeredAt: row.registered_at,
      signature: row.signature,
    }));
  }

  async consumeCheck(
    tenant: string,
    checkId: string,
    usedBy: string,
    now = new Date(),
  ): Promise<boolean> {
    const result = await this.sql.run(
      `INSERT INTO consumed_checks (tenant, check_id, used_by, used_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, check_id) DO NOTHING`,
      [tenant, checkId, usedBy, now.toISOString()],
    );
    return result.changes === 1;
  }

  // The other roles, each written once in its own module.

  retainImage(image: RetainedImage): Promise<void> {
    return this.images.retainImage(image);
  }

  findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null> {
    return this.images.findRetainedImage(tenant, checkId);
  }

  purgeExpiredImages(now?: Date): Promise<number> {
    return this.images.purgeExpiredImages(now);
  }

  claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    return this.outbox.claimDueOutbox(now, limit, leaseMs);
  }

  settleOutbox(id: string, result: OutboxSettlement): Promise<void> {
    return this.outbox.settleOutbox(id, result);
  }

  listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]> {
    return this.outbox.listOutbox(filter);
  }

  requeueDeadOutbox(tenant: string, id: string, now?: Date): Promise<OutboxEntry | null> {
    return this.outbox.requeueDeadOutbox(tenant, id, now);
  }

  claimHookMessage(tenant: string, messageId: string, now?: Date): Promise<HookClaim> {
    return this.replay.claimHookMessage(tenant, messageId, now);
  }

  settleHookMessage(tenant: string, messageId: string, answer: string): Promise<void> {
    return this.replay.settleHookMessage(tenant, messageId, answer);
  }

  releaseHookMessage(tenant: string, messageId: string): Promise<void> {
    return this.replay.releaseHookMessage(tenant, messageId);
  }

  forgetHookMessagesBefore(cutoff: Date): Promise<number> {
    return this.replay.forgetHookMessagesBefore(cutoff);
  }

  insertApiKey(row: ApiKeyRow): Promise<void> {
    return this.keys.insertApiKey(row);
  }

  findApiKey(id: string): Promise<ApiKeyRow | null> {
    return this.keys.findApiKey(id);
  }

  listApiKeys(tenant?: string): Promise<ApiKeyRow[]> {
    return this.keys.listApiKeys(tenant);
  }

  updateApiKey(id: string, change: { expiresAt?: string; revokedAt?: string }): Promise<void> {
    return this.keys.updateApiKey(id, change);
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

async function newestHeadCheckpoint(sql: SqlExecutor, tenant: string): Promise<Checkpoint | null> {
  const row = await sql.get<Row<CheckpointRow>>(
    `SELECT tenant, seq, head_hash, created_at, 0 AS purged, signature FROM audit_head_checkpoints
     WHERE tenant = ? ORDER BY seq DESC LIMIT 1`,
    [tenant],
  );
  return row ? checkpointOf(row, 'head') : null;
}

/** Creates the tenant's head at genesis if needed, locks it for this transaction and reads it. */
async function lockHead(tx: SqlExecutor, tenant: string): Promise<{ seq: number; hash: string }> {
  await tx.run(
    'INSERT INTO audit_heads (tenant, seq, hash) VALUES (?, 0, ?) ON CONFLICT (tenant) DO NOTHING',
    [tenant, GENESIS],
  );
  // A no-op write: PostgreSQL holds the row lock from here to commit, so appends queue up.
  await tx.run('UPDATE audit_heads SET seq = seq WHERE tenant = ?', [tenant]);
  const head = await tx.get<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_heads WHERE tenant = ?',
    [tenant],
  );
  return { seq: Number(head?.seq ?? 0), hash: head?.hash ?? GENESIS };
}
