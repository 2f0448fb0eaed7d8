import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fingerprintFrame, framesAreStatic } from '../../src/sessions/frame-analysis.js';
import { hammingDistance } from '../../src/sessions/frame-hash.js';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';
import { cameraFrames } from '../support/frames.js';

describe('frame analysis', () => {
  it('gives a re-encoded copy a nearby difference hash and another picture a distant one', async () => {
    const portrait = await readFile(SAMPLE_PORTRAIT);
    const original = await fingerprintFrame(portrait, 40_000_000);
    const copy = await fingerprintFrame(
      await sharp(portrait).resize(300).jpeg({ quality: 60 }).toBuffer(),
      40_000_000,
    );
    const mirrored = await fingerprintFrame(await sharp(portrait).flop().toBuffer(), 40_000_000);
    expect(copy.sha256).not.toBe(original.sha256);
    expect(hammingDistance(original.dhash, copy.dhash)).toBeLessThanOrEqual(3);
    expect(hammingDistance(original.dhash, mirrored.dhash)).toBeGreaterThan(10);
  });

  it('tells a still sent several times from frames that vary like a camera’s', async () => {
    const portrait = await readFile(SAMPLE_PORTRAIT);
    const live = await Promise.all(
      (await cameraFrames(portrait, 3, 5)).map((f) => fingerprintFrame(f, 40_000_000)),
    );
    expect(framesAreStatic(live, 0.5)).toBe(false);
    const [one] = await cameraFrames(portrait, 1, 6);
    const still = await fingerprintFrame(one as Buffer, 40_000_000);
    expect(framesAreStatic([still, still], 0.5)).toBe(true);
    // Re-encoded without change: other bytes, the same picture.
    const again = await fingerprintFrame(
      await sharp(one as Buffer)
        .jpeg({ quality: 95 })
        .toBuffer(),
      40_000_000,
    );
    expect(framesAreStatic([still, again], 0.5)).toBe(true);
    expect(framesAreStatic([still], 0.5)).toBe(false);
  });
});
