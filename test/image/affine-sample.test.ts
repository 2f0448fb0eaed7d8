import { describe, expect, it } from 'vitest';
import {
  boxReduce,
  type RgbImage,
  type SquareWindow,
  sampleWindow,
} from '../../src/image/affine-sample.js';

/** A deterministic noisy image (no codec involved). */
function noiseImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height };
}

describe('Function: boxReduce', () => {
  it('reduces a region to exactly the same bytes as the whole image, cut out', () => {
    // Arrange
    const image = noiseImage(53, 41);
    const k = 3;
    const whole = boxReduce(image, k);
    const region = { x0: 2, y0: 3, x1: 15, y1: 11 };
    // Act
    const part = boxReduce(image, k, region);
    // Assess
    expect([part.width, part.height]).toEqual([13, 8]);
    for (let y = 0; y < part.height; y++) {
      const row = (region.y0 + y) * whole.width + region.x0;
      expect([...part.data.subarray(y * 39, y * 39 + 39)]).toEqual([
        ...whole.data.subarray(row * 3, row * 3 + 39),
      ]);
    }
  });
});

describe('Function: boxReduce, every factor', () => {
  // Even factors take the paired loop, odd ones the per-block loop; every factor must give the
  // rounded mean of its k×k block.
  it.each([2, 3, 4, 5, 6])('k = %i: every byte is the rounded mean of its block', (k) => {
    // Arrange
    const image = noiseImage(47, 38);
    // Act
    const reduced = boxReduce(image, k);
    // Assess
    expect([reduced.width, reduced.height]).toEqual([Math.floor(47 / k), Math.floor(38 / k)]);
    for (let y = 0; y < reduced.height; y++) {
      for (let x = 0; x < reduced.width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < k; dy++) {
            for (let dx = 0; dx < k; dx++) {
              sum += image.data[((y * k + dy) * image.width + x * k + dx) * 3 + c] as number;
            }
          }
          expect(reduced.data[(y * reduced.width + x) * 3 + c]).toBe(Math.round(sum / (k * k)));
        }
      }
    }
  });
});

describe('Function: sampleWindow', () => {
  // The region-limited reduction must give the values of reducing the whole image first, also for
  // windows that hang over the border or miss the image entirely (those read the fill colour).
  it.each<[string, SquareWindow]>([
    ['inside, rotated', { centerX: 60, centerY: 50, side: 70, angle: 0.3 }],
    ['over the top-left corner', { centerX: 5, centerY: 8, side: 90, angle: -0.7 }],
    ['over the bottom-right corner', { centerX: 118, centerY: 95, side: 64, angle: 1.1 }],
    ['outside the image', { centerX: 400, centerY: -300, side: 50, angle: 0 }],
    ['larger than the image', { centerX: 60, centerY: 50, side: 400, angle: 0.2 }],
  ])('%s: same floats as sampling the fully reduced image', (_, window) => {
    // Arrange
    const image = noiseImage(121, 97);
    const size = 16;
    const k = Math.floor(window.side / size);
    const reduced = boxReduce(image, k);
    const scaled = {
      centerX: window.centerX / k,
      centerY: window.centerY / k,
      side: window.side / k,
      angle: window.angle,
    };
    // Act
    const direct = sampleWindow(image, window, size, 77);
    const viaWhole = sampleWindow(reduced, scaled, size, 77);
    // Assess
    expect(k).toBeGreaterThanOrEqual(2);
    expect([...direct]).toEqual([...viaWhole]);
  });
});

describe('Function: sampleWindow, unrotated windows', () => {
  it('returns the source bytes for a window that covers pixels one to one', () => {
    // Arrange
    const image = noiseImage(40, 30);
    // Act: a 24×24 window centred on a pixel corner, scale 1
    const out = sampleWindow(image, { centerX: 20, centerY: 15, side: 24, angle: 0 }, 24, 0);
    // Assess
    for (let v = 0; v < 24; v++) {
      for (let u = 0; u < 24; u++) {
        for (let c = 0; c < 3; c++) {
          expect(out[(v * 24 + u) * 3 + c]).toBe(image.data[((v + 3) * 40 + u + 8) * 3 + c]);
        }
      }
    }
  });

  it('interpolates between source pixels, and reads the fill colour outside the image', () => {
    // Arrange: shifted by half a pixel in x, upsampled 2× in y
    const image = noiseImage(10, 10);
    const at = (x: number, y: number, c: number) => image.data[(y * 10 + x) * 3 + c] as number;
    // Act
    const out = sampleWindow(image, { centerX: 5.5, centerY: 5, side: 8, angle: 0 }, 16, 9);
    // Assess: pixel (4, 6) is the bilinear mix at the point the window geometry names
    const value = (u: number, v: number, c: number) => out[(v * 16 + u) * 3 + c] as number;
    const fx = 5.5 + 0.5 * (4 + 0.5 - 8) - 0.5;
    const fy = 5 + 0.5 * (6 + 0.5 - 8) - 0.5;
    const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
    const [wx, wy] = [fx - x0, fy - y0];
    const expected =
      (at(x0, y0, 1) * (1 - wx) + at(x0 + 1, y0, 1) * wx) * (1 - wy) +
      (at(x0, y0 + 1, 1) * (1 - wx) + at(x0 + 1, y0 + 1, 1) * wx) * wy;
    expect(value(4, 6, 1)).toBe(Math.fround(expected));
    const outside = sampleWindow(image, { centerX: -20, centerY: 5, side: 8, angle: 0 }, 4, 9);
    expect([...outside].every((x) => x === 9)).toBe(true);
  });
});
