import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceTimeoutError, QueueFullError } from '../../src/errors.js';
import { BatchingJudge } from '../../src/inference/batching-judge.js';
import type { CheckResult } from '../../src/inference/check-result.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';

let engine: IfasEngine;
let images: Buffer[];
let alone: CheckResult[];

beforeAll(async () => {
  engine = await IfasEngine.load(TINY_PACKAGE, { intraOpThreads: 1, faceDetector: false });
  const face = await readFile(FACE_32);
  images = [
    face,
    await sharp(face).flop().png().toBuffer(),
    await sharp(face).modulate({ brightness: 0.8 }).png().toBuffer(),
  ];
  alone = [];
  for (const image of images) alone.push(await engine.check(image));
});

afterAll(async () => {
  await engine.dispose();
});

/** A judge over the shared engine whose dispose leaves the engine to afterAll. */
const judgeWith = (options: ConstructorParameters<typeof BatchingJudge>[1]) =>
  new BatchingJudge(
    {
      checkBatch: (items) => engine.checkBatch(items),
      model: engine.model,
      statusWarning: engine.statusWarning,
      dispose: async () => {},
    },
    options,
  );

describe('Class: BatchingJudge', () => {
  it('collects checks arriving within the wait into one batch, each answered as alone', async () => {
    const judge = judgeWith({ maxBatch: 8, maxWaitMs: 40, maxWaiting: 16 });
    const results = await Promise.all(images.map((image) => judge.check(image)));
    expect(judge.stats).toEqual({ batches: 1, checks: 3, rejected: 0 });
    for (const [index, result] of results.entries()) {
      expect(result.liveness).toBeCloseTo(alone[index]?.liveness ?? Number.NaN, 5);
    }
  });

  it('runs a full batch at once and the rest as the next batch', async () => {
    // A full batch never waits for the timer (60 s here, past this test's 10 s limit).
    const judge = judgeWith({ maxBatch: 2, maxWaitMs: 60_000, maxWaiting: 16 });
    const results = await Promise.all([...images, ...images].map((image) => judge.check(image)));
    expect(judge.stats).toEqual({ batches: 3, checks: 6, rejected: 0 });
    expect(results.map((r) => r.liveness?.toFixed(5))).toEqual(
      [...alone, ...alone].map((r) => r.liveness?.toFixed(5)),
    );
  }, 10_000);

  it('refuses checks beyond maxWaiting with QueueFullError and a Retry-After', async () => {
    const judge = judgeWith({ maxBatch: 1, maxWaitMs: 0, maxWaiting: 1 });
    const outcomes = await Promise.allSettled(images.map((image) => judge.check(image)));
    // The first runs at once, the second waits, the third finds the queue full.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refusal = (outcomes[2] as PromiseRejectedResult).reason;
    expect(refusal).toBeInstanceOf(QueueFullError);
    expect((refusal as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(judge.stats.rejected).toBe(1);
  });

  it('lets a waiting check whose deadline passes leave the queue', async () => {
    const judge = judgeWith({ maxBatch: 1, maxWaitMs: 0, maxWaiting: 4 });
    const controller = new AbortController();
    const first = judge.check(images[0] as Buffer);
    const second = judge.check(images[1] as Buffer, { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(InferenceTimeoutError);
    await expect(first).resolves.toMatchObject({ decision: alone[0]?.decision });
    expect(judge.stats.checks).toBe(1);
  });
});
