import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignmentWindow } from '../../src/face/face-alignment.js';
import { FaceDetector } from '../../src/face/face-detector.js';
import {
  cosineSimilarity,
  defaultEmbedderDir,
  FaceEmbedder,
  l2Normalise,
} from '../../src/face/face-embedder.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { DLIB_FACES, FIXTURES, SAMPLE_PORTRAIT } from '../support/fixtures.js';

interface ParityFixture {
  dlibChip: string;
  dlibDescriptor: number[];
  keypoints: Record<string, [number, number]>;
  window: { centerX: number; centerY: number; side: number; angle: number };
  alignedDescriptor: number[];
}

let embedder: FaceEmbedder;
let detector: FaceDetector;
let fixture: ParityFixture;

beforeAll(async () => {
  embedder = await FaceEmbedder.load();
  detector = await FaceDetector.load();
  fixture = JSON.parse(
    await readFile(join(FIXTURES, 'face', 'embedder-parity.json'), 'utf8'),
  ) as ParityFixture;
});

afterAll(async () => {
  await embedder.release();
  await detector.release();
});

describe('Class: FaceEmbedder', () => {
  it("matches dlib's own descriptor on dlib's aligned chip (conversion parity)", async () => {
    const chip = await decodeImage(await readFile(join(FIXTURES, 'face', fixture.dlibChip)));
    const descriptor = await embedder.describeChip(Float32Array.from(chip.data));
    const worst = Math.max(
      ...fixture.dlibDescriptor.map((v, i) => Math.abs(v - (descriptor[i] ?? 0))),
    );
    expect(worst).toBeLessThan(1e-5);
  });

  it('aligns like the Python twin and gives its descriptor', async () => {
    const keypoints = Object.fromEntries(
      Object.entries(fixture.keypoints).map(([k, [x, y]]) => [k, { x, y }]),
    );
    const window = alignmentWindow(keypoints, embedder.manifest.alignment.template, 150);
    expect(window.centerX).toBeCloseTo(fixture.window.centerX, 6);
    expect(window.side).toBeCloseTo(fixture.window.side, 6);
    expect(window.angle).toBeCloseTo(fixture.window.angle, 9);
    const portrait = await decodeImage(await readFile(SAMPLE_PORTRAIT));
    const ours = await embedder.embed(portrait, keypoints);
    expect(
      cosineSimilarity(ours, l2Normalise(Float32Array.from(fixture.alignedDescriptor))),
    ).toBeGreaterThan(0.9999);
  });

  it("tells the same actor from another one in dlib's collage", async () => {
    const collage = await decodeImage(await readFile(join(DLIB_FACES, 'bald_guys.jpg')));
    const faces = await detector.detect(collage);
    const near = (x: number, y: number) =>
      faces.find(
        (f) => Math.hypot(f.box.x + f.box.width / 2 - x, f.box.y + f.box.height / 2 - y) < 40,
      );
    const [dieselA, dieselB, willis] = [near(647, 528), near(135, 167), near(853, 918)];
    if (!dieselA || !dieselB || !willis) throw new Error('collage faces not found');
    const [a, b, c] = await Promise.all(
      [dieselA, dieselB, willis].map((f) => embedder.embed(collage, f.keypoints)),
    );
    expect(cosineSimilarity(a as Float32Array, b as Float32Array)).toBeGreaterThanOrEqual(
      embedder.threshold,
    );
    expect(cosineSimilarity(a as Float32Array, c as Float32Array)).toBeLessThan(embedder.threshold);
  });

  it('refuses a package whose graph was altered, before creating a session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedder-'));
    try {
      await cp(defaultEmbedderDir(), dir, { recursive: true });
      const graph = join(dir, embedder.manifest.model);
      const bytes = await readFile(graph);
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
      await writeFile(graph, bytes);
      await expect(FaceEmbedder.load(dir)).rejects.toMatchObject({ code: 'MODEL_FILE_TAMPERED' });
      await rm(graph);
      await expect(FaceEmbedder.load(dir)).rejects.toMatchObject({ code: 'MODEL_FILE_TAMPERED' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
