/**
 * IfasEngine.preview: the face stage alone on a small preview frame, with the face-size gate judged at
 * the size the real frames will have (captureWidth), on the tiny package and the shipped detector.
 */

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IfasEngine } from '../../src/inference/engine.js';
import { TINY_PACKAGE } from '../support/fixtures.js';
import { onBackdrop } from '../support/frames.js';
import { type IdentityPhotos, identityPhotos } from '../support/identity-photos.js';

let engine: IfasEngine;
let noDetector: IfasEngine;
let photos: IdentityPhotos;

beforeAll(async () => {
  photos = await identityPhotos();
  // A smallest face of 100 px in the real frames, as a larger model would need.
  engine = await IfasEngine.load(TINY_PACKAGE, { face: { thresholds: { minFaceSize: 100 } } });
  noDetector = await IfasEngine.load(TINY_PACKAGE, { faceDetector: false });
});

afterAll(async () => {
  await engine.dispose();
  await noDetector.dispose();
});

describe('IfasEngine.preview', () => {
  it('judges face size as it will be in the real frames, not in the downscaled preview', async () => {
    const frame = await onBackdrop(photos.holder, 130);
    const run = engine.preview;
    if (!run) throw new Error('an engine with a detector previews');
    // The same preview: in 320 px real frames the face is too small; in 640 px frames it is twice as big.
    expect(await run(frame, { maxPixels: 320 * 320, captureWidth: 320 })).toEqual({
      reason: 'face_too_small',
      faceCount: 1,
    });
    expect(await run(frame, { maxPixels: 320 * 320, captureWidth: 640 })).toEqual({
      reason: null,
      faceCount: 1,
    });
  });

  it('refuses a frame over its pixel bound, and is absent without a detector', async () => {
    const run = engine.preview;
    const big = await sharp(photos.holder).resize(640).jpeg().toBuffer();
    await expect(run?.(big, { maxPixels: 320 * 320, captureWidth: 640 })).rejects.toMatchObject({
      code: 'INPUT_TOO_MANY_PIXELS',
    });
    expect(noDetector.preview).toBeUndefined();
  });
});
