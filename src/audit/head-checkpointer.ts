/**
 * Signs the audit chains' heads every N records, every T seconds and at shutdown, and publishes each
 * checkpoint to the anchor sinks (anchor-sink.ts). What this buys, precisely: with the public key and
 * the newest anchored checkpoint, any deletion, edit, reordering or rewrite (hashes recomputed) of
 * records up to that checkpoint is detected, and so is deleting a tenant's whole chain; records
 * appended after it can still be rewritten or dropped undetected until the next checkpoint — at most
 * N records or T seconds (plus the time to publish).
 *
 * A checkpoint that a sink failed to take is kept and offered again on the next round. Each round
 * also checks the chains against the newest anchored checkpoint (`anchoredFor`) before signing, so
 * an attacker who deletes the database's checkpoints cannot have the next one bless a rewrite; while
 * the anchor cannot be read the round fails (logged) and appends go on unsigned until it can.
 */

import type { KeyObject } from 'node:crypto';
import type { AnchorSink } from './anchor-sink.js';
import type { AuditLog, HeadCheckpointing } from './audit-store.js';
import type { Checkpoint } from './checkpoint.js';

export interface CheckpointSchedule {
  everyRecords: number;
  everyMs: number;
}

export class HeadCheckpointer {
  private sinceLast = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<HeadCheckpointing> | null = null;
  private readonly backlog = new Map<string, Checkpoint[]>();

  constructor(
    private readonly store: Pick<AuditLog, 'checkpointHeads'>,
    private readonly signingKey: KeyObject,
    private readonly sinks: readonly AnchorSink[],
    private readonly schedule: CheckpointSchedule,
    private readonly log: (line: string) => void = () => undefined,
    private readonly anchoredFor?: (tenant: string) => Promise<Checkpoint | null>,
  ) {}

  /** Called after each new record: the N-th since the last checkpoint triggers one. */
  recorded(): void {
    this.sinceLast++;
    if (this.sinceLast >= this.schedule.everyRecords) this.checkpointInBackground();
  }

  start(): void {
    this.timer ??= setInterval(() => this.checkpointInBackground(), this.schedule.everyMs);
    this.timer.unref();
  }

  /** Stops the timer and signs the final heads (shutdown). */
  async stop(): Promise<HeadCheckpointing> {
    clearInterval(this.timer);
    this.timer = undefined;
    return this.checkpoint();
  }

  private checkpointInBackground(): void {
    this.checkpoint().catch((error: unknown) =>
      this.log(
        `audit checkpoint failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }

  /** One round (rounds never overlap): sign moved heads, then publish everything not yet anchored. */
  async checkpoint(now = new Date()): Promise<HeadCheckpointing> {
    const previous = this.running ?? Promise.resolve(null);
    const round = previous
      .catch(() => null)
      .then(async () => {
        this.sinceLast = 0;
        const outcome = await this.store.checkpointHeads(this.signingKey, now, this.anchoredFor);
        for (const { tenant, firstBreak } of outcome.refused) {
          this.log(
            `audit checkpoint REFUSED for ${tenant}: the chain does not verify: ${JSON.stringify(firstBreak)}`,
          );
        }
        await this.publish(outcome.checkpoints);
        return outcome;
      });
    this.running = round;
    return round;
  }

  private async publish(checkpoints: readonly Checkpoint[]): Promise<void> {
    for (const sink of this.sinks) {
      const due = [...(this.backlog.get(sink.name) ?? []), ...checkpoints];
      const failed: Checkpoint[] = [];
      for (const checkpoint of due) {
        try {
          await sink.publish(checkpoint);
        } catch (error) {
          failed.push(checkpoint);
          this.log(
            `anchor ${sink.name}: checkpoint ${checkpoint.tenant}#${checkpoint.seq} not published: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      this.backlog.set(sink.name, failed.slice(-1000));
    }
  }
}
