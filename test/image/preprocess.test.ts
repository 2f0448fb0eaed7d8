import { describe, expect, it } from 'vitest';
import { normalise, resizeRgb } from '../../src/image/preprocess.js';
import type { Manifest } from '../../src/model/manifest.js';

const spec: Manifest['image'] = {
  size: 2,
  channels: 3,
  mean: [0.5, 0.25, 0],
  std: [0.5, 0.25, 1],
  resize: 'center-crop',
  faceCropMargin: 0.25,
};

describe('Function: normalise', () => {
  it('scales to [0,1], applies per-channel mean/std and lays out NCHW', () => {
    // 2×2 pixels, RGB interleaved
    const rgb = Uint8Array.from([255, 0, 51, 0, 255, 102, 255, 255, 255, 0, 0, 0]);
    const { data, dims } = normalise(rgb, 2, spec);
    expect(dims).toEqual([1, 3, 2, 2]);
    expect(Array.from(data.subarray(0, 4))).toEqual([1, -1, 1, -1]); // R plane
    expect(Array.from(data.subarray(4, 8))).toEqual([-1, 3, 3, -1]); // G plane
    expect(data[8]).toBeCloseTo(0.2, 6); // B plane, first pixel 51/255
  });
});

describe('Function: resizeRgb', () => {
  it('centre-crops the shorter side before resizing', async () => {
    // 6×2 image: left third red, middle green, right third blue → centre crop keeps green.
    const row = [255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255];
    const image = {
      data: Buffer.from([...row, ...row]),
      width: 6,
      height: 2,
      format: 'png' as const,
    };
    const out = await resizeRgb(image, 2, 'center-crop');
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 255, 0]);
    const squashed = await resizeRgb(image, 2, 'squash');
    expect(squashed[0]).toBeGreaterThan(100); // left column keeps red
  });

  it('passes an image already at model size through untouched', async () => {
    const image = {
      data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      width: 2,
      height: 2,
      format: 'png' as const,
    };
    expect(await resizeRgb(image, 2, 'center-crop')).toBe(image.data);
  });
});
