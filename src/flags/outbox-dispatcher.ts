/**
 * Drains the outbox: claims due entries (a lease, so two dispatchers never send the same entry at
 * once), delivers them a few at a time, and records the outcome — delivered, retried later with
 * backoff and jitter, or dead after the last attempt. Runs on a timer in the server, on a schedule
 * as the `notify` Lambda, and once per call in tests.
 */

import type { AuditStore } from '../audit/audit-store.js';
import { type BackoffPolicy, nextDelayMs } from '../audit/outbox-entry.js';
import type { FlagDelivery } from './deliver.js';

export interface DispatchReport {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
}

const LEASE_MS = 60_000;
const BATCH = 32;
const PARALLEL = 4;

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DispatchReport> | null = null;
  private passAgain = false;

  constructor(
    private readonly store: AuditStore,
    private readonly delivery: FlagDelivery,
    private readonly backoff: BackoffPolicy,
  ) {}

  /**
   * One pass over the due entries. A call during a pass shares it and asks for one more pass after,
   * so a flag queued meanwhile is not left for the next timer tick.
   */
  runOnce(now?: Date): Promise<DispatchReport> {
    if (this.running) {
      this.passAgain = true;
      return this.running;
    }
    this.running = this.pass(now).finally(() => {
      this.running = null;
      if (this.passAgain) {
        this.passAgain = false;
        this.runOnce().catch(() => undefined);
      }
    });
    return this.running;
  }

  private async pass(now?: Date): Promise<DispatchReport> {
    const report: DispatchReport = { claimed: 0, delivered: 0, retried: 0, dead: 0 };
    for (;;) {
      const due = await this.store.claimDueOutbox(now ?? new Date(), BATCH, LEASE_MS);
      report.claimed += due.length;
      for (let i = 0; i < due.length; i += PARALLEL) {
        await Promise.all(
          due.slice(i, i + PARALLEL).map(async (entry) => {
            const outcome = await this.delivery.deliver(entry);
            const attempts = entry.attempts + 1;
            const at = new Date();
            if (outcome.kind === 'delivered') {
              await this.store.settleOutbox(entry.id, { status: 'delivered', attempts, at });
              report.delivered++;
            } else if (outcome.kind === 'dead' || attempts >= this.backoff.maxAttempts) {
              await this.store.settleOutbox(entry.id, {
                status: 'dead',
                attempts,
                at,
                error: outcome.error,
              });
              report.dead++;
            } else {
              const delay = nextDelayMs(attempts, this.backoff, outcome.retryAfterMs);
              await this.store.settleOutbox(entry.id, {
                status: 'pending',
                attempts,
                at,
                error: outcome.error,
                nextAttemptAt: new Date(at.getTime() + delay),
              });
              report.retried++;
            }
          }),
        );
      }
      if (due.length < BATCH) return report;
    }
  }

  /** Polls every `intervalMs` until stop(); `kick()` runs a pass at once (after a new flag). */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    const tick = (): void => {
      this.runOnce().catch(onError);
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  kick(onError: (error: unknown) => void): void {
    this.runOnce().catch(onError);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
