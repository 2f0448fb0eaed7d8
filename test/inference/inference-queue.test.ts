import { describe, expect, it } from 'vitest';
import { InferenceQueue } from '../../src/inference/inference-queue.js';

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('Class: InferenceQueue', () => {
  it('never runs more than `concurrency` jobs and starts waiters in order', async () => {
    const queue = new InferenceQueue({ concurrency: 2, maxWaiting: 10 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (n: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(n);
      running--;
      return n;
    };
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => queue.run(job(n))));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(queue.depth).toBe(0);
    expect(queue.active).toBe(0);
  });

  it('refuses at once with QUEUE_FULL and a Retry-After when the waiting room is full', async () => {
    const queue = new InferenceQueue({ concurrency: 1, maxWaiting: 1 });
    const blocker = gate();
    const first = queue.run(() => blocker.wait);
    const second = queue.run(async () => 'second');
    await expect(queue.run(async () => 'third')).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      retryAfterSeconds: expect.any(Number),
    });
    expect(queue.rejected).toBe(1);
    blocker.open();
    await first;
    await expect(second).resolves.toBe('second');
  });

  it('drops a waiter whose deadline passes, with INFER_TIMEOUT, and keeps serving the rest', async () => {
    const queue = new InferenceQueue({ concurrency: 1, maxWaiting: 5 });
    const blocker = gate();
    const first = queue.run(() => blocker.wait);
    const late = queue.run(async () => 'never', AbortSignal.timeout(5));
    const patient = queue.run(async () => 'served');
    await expect(late).rejects.toMatchObject({ code: 'INFER_TIMEOUT' });
    expect(queue.depth).toBe(1);
    blocker.open();
    await first;
    await expect(patient).resolves.toBe('served');
  });
});
