/**
 * Waiting for SQLite's write lock without stopping the server. better-sqlite3 is synchronous, so a
 * long `busy_timeout` would freeze the event loop (every request, `/healthz` included) for as long
 * as another connection — the CLI, a backup — holds the lock. Instead SQLite waits only a few
 * milliseconds (SQLITE_BUSY_WAIT_MS) and the wait continues here, asynchronously, with backoff, until
 * `maxWaitMs`; then the caller gets a StoreBusyError (503, Retry-After) rather than a hang.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { StoreBusyError } from '../errors.js';

/** The synchronous wait SQLite itself may spend per attempt: short enough to go unnoticed. */
export const SQLITE_BUSY_WAIT_MS = 10;
/** How long an operation keeps trying before the caller is told the store is busy. */
export const DEFAULT_MAX_BUSY_WAIT_MS = 5_000;

export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

/**
 * Runs `work` (one statement or one whole transaction, which SQLite rolled back if it failed busy)
 * again until it gets the lock or `maxWaitMs` has passed.
 */
export async function whileBusy<T>(
  work: () => T | Promise<T>,
  maxWaitMs = DEFAULT_MAX_BUSY_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      return await work();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      if (Date.now() + pause > deadline) {
        throw new StoreBusyError(1, 'the database is locked by another connection; retry shortly', {
          cause: error,
        });
      }
      await sleep(pause);
    }
  }
}
