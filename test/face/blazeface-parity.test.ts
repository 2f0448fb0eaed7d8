import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { letterboxSquare, sampleWindow } from '../../src/image/affine-sample.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { projectRoot } from '../../src/project-root.js';
import { float32Tensor, OnnxSession } from '../../src/runtime/onnx.js';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';

const HUMAN_MODELS = join(projectRoot(), 'node_modules', '@vladmandic', 'human', 'models');
const ONNX = join(projectRoot(), 'models', 'face-detector', 'blazeface-back.onnx');

interface TfjsModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: object[] }>;
  format: string;
  generatedBy: string;
  convertedBy: string;
  userDefinedMetadata?: { signature?: object };
}

/** Loads the TF.js graph model from disk (tfjs-node is not installable offline, so no file:// loader). */
async function loadTfjsBlazeface(): Promise<Awaited<ReturnType<typeof loadGraphModel>>> {
  const json = JSON.parse(
    await readFile(join(HUMAN_MODELS, 'blazeface.json'), 'utf8'),
  ) as TfjsModelJson;
  const shards = await Promise.all(
    json.weightsManifest
      .flatMap((group) => group.paths)
      .map((path) => readFile(join(HUMAN_MODELS, path))),
  );
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as never,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      ...(json.userDefinedMetadata?.signature
        ? { signature: json.userDefinedMetadata.signature }
        : {}),
      ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    }),
  });
}

describe('Converted BlazeFace ONNX vs the TF.js original', () => {
  it('gives the same scores and box regressions on a real photo', async () => {
    // Prepare: the portrait letterboxed to 256², scaled to [-1, 1]
    await tf.setBackend('cpu');
    const image = await decodeImage(await readFile(SAMPLE_PORTRAIT));
    const pixels = sampleWindow(image, letterboxSquare(image), 256, 0).map((v) => v / 127.5 - 1);
    const tfModel = await loadTfjsBlazeface();
    const onnx = await OnnxSession.create(ONNX, { executionProvider: 'cpu' });
    // Act
    const tfOut = tfModel.execute(tf.tensor4d(pixels, [1, 256, 256, 3]), [
      'Identity',
      'Identity_1',
      'Identity_2',
      'Identity_3',
    ]) as tf.Tensor[];
    const tfValues = await Promise.all(tfOut.map((t) => t.data()));
    const ortOut = await onnx.run({ image: float32Tensor(pixels, [1, 256, 256, 3]) });
    // Assess: per output, the largest absolute difference
    const names = ['scores_16', 'scores_32', 'boxes_16', 'boxes_32'];
    const maxDiff = names.map((name, index) => {
      const a = ortOut[name]?.data as Float32Array;
      const b = tfValues[index] as Float32Array;
      expect(a.length).toBe(b.length);
      return a.reduce(
        (worst, value, i) => Math.max(worst, Math.abs(value - (b[i] ?? Number.NaN))),
        0,
      );
    });
    console.info(
      `BlazeFace ONNX vs TF.js max |diff|: ${maxDiff.map((d) => d.toExponential(2)).join(', ')}`,
    );
    // Score logits (magnitudes up to ~100) within 5e-3, box offsets (pixels of a 256² input) within
    // 1e-2 px: float32 convolutions summed in a different order, nothing more.
    expect(maxDiff[0]).toBeLessThan(5e-3);
    expect(maxDiff[1]).toBeLessThan(5e-3);
    expect(maxDiff[2]).toBeLessThan(1e-2);
    expect(maxDiff[3]).toBeLessThan(1e-2);
    // And the probabilities that decide detections agree to 1e-5.
    const probability = (logit: number): number => 1 / (1 + Math.exp(-logit));
    const scoresOrt = ortOut.scores_16?.data as Float32Array;
    const scoresTf = tfValues[0] as Float32Array;
    const worstProbability = scoresOrt.reduce(
      (worst, value, i) =>
        Math.max(worst, Math.abs(probability(value) - probability(scoresTf[i] ?? 0))),
      0,
    );
    expect(worstProbability).toBeLessThan(1e-5);
    await onnx.release();
  }, 60_000);
});
