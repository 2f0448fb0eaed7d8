/**
 * The replay guard for inbound hook messages (Standard Webhooks ids, Okta event ids), written once
 * over the SQL dialect. A message id is remembered together with the answer it got: a sender that
 * resends a message it already had answered gets the same answer again, and a delivery that failed
 * (the handler threw) is forgotten, so the sender's retry is processed instead of refused.
 *
 * A claim is a lease: when the process dies while handling a message, a retry after `leaseMs` may take
 * it over; until then a concurrent duplicate is told the message is still in progress.
 */

import type { SqlExecutor } from '../store/sql-dialect.js';

export const HOOK_DELIVERIES_SCHEMA = `
  CREATE TABLE IF NOT EXISTS hook_deliveries (
    tenant TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    answer TEXT,
    PRIMARY KEY (tenant, message_id)
  );
  CREATE INDEX IF NOT EXISTS hook_deliveries_received ON hook_deliveries (received_at);
`;

export type HookClaim =
  /** First delivery (or a takeover of a stale one): handle it, then settle or release it. */
  | { state: 'claimed' }
  /** Handled before: send this answer again. */
  | { state: 'answered'; answer: string }
  /** Another delivery of the same id is being handled right now. */
  | { state: 'in_progress' };

/** Long enough for any hook's time budget; short enough that a crashed delivery is retried soon. */
export const HOOK_CLAIM_LEASE_MS = 60_000;

export interface ReplayGuard {
  claimHookMessage(tenant: string, messageId: string, now?: Date): Promise<HookClaim>;
  /** Remembers the answer (serialised JSON) that a claimed message got. */
  settleHookMessage(tenant: string, messageId: string, answer: string): Promise<void>;
  /** Forgets a claimed message whose handling failed, so the sender's retry is handled afresh. */
  releaseHookMessage(tenant: string, messageId: string): Promise<void>;
  /**
   * Forgets message ids received before `cutoff`; returns how many. Safe once the cutoff is older
   * than the signature timestamp tolerance (five minutes): an older replay fails its signature check.
   */
  forgetHookMessagesBefore(cutoff: Date): Promise<number>;
}

export class HookDeliveries implements ReplayGuard {
  constructor(private readonly sql: SqlExecutor) {}

  async claimHookMessage(tenant: string, messageId: string, now = new Date()): Promise<HookClaim> {
    const at = now.toISOString();
    const inserted = await this.sql.run(
      `INSERT INTO hook_deliveries (tenant, message_id, received_at, answer) VALUES (?, ?, ?, NULL)
       ON CONFLICT (tenant, message_id) DO NOTHING`,
      [tenant, messageId, at],
    );
    if (inserted.changes === 1) return { state: 'claimed' };
    const row = await this.sql.get<{ received_at: string; answer: string | null }>(
      'SELECT received_at, answer FROM hook_deliveries WHERE tenant = ? AND message_id = ?',
      [tenant, messageId],
    );
    if (!row) return this.claimHookMessage(tenant, messageId, now); // forgotten in between
    if (row.answer !== null) return { state: 'answered', answer: row.answer };
    if (Date.parse(row.received_at) > now.getTime() - HOOK_CLAIM_LEASE_MS) {
      return { state: 'in_progress' };
    }
    // The earlier delivery's lease ran out (its process died): take it over, unless another retry did.
    const takeover = await this.sql.run(
      `UPDATE hook_deliveries SET received_at = ?
       WHERE tenant = ? AND message_id = ? AND received_at = ? AND answer IS NULL`,
      [at, tenant, messageId, row.received_at],
    );
    return takeover.changes === 1 ? { state: 'claimed' } : { state: 'in_progress' };
  }

  async settleHookMessage(tenant: string, messageId: string, answer: string): Promise<void> {
    await this.sql.run(
      'UPDATE hook_deliveries SET answer = ? WHERE tenant = ? AND message_id = ?',
      [answer, tenant, messageId],
    );
  }

  async releaseHookMessage(tenant: string, messageId: string): Promise<void> {
    await this.sql.run(
      'DELETE FROM hook_deliveries WHERE tenant = ? AND message_id = ? AND answer IS NULL',
      [tenant, messageId],
    );
  }

  async forgetHookMessagesBefore(cutoff: Date): Promise<number> {
    return (
      await this.sql.run('DELETE FROM hook_deliveries WHERE received_at < ?', [
        cutoff.toISOString(),
      ])
    ).changes;
  }
}
