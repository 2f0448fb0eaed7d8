import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector } from '../../src/face/face-detector.js';
import { runFaceStage } from '../../src/face/face-stage.js';
import { minFaceSizeFor } from '../../src/face/quality-gates.js';
import { type DecodedImage, decodeImage } from '../../src/image/decode-image.js';
import { DLIB_FACES, SAMPLE_PORTRAIT } from '../support/fixtures.js';

const MODEL_IMAGE = { size: 96, faceCropMargin: 0.25 };
let detector: FaceDetector;
let portrait: DecodedImage;

async function edited(
  edit: (s: ReturnType<typeof sharp>) => ReturnType<typeof sharp>,
): Promise<DecodedImage> {
  return decodeImage(
    await edit(sharp(await readFile(SAMPLE_PORTRAIT)))
      .png()
      .toBuffer(),
  );
}

beforeAll(async () => {
  detector = await FaceDetector.load();
  portrait = await decodeImage(await readFile(SAMPLE_PORTRAIT));
});

afterAll(async () => {
  await detector.release();
});

describe('Function: runFaceStage', () => {
  it('passes a clear portrait with a window around the face', async () => {
    const stage = await runFaceStage(detector, portrait, MODEL_IMAGE);
    expect(stage.quality.reason).toBeNull();
    expect(stage.window?.side).toBeGreaterThan(stage.face?.box.width ?? Number.POSITIVE_INFINITY);
    expect(stage.face?.score).toBeGreaterThan(0.8);
  });

  it.each([
    ['too_dark', (s: ReturnType<typeof sharp>) => s.linear(0.12, 0)],
    ['overexposed', (s: ReturnType<typeof sharp>) => s.linear(2.2, 90)],
    ['too_blurry', (s: ReturnType<typeof sharp>) => s.blur(3)],
    ['face_too_small', (s: ReturnType<typeof sharp>) => s.resize(64)],
    ['no_face', (s: ReturnType<typeof sharp>) => s.linear(0, 128)],
  ])('answers %s for a crafted capture', async (reason, edit) => {
    const stage = await runFaceStage(detector, await edited(edit), MODEL_IMAGE);
    expect(stage.quality.reason).toBe(reason);
    expect(stage.window).toBeNull();
  });

  it('counts the subjects of a group photo and can judge the largest instead', async () => {
    const group = await decodeImage(await readFile(join(DLIB_FACES, '2008_002470.jpg')));
    const rejected = await runFaceStage(detector, group, MODEL_IMAGE);
    expect([rejected.quality.reason, rejected.quality.faceCount]).toEqual(['multiple_faces', 6]);
    const largest = await runFaceStage(detector, group, MODEL_IMAGE, {
      policy: { multipleFaces: 'largest' },
    });
    expect(largest.quality.reason).toBeNull();
    expect(largest.face?.box.width).toBeGreaterThan(40);
  });

  it('ignores a small background face next to the subject', async () => {
    // The portrait with a 1/4-size copy pasted in a corner: one subject, one background face.
    const small = await sharp(await readFile(SAMPLE_PORTRAIT))
      .resize(128)
      .png()
      .toBuffer();
    const composite = await sharp(await readFile(SAMPLE_PORTRAIT))
      .composite([{ input: small, left: 0, top: 450 }])
      .png()
      .toBuffer();
    const stage = await runFaceStage(detector, await decodeImage(composite), MODEL_IMAGE);
    expect(stage.quality.faceCount).toBe(1);
    expect(stage.quality.reason).toBeNull();
  });

  it('derives the minimum face size from the model input (≤ 2× upsampling)', () => {
    expect(minFaceSizeFor({ size: 96, faceCropMargin: 0.25 })).toBe(32);
    expect(minFaceSizeFor({ size: 336, faceCropMargin: 0.25 })).toBe(112);
  });
});
