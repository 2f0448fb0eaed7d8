/**
 * A bounded queue in front of the model: at most `concurrency` checks run at once (the CPU cores are
 * the real limit), at most `maxWaiting` wait. A full queue refuses at once with QueueFullError and an
 * honest Retry-After (waiting jobs × recent job time ÷ concurrency), instead of letting latency grow
 * without bound. A waiting job whose signal aborts (its deadline passed) leaves the queue.
 */

import { InferenceTimeoutError, QueueFullError } from '../errors.js';

export interface QueueOptions {
  concurrency: number;
  maxWaiting: number;
}

interface Waiter {
  /** Hands a running slot to this waiter. */
  start: () => void;
}

export class InferenceQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Exponential moving average of job time, ms; seeds Retry-After. */
  private averageJobMs = 1000;
  rejected = 0;

  constructor(private readonly options: QueueOptions) {}

  get depth(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  retryAfterSeconds(): number {
    const backlog = (this.waiting.length + 1) * this.averageJobMs;
    return Math.max(1, Math.ceil(backlog / this.options.concurrency / 1000));
  }

  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.maxWaiting) {
        this.rejected++;
        throw new QueueFullError(
          this.retryAfterSeconds(),
          `the inference queue is full (${this.options.maxWaiting} waiting); retry later`,
        );
      }
      // The finishing job hands its slot over, so `running` never exceeds concurrency.
      await this.wait(signal);
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.averageJobMs = 0.8 * this.averageJobMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }

  private wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(
          new InferenceTimeoutError('the request time limit passed while waiting for the model', {
            cause: signal?.reason,
          }),
        );
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
}
