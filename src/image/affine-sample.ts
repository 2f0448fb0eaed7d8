/**
 * The one resampler shared by the face detector's letterbox, the face crop and the model input, with
 * a twin in training/ifas/face/sampler.py that gives the same pixels: a square, possibly rotated
 * window of the source is sampled into an N×N image.
 *
 * Geometry (pixel i covers [i, i+1), its centre is i + 0.5): output pixel (u, v) comes from source
 * point centre + R(angle) · (side / N) · (u + 0.5 − N/2, v + 0.5 − N/2). Outside the image the fill
 * colour is used. Downscaling by a factor k ≥ 2 first averages k×k blocks of the whole image (integer k,
 * identical in both languages), so the bilinear step never skips pixels (no aliasing of moiré or
 * halftone, which are spoof cues).
 */

export interface RgbImage {
  /** Interleaved RGB bytes, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface SquareWindow {
  centerX: number;
  centerY: number;
  /** Side of the square in source pixels. */
  side: number;
  /** Rotation in radians; output x runs along (cos, sin) in the source. */
  angle: number;
}

/** Averages k×k blocks: (w, h) → (⌊w/k⌋, ⌊h/k⌋). */
export function boxReduce(image: RgbImage, k: number): RgbImage {
  const width = Math.floor(image.width / k);
  const height = Math.floor(image.height / k);
  const out = new Uint8Array(width * height * 3);
  const area = k * k;
  const sums = new Float64Array(width * 3);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < k; dy++) {
      const row = (y * k + dy) * image.width * 3;
      for (let x = 0; x < width; x++) {
        let index = row + x * k * 3;
        for (let dx = 0; dx < k; dx++) {
          sums[x * 3] = (sums[x * 3] ?? 0) + (image.data[index] ?? 0);
          sums[x * 3 + 1] = (sums[x * 3 + 1] ?? 0) + (image.data[index + 1] ?? 0);
          sums[x * 3 + 2] = (sums[x * 3 + 2] ?? 0) + (image.data[index + 2] ?? 0);
          index += 3;
        }
      }
    }
    const outRow = y * width * 3;
    for (let i = 0; i < width * 3; i++) {
      out[outRow + i] = Math.round((sums[i] ?? 0) / area);
    }
  }
  return { data: out, width, height };
}

/** Samples `window` of `image` into size×size interleaved RGB floats (0–255), bilinear. */
export function sampleWindow(
  image: RgbImage,
  window: SquareWindow,
  size: number,
  fill = 0,
): Float32Array {
  let source = image;
  let { centerX, centerY, side } = window;
  const k = Math.floor(side / size);
  if (k >= 2 && image.width >= k && image.height >= k) {
    source = boxReduce(image, k);
    centerX /= k;
    centerY /= k;
    side /= k;
  }
  const scale = side / size;
  const cos = Math.cos(window.angle) * scale;
  const sin = Math.sin(window.angle) * scale;
  const { width, height, data } = source;
  const out = new Float32Array(size * size * 3);
  const half = size / 2;
  const pixel = (x: number, y: number, channel: number): number =>
    x < 0 || y < 0 || x >= width || y >= height
      ? fill
      : (data[(y * width + x) * 3 + channel] ?? fill);
  for (let v = 0; v < size; v++) {
    const dv = v + 0.5 - half;
    for (let u = 0; u < size; u++) {
      const du = u + 0.5 - half;
      // Continuous source point, then into pixel-centre index space.
      const fx = centerX + cos * du - sin * dv - 0.5;
      const fy = centerY + sin * du + cos * dv - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const wx = fx - x0;
      const wy = fy - y0;
      const o = (v * size + u) * 3;
      for (let c = 0; c < 3; c++) {
        const top = pixel(x0, y0, c) * (1 - wx) + pixel(x0 + 1, y0, c) * wx;
        const bottom = pixel(x0, y0 + 1, c) * (1 - wx) + pixel(x0 + 1, y0 + 1, c) * wx;
        out[o + c] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** The square centred on the image whose side is the shorter image side (centre crop). */
export function centreSquare(image: { width: number; height: number }): SquareWindow {
  return {
    centerX: image.width / 2,
    centerY: image.height / 2,
    side: Math.min(image.width, image.height),
    angle: 0,
  };
}

/** The square centred on the image whose side is the longer side (letterbox, padded with fill). */
export function letterboxSquare(image: { width: number; height: number }): SquareWindow {
  return {
    centerX: image.width / 2,
    centerY: image.height / 2,
    side: Math.max(image.width, image.height),
    angle: 0,
  };
}
