import { describe, expect, it } from 'vitest';
import { normalise, toPixelValues } from '../../src/image/preprocess.js';
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

describe('Function: toPixelValues', () => {
  it('without a face window, takes the centre square of the shorter side', () => {
    // 6×2 image: left third red, middle green, right third blue → the centre square is green.
    const row = [255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255];
    const image = { data: Uint8Array.from([...row, ...row]), width: 6, height: 2 };
    const { data } = toPixelValues(image, { ...spec, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(Array.from(data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('passes an image already at model size through exactly', () => {
    const image = {
      data: Uint8Array.from([0, 51, 102, 153, 204, 255, 0, 0, 0, 255, 255, 255]),
      width: 2,
      height: 2,
    };
    const { data } = toPixelValues(image, { ...spec, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(data[0]).toBeCloseTo(0, 6);
    expect(data[1]).toBeCloseTo(153 / 255, 6);
    expect(data[4]).toBeCloseTo(51 / 255, 6);
  });
});
