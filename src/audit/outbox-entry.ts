/**
 * The durable outbox: one row per spoof flag and destination, written in the same transaction as
 * the decision's audit record, so a recorded decision can never lose its flag and a flag never
 * exists without its decision. The row's id is the SET `jti` or the webhook `webhook-id`: the same
 * on every retry, so receivers deduplicate on it.
 */

export type OutboxChannel = 'set' | 'webhook';
export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxEntry {
  id: string;
  tenant: string;
  checkId: string;
  channel: OutboxChannel;
  /** The configured receiver's name. */
  destination: string;
  /**
   * SET claims or webhook body, as JSON; holds the subject identifier the receiver needs, so it is
   * scrubbed to `{}` once delivered (dead letters keep it for a manual replay).
   */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** What one delivery attempt came to. */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'dead'; error: string };

export interface BackoffPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries from
 * many failed deliveries spread out but never come back sooner than half the schedule. A receiver's
 * Retry-After wins when it asks for longer.
 */
export function nextDelayMs(
  attempts: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.max(0, attempts - 1),
  );
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs));
}
