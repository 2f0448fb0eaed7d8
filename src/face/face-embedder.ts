/**
 * Turns a detected face into an identity descriptor with the converted dlib ResNet (models/face-embedder):
 * align with the package's keypoint template, sample the 150×150 chip with the shared resampler, run the
 * graph, L2-normalise. Loaded through the model-package loader, so a missing or altered file is refused
 * with MODEL_FILE_TAMPERED before anything runs.
 */

import { join, resolve } from 'node:path';
import { type RgbImage, sampleWindow } from '../image/affine-sample.js';
import {
  readPackageManifest,
  type VerifyOptions,
  verifyPackageFiles,
} from '../model/load-package.js';
import { projectRoot } from '../project-root.js';
import { float32Tensor, OnnxSession, type SessionOptions } from '../runtime/onnx.js';
import type { Point } from './decode-detections.js';
import { type EmbedderManifest, embedderManifestSchema } from './embedder-manifest.js';
import { alignmentWindow } from './face-alignment.js';

export function defaultEmbedderDir(): string {
  return join(projectRoot(), 'models', 'face-embedder');
}

/** Cosine similarity of two L2-normalised descriptors. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new Error(`descriptor sizes differ: ${a.length} vs ${b.length}`);
  }
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** The verified-files record to consult and update (one per process, shared with the model). */
export type EmbedderVerifyOptions = Pick<VerifyOptions, 'hashCache'>;

export class FaceEmbedder {
  private constructor(
    readonly manifest: EmbedderManifest,
    private readonly session: OnnxSession,
  ) {}

  /** @example const embedder = await FaceEmbedder.load(defaultEmbedderDir()); */
  static async load(
    dirInput: string = defaultEmbedderDir(),
    options: SessionOptions = { executionProvider: 'cpu', intraOpThreads: 1 },
    verify: EmbedderVerifyOptions = {},
  ): Promise<FaceEmbedder> {
    const dir = resolve(dirInput);
    const { manifest } = await readPackageManifest(dir, embedderManifestSchema);
    await verifyPackageFiles(dir, manifest.files, verify.hashCache);
    return new FaceEmbedder(manifest, await OnnxSession.create(join(dir, manifest.model), options));
  }

  get threshold(): number {
    return this.manifest.threshold.value;
  }

  /** Raw descriptor of an already aligned chip (size × size × 3, 0–255, row-major RGB). */
  async describeChip(chip: Float32Array): Promise<Float32Array> {
    const { input, output } = this.manifest;
    const outputs = await this.session.run({
      [input.name]: float32Tensor(chip, [1, input.size, input.size, 3]),
    });
    return Float32Array.from(outputs[output.name]?.data as Float32Array);
  }

  /** L2-normalised descriptor of the face with these keypoints (source-image pixels). */
  async embed(image: RgbImage, keypoints: Readonly<Record<string, Point>>): Promise<Float32Array> {
    const size = this.manifest.input.size;
    const window = alignmentWindow(keypoints, this.manifest.alignment.template, size);
    return l2Normalise(await this.describeChip(sampleWindow(image, window, size)));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
