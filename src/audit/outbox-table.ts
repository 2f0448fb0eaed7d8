/**
 * The durable outbox rows, over the SQL dialect. Entries are inserted inside the audit append's
 * transaction (insertOutbox with that transaction's executor); dispatchers claim due entries with a
 * conditional UPDATE, so several instances claim disjoint entries on either database.
 */

import type { SqlExecutor } from '../store/sql-dialect.js';
import type { OutboxFilter, OutboxSettlement } from './audit-store.js';
import type { OutboxEntry } from './outbox-entry.js';
import { type OutboxRow, outboxOf } from './store-rows.js';

export interface OutboxStore {
  /**
   * Pending entries due by `now`, leased for `leaseMs` (their next attempt moves past the lease) so a
   * concurrent dispatcher skips them.
   */
  claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Records an attempt's outcome; a delivered entry's payload (it names the subject) is scrubbed. */
  settleOutbox(id: string, result: OutboxSettlement): Promise<void>;
  listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]>;
  /**
   * Puts one of the tenant's dead letters back in the queue, due now, with a fresh attempt count (the
   * full backoff schedule again) and its last error kept; null when the tenant has no dead letter
   * with that id (pending, delivered, unknown, or another tenant's).
   */
  requeueDeadOutbox(tenant: string, id: string, now?: Date): Promise<OutboxEntry | null>;
}

type Row = OutboxRow & Record<string, unknown>;

export async function insertOutbox(
  tx: SqlExecutor,
  entries: readonly OutboxEntry[],
): Promise<void> {
  for (const e of entries) {
    await tx.run(
      `INSERT INTO outbox (id, tenant, check_id, channel, destination, payload, status, attempts,
         next_attempt_at, last_error, created_at, delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
}

export class OutboxTable implements OutboxStore {
  constructor(private readonly sql: SqlExecutor) {}

  async claimDueOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const due = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const rows = await this.sql.all<Row>(
      `SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
       ORDER BY next_attempt_at LIMIT ?`,
      [due, limit],
    );
    const claimed: OutboxEntry[] = [];
    for (const row of rows) {
      // Claimed only if no other dispatcher moved it past `now` in between.
      const lease = await this.sql.run(
        `UPDATE outbox SET next_attempt_at = ?
         WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`,
        [until, row.id, due],
      );
      if (lease.changes === 1) claimed.push({ ...outboxOf(row), nextAttemptAt: until });
    }
    return claimed;
  }

  async settleOutbox(id: string, result: OutboxSettlement): Promise<void> {
    const delivered = result.status === 'delivered';
    await this.sql.run(
      `UPDATE outbox SET status = ?, attempts = ?, last_error = ?,
         next_attempt_at = COALESCE(?, next_attempt_at), delivered_at = ?,
         payload = CASE WHEN ? = 1 THEN '{}' ELSE payload END WHERE id = ?`,
      [
        result.status,
        result.attempts,
        result.error ?? null,
        result.nextAttemptAt?.toISOString() ?? null,
        delivered ? result.at.toISOString() : null,
        delivered ? 1 : 0,
        id,
      ],
    );
  }

  async listOutbox(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const where = ['tenant = ?'];
    const values: Array<string | number> = [filter.tenant];
    if (filter.checkId !== undefined) {
      where.push('check_id = ?');
      values.push(filter.checkId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      values.push(filter.status);
    }
    const rows = await this.sql.all<Row>(
      `SELECT * FROM outbox WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ?`,
      [...values, filter.limit],
    );
    return rows.map(outboxOf);
  }

  async requeueDeadOutbox(
    tenant: string,
    id: string,
    now: Date = new Date(),
  ): Promise<OutboxEntry | null> {
    const requeued = await this.sql.run(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?
       WHERE tenant = ? AND id = ? AND status = 'dead'`,
      [now.toISOString(), tenant, id],
    );
    if (requeued.changes !== 1) return null;
    const row = await this.sql.get<Row>('SELECT * FROM outbox WHERE id = ?', [id]);
    return row ? outboxOf(row) : null;
  }
}
