import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InferenceWorkerCrashedError,
  InvalidImageError,
  ModelNotReadyError,
  ModelPackageError,
} from '../../src/errors.js';
import { decodeImage } from '../../src/image/decode-image.js';
import type { CheckResult } from '../../src/inference/check-result.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { EngineWorkerPool } from '../../src/inference/worker-pool.js';
import { copyTinyPackage, FACE_32, FIXTURES, TINY_PACKAGE } from '../support/fixtures.js';

const PORTRAIT = join(FIXTURES, 'images', 'hopper-256.png');
const BATCHING = { maxBatch: 4, maxWaitMs: 2, maxWaiting: 8 };

let pool: EngineWorkerPool;
let engine: IfasEngine;
let face: Buffer;
let portrait: Buffer;

/** Everything but the timings, which differ run to run. */
const judged = ({ timings: _timings, ...rest }: CheckResult) => rest;

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  [pool, engine, face, portrait] = await Promise.all([
    EngineWorkerPool.start({
      modelDir: TINY_PACKAGE,
      workers: 2,
      engine: { intraOpThreads: 1 },
      detectFaces: true,
      batching: BATCHING,
    }),
    // The same settings as a worker: one intra-op thread, the shipped detector.
    IfasEngine.load(TINY_PACKAGE, { intraOpThreads: 1 }),
    readFile(FACE_32),
    readFile(PORTRAIT),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([pool?.dispose(), engine?.dispose()]);
});

describe('Class: EngineWorkerPool', () => {
  it('gives bit-identical results to the in-process engine (face stage, score, rationale)', async () => {
    const cases = [
      { bytes: portrait, options: { explain: 'always' as const, maxNewTokens: 8 } },
      { bytes: face, options: { detect: false, explain: 'always' as const, maxNewTokens: 8 } },
    ];
    for (const { bytes, options } of cases) {
      const [viaPool, inProcess] = [
        await pool.check(bytes, options),
        await engine.check(bytes, options),
      ];
      expect(viaPool.liveness).not.toBeNull();
      expect(viaPool.liveness).toBe(inProcess.liveness);
      expect(viaPool.rationaleTokenIds).toEqual(inProcess.rationaleTokenIds);
      expect(judged(viaPool)).toEqual(judged(inProcess));
    }
  });

  it('relays the callbacks: the judgment, the rationale text and the decoded pixels', async () => {
    const events: string[] = [];
    let text = '';
    let pixels: Buffer | null = null;
    const result = await pool.check(face, {
      detect: false,
      explain: 'always',
      maxNewTokens: 8,
      onJudged: (j) => events.push(`judged:${j.decision}`),
      onText: (delta) => {
        text += delta;
      },
      onDecoded: (image) => {
        pixels = image.data;
      },
    });
    expect(events).toEqual([`judged:${result.decision}`]);
    expect(text).toBe(result.rationale);
    expect(pixels).toEqual((await decodeImage(face)).data);
  });

  it('answers a face-stage preview (live hints) as the in-process engine does, and fails bad bytes typed', async () => {
    const options = { maxPixels: 320 * 320, captureWidth: 640 };
    const viaPool = pool.preview;
    const inProcess = engine.preview;
    if (!viaPool || !inProcess) throw new Error('both have a face detector');
    expect(await viaPool(portrait, options)).toEqual(await inProcess(portrait, options));
    await expect(viaPool(Buffer.from('not an image'), options)).rejects.toBeInstanceOf(
      InvalidImageError,
    );
  });

  it('rebuilds a worker-side failure as the same typed error', async () => {
    const refused = pool.check(new Uint8Array([1, 2, 3, 4]));
    await expect(refused).rejects.toBeInstanceOf(InvalidImageError);
    await expect(refused).rejects.toMatchObject({ code: 'INPUT_NOT_AN_IMAGE' });
  });

  it('sends each check to the worker with the fewest in flight', async () => {
    const running = Array.from({ length: 8 }, () => pool.check(face, { detect: false }));
    expect(pool.inFlight).toEqual([4, 4]);
    const results = await Promise.all(running);
    expect(new Set(results.map((r) => r.liveness)).size).toBeGreaterThan(0);
    expect(pool.inFlight).toEqual([0, 0]);
  });

  it('fails the checks of a crashed worker with INFER_WORKER_CRASHED and replaces the worker', async () => {
    const [first] = pool.threadIds;
    const inFlight = pool.check(face, { detect: false }); // the first of two idle workers takes it
    expect(pool.inFlight[0]).toBe(1);
    await pool.killWorker(first as number);
    await expect(inFlight).rejects.toBeInstanceOf(InferenceWorkerCrashedError);
    await expect(inFlight).rejects.toMatchObject({ code: 'INFER_WORKER_CRASHED', status: 503 });
    await until(() => pool.size === 2);
    expect(pool.threadIds).not.toContain(first);
    expect(pool.stats).toMatchObject({ crashes: 1, replaced: 1 });
    const after = await pool.check(face, { detect: false });
    expect(after.liveness).toBe((await engine.check(face, { detect: false })).liveness);
  }, 60_000);

  it('refuses to start on a tampered package, verified once in the main thread', async () => {
    const dir = await copyTinyPackage();
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      graphs: { decoder: string };
    };
    await writeFile(join(dir, manifest.graphs.decoder), 'not a graph');
    await expect(
      EngineWorkerPool.start({
        modelDir: dir,
        workers: 1,
        engine: {},
        detectFaces: false,
        batching: BATCHING,
      }),
    ).rejects.toBeInstanceOf(ModelPackageError);
  });
});

describe('EngineWorkerPool.dispose', () => {
  it('lets the checks in flight finish, refuses new ones, and ends its workers', async () => {
    const small = await EngineWorkerPool.start({
      modelDir: TINY_PACKAGE,
      workers: 1,
      engine: { intraOpThreads: 1 },
      detectFaces: false,
      batching: BATCHING,
    });
    const inFlight = [small.check(face), small.check(face, { explain: 'always', maxNewTokens: 4 })];
    const disposed = small.dispose();
    await expect(small.check(face)).rejects.toBeInstanceOf(ModelNotReadyError);
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.liveness)).toEqual([results[0]?.liveness, results[0]?.liveness]);
    await disposed;
    expect(small.size).toBe(0);
  }, 60_000);
});
