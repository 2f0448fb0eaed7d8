import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFace, cropWindow, windowCorners } from '../../src/face/crop-policy.js';
import { FaceDetector } from '../../src/face/face-detector.js';
import { sampleWindow } from '../../src/image/affine-sample.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { FIXTURES } from '../support/fixtures.js';

interface VectorCase {
  image: string;
  faces: Array<{ box: number[]; score: number; keypoints: Record<string, number[]> }>;
  reason: string | null;
  crop?: {
    margin: number;
    size: number;
    window: { centerX: number; centerY: number; side: number; angle: number };
    corners: number[][];
    channelMeans: number[];
  };
}

let detector: FaceDetector;
let vectors: { tolerancePixels: number; cases: VectorCase[] };

beforeAll(async () => {
  detector = await FaceDetector.load();
  vectors = JSON.parse(await readFile(join(FIXTURES, 'face', 'vectors.json'), 'utf8'));
});

afterAll(async () => {
  await detector.release();
});

describe('Face detection and crop: TypeScript vs the Python data pipeline (shared vector)', () => {
  it('detects the same faces, keypoints and crop corners within one pixel', async () => {
    const tolerance = vectors.tolerancePixels;
    for (const expected of vectors.cases) {
      const image = await decodeImage(await readFile(join(FIXTURES, expected.image)));
      const faces = await detector.detect(image);
      expect(faces).toHaveLength(expected.faces.length);
      faces.forEach((face, index) => {
        const want = expected.faces[index];
        const [x = 0, y = 0, w = 0, h = 0] = want?.box ?? [];
        expect(Math.abs(face.box.x - x)).toBeLessThan(tolerance);
        expect(Math.abs(face.box.y - y)).toBeLessThan(tolerance);
        expect(Math.abs(face.box.width - w)).toBeLessThan(tolerance);
        expect(Math.abs(face.box.height - h)).toBeLessThan(tolerance);
        for (const [name, [kx = 0, ky = 0] = []] of Object.entries(want?.keypoints ?? {})) {
          expect(Math.abs((face.keypoints[name]?.x ?? Number.NaN) - kx)).toBeLessThan(tolerance);
          expect(Math.abs((face.keypoints[name]?.y ?? Number.NaN) - ky)).toBeLessThan(tolerance);
        }
      });
      const choice = chooseFace(faces);
      expect(choice.reason).toBe(expected.reason);
      if (choice.face && expected.crop) {
        const window = cropWindow(choice.face, expected.crop.margin);
        windowCorners(window).forEach((corner, index) => {
          const [cx = 0, cy = 0] = expected.crop?.corners[index] ?? [];
          expect(Math.abs(corner.x - cx)).toBeLessThan(tolerance);
          expect(Math.abs(corner.y - cy)).toBeLessThan(tolerance);
        });
        // Same resampler: the crops' channel means agree to a fraction of a grey level.
        const crop = sampleWindow(image, window, expected.crop.size);
        const means = [0, 1, 2].map((c) => {
          let sum = 0;
          for (let i = c; i < crop.length; i += 3) sum += crop[i] ?? 0;
          return sum / (crop.length / 3);
        });
        means.forEach((mean, c) => {
          expect(Math.abs(mean - (expected.crop?.channelMeans[c] ?? Number.NaN))).toBeLessThan(0.5);
        });
      }
    }
  });

  it('levels the eyes of a tilted portrait (roll from the eye keypoints)', () => {
    const tilted = vectors.cases.find((c) => c.image.includes('tilted'));
    expect(Math.abs(tilted?.crop?.window.angle ?? 0)).toBeGreaterThan(0.2);
  });
});
