import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceAbortedError } from '../../src/errors.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { toPixelValues } from '../../src/image/preprocess.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { float32Tensor, OnnxSession } from '../../src/runtime/onnx.js';
import {
  copyTinyPackage,
  FACE_32,
  type Goldens,
  readGoldens,
  TINY_PACKAGE,
} from '../support/fixtures.js';

let engine: IfasEngine;
let goldens: Goldens;
let face: Buffer;

beforeAll(async () => {
  [engine, goldens, face] = await Promise.all([
    IfasEngine.load(TINY_PACKAGE, { intraOpThreads: 1, faceDetector: false }),
    readGoldens(),
    readFile(FACE_32),
  ]);
});

afterAll(async () => {
  await engine.dispose();
});

describe('Class: IfasEngine with a calibrated package', () => {
  it('applies the manifest temperature to the judgment logits: σ(logit(p) / T)', async () => {
    const dir = await copyTinyPackage();
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    manifest.calibration = {
      method: 'temperature',
      temperature: 3,
      uncertainBand: [0.2, 0.4],
      provenance: 'test',
    };
    await writeFile(file, JSON.stringify(manifest));
    const calibrated = await IfasEngine.load(dir, { intraOpThreads: 1, faceDetector: false });
    const result = await calibrated.check(face);
    const raw = goldens.liveness;
    const expected = 1 / (1 + Math.exp(-Math.log(raw / (1 - raw)) / 3));
    expect(Math.abs((result.liveness ?? Number.NaN) - expected)).toBeLessThan(1e-4);
    expect(Math.abs(expected - raw)).toBeGreaterThan(1e-3); // the golden is not already at 0.5
    await calibrated.dispose();
  });

  it('answers uncertain for a liveness inside the dev-set band, unless the caller sets a threshold', async () => {
    const dir = await copyTinyPackage();
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const raw = goldens.liveness;
    manifest.calibration = {
      method: 'temperature',
      temperature: 1,
      uncertainBand: [Math.max(0, raw - 0.01), Math.min(1, raw + 0.01)],
      provenance: 'test',
    };
    await writeFile(file, JSON.stringify(manifest));
    const banded = await IfasEngine.load(dir, { intraOpThreads: 1, faceDetector: false });
    const judged: string[] = [];
    const inBand = await banded.check(face, { onJudged: (j) => judged.push(j.decision) });
    expect(inBand.decision).toBe('uncertain');
    expect(inBand.qualityReason).toBeNull();
    expect(Math.abs((inBand.liveness ?? Number.NaN) - raw)).toBeLessThan(1e-4);
    expect(inBand.judgment).not.toBeNull();
    expect(judged).toEqual(['uncertain']);
    const overridden = await banded.check(face, { threshold: raw - 0.005 });
    expect(overridden.decision).toBe('live');
    await banded.dispose();
  });
});

