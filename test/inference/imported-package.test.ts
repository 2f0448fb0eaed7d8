import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IfasEngine } from '../../src/inference/engine.js';
import { KvCache } from '../../src/inference/kv-cache.js';
import { HF_TINY_PACKAGE, type HfGoldens, readHfGoldens } from '../support/fixtures.js';

let engine: IfasEngine;
let goldens: HfGoldens;
let image: Buffer;

beforeAll(async () => {
  const reference = await readHfGoldens();
  goldens = reference.goldens;
  [engine, image] = await Promise.all([
    IfasEngine.load(HF_TINY_PACKAGE, { intraOpThreads: 1, faceDetector: false }),
    readFile(reference.image),
  ]);
});

afterAll(async () => {
  await engine.dispose();
});

describe('Class: IfasEngine on an imported Hugging Face package (fp16, external data)', () => {
  it('declares fp16 weights, an fp16 cache and external-data files', () => {
    // Assess
    expect(engine.manifest.formatVersion).toBe(2);
    expect(engine.manifest.precision).toEqual({ weights: 'float16', kvCache: 'float16' });
    expect(engine.manifest.externalData?.[engine.manifest.graphs.decoder]).toEqual([
      `${engine.manifest.graphs.decoder}.data`,
    ]);
  });

  it('scores the image as PyTorch did, through the ChatML prompt of the checkpoint tokenizer', async () => {
    // Act
    const result = await engine.check(image);
    // Assess
    expect(Math.abs((result.liveness ?? Number.NaN) - goldens.liveness)).toBeLessThan(
      goldens.tolerance,
    );
    expect(result.judgment).toBe(goldens.judgment);
  });

  it('decodes the golden greedy rationale on the fp16 key/value cache', async () => {
    // Act
    const result = await engine.check(image, {
      explain: 'always',
      maxNewTokens: goldens.maxNewTokens,
    });
    // Assess
    expect(result.rationaleTokenIds).toEqual(goldens.rationaleTokenIds);
  });

  it('builds an empty cache of float16 tensors when the package asks for one', () => {
    // Act
    const cache = KvCache.empty(engine.manifest.decoder, 'float16');
    // Assess
    const key = cache.feeds['past_key_values.0.key'];
    expect(key?.type).toBe('float16');
    expect(key?.dims).toEqual([
      1,
      engine.manifest.decoder.kvHeads,
      0,
      engine.manifest.decoder.headDim,
    ]);
  });
});
