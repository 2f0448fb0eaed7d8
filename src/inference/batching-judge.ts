/**
 * Dynamic batching in front of the engine: a check waits at most `maxWaitMs` after the oldest
 * waiting one for others to join it, up to `maxBatch`; the batch then runs as ONE vision-encoder run
 * and ONE prefill (IfasEngine.checkBatch). One batch runs at a time — the GPU (or the CPU cores) is
 * the real limit — and checks arriving meanwhile form the next one. At most `maxWaiting` checks wait;
 * more are refused at once with QueueFullError and an honest Retry-After, and a waiting check whose
 * signal aborts leaves the queue.
 */

import { InferenceTimeoutError, QueueFullError } from '../errors.js';
import type { CheckResult } from './check-result.js';
import type { CheckOptions, IfasEngine } from './engine.js';
import type { Judge } from './judge.js';

export interface BatchingOptions {
  /** Checks per batch (1 turns batching off: each check runs alone, in arrival order). */
  maxBatch: number;
  /** How long the oldest waiting check may wait for others before its batch runs. */
  maxWaitMs: number;
  /** Checks that may wait (beyond the running batch) before new ones are refused; ≥ maxBatch. */
  maxWaiting: number;
}

export type BatchEngine = Pick<IfasEngine, 'checkBatch' | 'model' | 'statusWarning' | 'dispose'> &
  Partial<Pick<IfasEngine, 'preview'>>;

interface Waiting {
  bytes: Uint8Array;
  options: CheckOptions;
  since: number;
  resolve: (result: CheckResult) => void;
  reject: (error: unknown) => void;
}

export class BatchingJudge implements Judge {
  private readonly waiting: Waiting[] = [];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Exponential moving average of batch time, ms; seeds Retry-After. */
  private averageBatchMs = 1000;
  /** Counters for metrics and benchmarks. */
  readonly stats = { batches: 0, checks: 0, rejected: 0 };

  constructor(
    private readonly engine: BatchEngine,
    private readonly options: BatchingOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError('maxBatch must be a whole number ≥ 1');
    }
    if (options.maxWaiting < options.maxBatch) {
      throw new RangeError('maxWaiting must be at least maxBatch, or no batch could ever fill');
    }
  }

  get model() {
    return this.engine.model;
  }

  get statusWarning() {
    return this.engine.statusWarning;
  }

  /** The face stage alone (live hints): not batched, it never runs the model. */
  get preview() {
    return this.engine.preview;
  }

  get depth(): number {
    return this.waiting.length;
  }

  retryAfterSeconds(): number {
    const batchesAhead = Math.ceil((this.waiting.length + 1) / this.options.maxBatch);
    return Math.max(1, Math.ceil((batchesAhead * this.averageBatchMs) / 1000));
  }

  check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    if (this.waiting.length >= this.options.maxWaiting) {
      this.stats.rejected++;
      return Promise.reject(
        new QueueFullError(
          this.retryAfterSeconds(),
          `the inference queue is full (${this.options.maxWaiting} waiting); retry later`,
        ),
      );
    }
    return new Promise<CheckResult>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(new InferenceTimeoutError('the request time limit passed before the model ran'));
        return;
      }
      const onAbort = (): void => {
        const index = this.waiting.indexOf(entry);
        if (index < 0) return; // already in a running batch: the engine sees the signal itself
        this.waiting.splice(index, 1);
        reject(
          new InferenceTimeoutError('the request time limit passed while waiting for the model', {
            cause: signal?.reason,
          }),
        );
      };
      const entry: Waiting = {
        bytes,
        options,
        since: performance.now(),
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.schedule();
    });
  }

  /** Runs a batch now if one is due, else arms the timer for the oldest waiting check. */
  private schedule(): void {
    if (this.running || this.waiting.length === 0) return;
    const oldest = this.waiting[0] as Waiting;
    const waited = performance.now() - oldest.since;
    if (this.waiting.length >= this.options.maxBatch || waited >= this.options.maxWaitMs) {
      void this.runBatch();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.schedule();
    }, this.options.maxWaitMs - waited);
  }

  private async runBatch(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.waiting.splice(0, this.options.maxBatch);
    this.running = true;
    const started = performance.now();
    try {
      const outcomes = await this.engine.checkBatch(
        batch.map(({ bytes, options }) => ({ bytes, options })),
      );
      for (const [index, entry] of batch.entries()) {
        const outcome = outcomes[index];
        if (outcome?.status === 'fulfilled') entry.resolve(outcome.value);
        else entry.reject(outcome?.reason ?? new Error('the batch returned no outcome'));
      }
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.averageBatchMs = 0.8 * this.averageBatchMs + 0.2 * (performance.now() - started);
      this.stats.batches++;
      this.stats.checks += batch.length;
      this.running = false;
      this.schedule();
    }
  }

  async dispose(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const entry of this.waiting.splice(0)) {
      entry.reject(new InferenceTimeoutError('the model is shutting down'));
    }
    await this.engine.dispose();
  }
}