describe('Class: IfasEngine (onnxruntime-node vs PyTorch goldens)', () => {
  it('produces the golden visual tokens from the fixed image', async () => {
    // Prepare
    const manifest = engine.manifest;
    const pixels = await toPixelValues(await decodeImage(face), manifest.image);
    const vision = await OnnxSession.create(`${TINY_PACKAGE}/${manifest.graphs.visionEncoder}`, {
      executionProvider: 'cpu',
    });
    // Act
    const out = await vision.run({ pixel_values: float32Tensor(pixels.data, pixels.dims) });
    // Assess
    const tokens = out.image_features;
    if (!tokens) {
      throw new Error('vision graph returned no image_features');
    }
    expect(tokens.dims).toEqual(goldens.visualTokens.dims);
    const head = Array.from(
      (tokens.data as Float32Array).subarray(0, goldens.visualTokens.head.length),
    );
    head.forEach((value, index) => {
      expect(Math.abs(value - (goldens.visualTokens.head[index] ?? Number.NaN))).toBeLessThan(
        goldens.tolerance.absolute,
      );
    });
    await vision.release();
  });

  it('scores liveness as P(Yes)/(P(Yes)+P(No)) from a single prefill, matching PyTorch', async () => {
    const result = await engine.check(face);
    expect(Math.abs((result.liveness ?? Number.NaN) - goldens.liveness)).toBeLessThan(
      goldens.tolerance.absolute,
    );
    const liveId = engine.manifest.judgment.live.tokenId;
    expect(result.judgment).toBe(goldens.judgmentTokenId === liveId ? 'live' : 'spoof');
    expect(result.rationale).toBeNull();
    expect(result.rationaleTokenIds).toBeNull();
    expect(result.timings.rationaleMs).toBe(0);
  });

  it('generates the golden greedy rationale tokens with the KV cache', async () => {
    const result = await engine.check(face, {
      explain: 'always',
      maxNewTokens: goldens.greedy.maxNewTokens,
    });
    expect(result.rationaleTokenIds).toEqual(goldens.greedy.tokens);
    expect(result.rationaleStopReason).toBe(
      goldens.greedy.tokens.length < goldens.greedy.maxNewTokens ? 'eos' : 'max_tokens',
    );
  });

  it('decides against the threshold, which a caller may override', async () => {
    const below = await engine.check(face, { threshold: goldens.liveness - 0.01 });
    const above = await engine.check(face, { threshold: goldens.liveness + 0.01 });
    expect(below.decision).toBe('live');
    expect(above.decision).toBe('spoof');
    expect(below.threshold).toBeCloseTo(goldens.liveness - 0.01, 12);
  });

  it('streams the rationale text and the pieces add up to the final rationale', async () => {
    const pieces: string[] = [];
    const result = await engine.check(face, {
      explain: 'always',
      maxNewTokens: 12,
      onText: (d) => pieces.push(d),
    });
    expect(pieces.join('')).toBe(result.rationale);
  });

  it('stops at the token limit', async () => {
    const result = await engine.check(face, {
      explain: 'always',
      maxNewTokens: 3,
      minNewTokens: 3,
    });
    expect(result.rationaleTokenIds).toHaveLength(3);
    expect(result.rationaleStopReason).toBe('max_tokens');
  });

  it('stops at the time limit with what it has', async () => {
    const result = await engine.check(face, { explain: 'always', rationaleTimeoutMs: 0 });
    expect(result.rationaleStopReason).toBe('time_limit');
    expect(result.rationaleTokenIds).toEqual([]);
  });

  it('throws INFER_ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await engine
      .check(face, { explain: 'always', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceAbortedError);
    expect((error as InferenceAbortedError).code).toBe('INFER_ABORTED');
  });

  it('reuses its sessions: repeated checks are identical and report the model', async () => {
    const [a, b] = await Promise.all([engine.check(face), engine.check(face)]);
    expect(a.liveness).toBe(b.liveness);
    expect(a.model).toMatchObject({
      name: 'ifas-tiny',
      status: 'untrained',
      executionProvider: 'cpu',
    });
    expect(a.model.packageHash).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.statusWarning).toMatch(/UNTRAINED/);
  });

  it('rejects a bad image with a typed error and keeps working afterwards', async () => {
    await expect(engine.check(Buffer.from('not an image'))).rejects.toMatchObject({
      code: 'INPUT_NOT_AN_IMAGE',
    });
    await expect(engine.check(face)).resolves.toMatchObject({ judgment: expect.any(String) });
  });
});

describe('Method: IfasEngine.checkBatch (dynamic batching: one vision run, one prefill)', () => {
  it('answers each check of a batch as it would alone, rationale included', async () => {
    const sharp = (await import('sharp')).default;
    const flipped = await sharp(face).flop().png().toBuffer();
    const images = [face, flipped, face, flipped];
    const alone = [];
    for (const image of images) alone.push(await engine.check(image, { explain: 'always' }));
    const batched = await engine.checkBatch(
      images.map((bytes) => ({ bytes, options: { explain: 'always' } })),
    );
    expect(batched.map((b) => b.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    for (const [index, outcome] of batched.entries()) {
      if (outcome.status !== 'fulfilled') throw outcome.reason;
      expect(outcome.value.liveness).toBeCloseTo(alone[index]?.liveness ?? Number.NaN, 5);
      expect(outcome.value.decision).toBe(alone[index]?.decision);
      expect(outcome.value.rationaleTokenIds).toEqual(alone[index]?.rationaleTokenIds);
    }
    // The two images differ, so rows did not leak into each other.
    expect(alone[0]?.liveness).not.toBe(alone[1]?.liveness);
  });

  it('rejects only the entry whose image cannot be decoded', async () => {
    const batched = await engine.checkBatch([
      { bytes: face },
      { bytes: new Uint8Array([1, 2, 3, 4]) },
      { bytes: face, options: { threshold: 1 } },
    ]);
    expect(batched.map((b) => b.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [first, , third] = batched;
    if (first?.status !== 'fulfilled' || third?.status !== 'fulfilled') throw new Error('rejected');
    expect(first.value.liveness).toBeCloseTo(third.value.liveness ?? Number.NaN, 6);
    expect(third.value.decision).toBe('spoof'); // per-check options: threshold 1 refuses everything
  });
});
