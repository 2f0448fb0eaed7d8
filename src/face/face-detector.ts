/**
 * Finds faces with the converted BlazeFace ONNX model: letterbox the image into the detector's square
 * input with the shared resampler, run the graph, decode anchors, weighted NMS, and map boxes and
 * keypoints back to source-image pixels. Knows nothing about cropping policy or quality.
 */

import { join, resolve } from 'node:path';
import { letterboxSquare, type RgbImage, sampleWindow } from '../image/affine-sample.js';
import {
  readPackageManifest,
  type VerifyOptions,
  verifyPackageFiles,
} from '../model/load-package.js';
import { projectRoot } from '../project-root.js';
import { float32Tensor, OnnxSession, type SessionOptions } from '../runtime/onnx.js';
import {
  type Box,
  decodeHeads,
  type Point,
  type RawDetection,
  weightedNms,
} from './decode-detections.js';
import { type DetectorManifest, detectorManifestSchema } from './detector-manifest.js';

export interface Face {
  /** Source-image pixels. */
  box: Box;
  score: number;
  /** Named keypoints in source-image pixels (rightEye, leftEye, nose, mouth, rightEar, leftEar). */
  keypoints: Record<string, Point>;
}

export interface DetectOptions {
  scoreThreshold?: number;
}

export function defaultDetectorDir(): string {
  return join(projectRoot(), 'models', 'face-detector');
}

/** Refuses a detector package with a missing or altered file; returns its manifest. */
export async function verifyFaceDetector(
  dirInput: string = defaultDetectorDir(),
  verify: Pick<VerifyOptions, 'hashCache'> = {},
): Promise<DetectorManifest> {
  const dir = resolve(dirInput);
  const { manifest } = await readPackageManifest(dir, detectorManifestSchema);
  await verifyPackageFiles(dir, manifest.files, verify.hashCache);
  return manifest;
}

export class FaceDetector {
  private constructor(
    readonly manifest: DetectorManifest,
    private readonly session: OnnxSession,
  ) {}

  /**
   * @example const detector = await FaceDetector.load(defaultDetectorDir());
   */
  static async load(
    dirInput: string = defaultDetectorDir(),
    options: SessionOptions = { executionProvider: 'cpu', intraOpThreads: 1 },
    verify: VerifyOptions = {},
  ): Promise<FaceDetector> {
    const dir = resolve(dirInput);
    const manifest =
      (verify.verifyHashes ?? true)
        ? await verifyFaceDetector(dir, verify)
        : (await readPackageManifest(dir, detectorManifestSchema)).manifest;
    return new FaceDetector(manifest, await OnnxSession.create(join(dir, manifest.model), options));
  }

  /** Faces, best score first, in source pixels. */
  async detect(image: RgbImage, options: DetectOptions = {}): Promise<Face[]> {
    const { input, heads, keypoints, nmsIouThreshold } = this.manifest;
    const threshold = options.scoreThreshold ?? this.manifest.scoreThreshold;
    // 1. Letterbox into the square input, scaled to the model's range.
    const window = letterboxSquare(image);
    const pixels = sampleWindow(image, window, input.size, 0);
    const [low, high] = input.range;
    const scale = (high - low) / 255;
    for (let i = 0; i < pixels.length; i++) {
      pixels[i] = (pixels[i] ?? 0) * scale + low;
    }
    // 2. Run and decode.
    const outputs = await this.session.run({
      [input.name]: float32Tensor(pixels, [1, input.size, input.size, 3]),
    });
    const raw = decodeHeads(
      heads.map((head) => ({
        scores: outputs[head.scores]?.data as Float32Array,
        boxes: outputs[head.boxes]?.data as Float32Array,
        stride: head.stride,
        anchorsPerCell: head.anchorsPerCell,
      })),
      input.size,
      keypoints.length,
      threshold,
    );
    // 3. Merge overlapping anchors and map back to the source image.
    const ratio = window.side / input.size;
    const toSource = (p: Point): Point => ({
      x: window.centerX + (p.x - input.size / 2) * ratio,
      y: window.centerY + (p.y - input.size / 2) * ratio,
    });
    return weightedNms(raw, nmsIouThreshold).map((detection: RawDetection) => {
      const corner = toSource({ x: detection.box.x, y: detection.box.y });
      return {
        box: {
          ...corner,
          width: detection.box.width * ratio,
          height: detection.box.height * ratio,
        },
        score: detection.score,
        keypoints: Object.fromEntries(
          keypoints.map((name, k) => [name, toSource(detection.keypoints[k] ?? { x: 0, y: 0 })]),
        ),
      };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
