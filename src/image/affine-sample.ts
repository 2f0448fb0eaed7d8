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

/** Blocks [x0, x1) × [y0, y1) of a box reduction, in reduced-image coordinates. */
export interface BlockRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Averages k×k blocks: (w, h) → (⌊w/k⌋, ⌊h/k⌋), or only the blocks of `region` (the same values,
 * cut out). Integer sums (exact), one division per output byte, so the result is the same as
 * training/ifas/face/sampler.py's box_reduce.
 */
export function boxReduce(image: RgbImage, k: number, region?: BlockRegion): RgbImage {
  const x0 = region?.x0 ?? 0;
  const y0 = region?.y0 ?? 0;
  const width = (region?.x1 ?? Math.floor(image.width / k)) - x0;
  const height = (region?.y1 ?? Math.floor(image.height / k)) - y0;
  const out = new Uint8Array(width * height * 3);
  const area = k * k;
  const rowBytes = width * 3;
  const sums = new Uint32Array(rowBytes);
  const src = image.data;
  const stride = image.width * 3;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < k; dy++) {
      let index = ((y0 + y) * k + dy) * stride + x0 * k * 3;
      if (k % 2 === 0) {
        // Even factors (2 and 4: phone frames into the detector and the model): one flat pass per
        // pair of columns of each block, two pixels per step, instead of a k-long loop per block.
        for (let dx = 0; dx < k; dx += 2) {
          for (let x = 0, i = index + dx * 3; x < rowBytes; x += 3, i += k * 3) {
            sums[x] = (sums[x] as number) + (src[i] as number) + (src[i + 3] as number);
            sums[x + 1] = (sums[x + 1] as number) + (src[i + 1] as number) + (src[i + 4] as number);
            sums[x + 2] = (sums[x + 2] as number) + (src[i + 2] as number) + (src[i + 5] as number);
          }
        }
        continue;
      }
      for (let x = 0; x < rowBytes; x += 3) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let dx = 0; dx < k; dx++) {
          r += src[index] as number;
          g += src[index + 1] as number;
          b += src[index + 2] as number;
          index += 3;
        }
        sums[x] = (sums[x] as number) + r;
        sums[x + 1] = (sums[x + 1] as number) + g;
        sums[x + 2] = (sums[x + 2] as number) + b;
      }
    }
    const outRow = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      out[outRow + i] = Math.round((sums[i] as number) / area);
    }
  }
  return { data: out, width, height };
}

/**
 * Samples `window` of `image` into size×size interleaved RGB floats (0–255), bilinear. Pixels whose
 * four neighbours lie inside the image take a direct path; border pixels go through the fill-aware
 * read. Both compute the same expression, so the values do not depend on the path.
 */
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
    // Only the blocks the window can touch are reduced. The margin keeps every in-image pixel that
    // bilinear reads inside the region, so "outside the region" still means "outside the image".
    const fullWidth = Math.floor(image.width / k);
    const fullHeight = Math.floor(image.height / k);
    centerX /= k;
    centerY /= k;
    side /= k;
    const reach =
      (side / 2) * (Math.abs(Math.cos(window.angle)) + Math.abs(Math.sin(window.angle)));
    const region: BlockRegion = {
      x0: Math.min(fullWidth, Math.max(0, Math.floor(centerX - reach) - 2)),
      y0: Math.min(fullHeight, Math.max(0, Math.floor(centerY - reach) - 2)),
      x1: Math.max(0, Math.min(fullWidth, Math.ceil(centerX + reach) + 2)),
      y1: Math.max(0, Math.min(fullHeight, Math.ceil(centerY + reach) + 2)),
    };
    region.x1 = Math.max(region.x0, region.x1);
    region.y1 = Math.max(region.y0, region.y1);
    source = boxReduce(image, k, region);
    centerX -= region.x0;
    centerY -= region.y0;
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
  const rowBytes = width * 3;
  // An unrotated window (the detector's letterbox, the centre square) has sin = 0: the source x
  // depends on u only and y on v only, so they come from per-column tables and once per row. The
  // tables hold the values the general expression computes (x − (±0) is x): the floats are the same.
  const unrotated = window.angle === 0;
  const columnX = new Int32Array(unrotated ? size : 0);
  const columnW = new Float64Array(unrotated ? size : 0);
  for (let u = 0; u < columnX.length; u++) {
    const fx = centerX + cos * (u + 0.5 - half) - 0.5;
    const x0 = Math.floor(fx);
    columnX[u] = x0;
    columnW[u] = fx - x0;
  }
  for (let v = 0; v < size; v++) {
    const dv = v + 0.5 - half;
    const rowY = centerY + cos * dv - 0.5;
    for (let u = 0; u < size; u++) {
      let x0: number;
      let y0: number;
      let wx: number;
      let wy: number;
      if (unrotated) {
        x0 = columnX[u] as number;
        wx = columnW[u] as number;
        y0 = Math.floor(rowY);
        wy = rowY - y0;
      } else {
        const du = u + 0.5 - half;
        // Continuous source point, then into pixel-centre index space.
        const fx = centerX + cos * du - sin * dv - 0.5;
        const fy = centerY + sin * du + cos * dv - 0.5;
        x0 = Math.floor(fx);
        y0 = Math.floor(fy);
        wx = fx - x0;
        wy = fy - y0;
      }
      const o = (v * size + u) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
        // The hot path, channels unrolled; the same expression as the loop below, term for term.
        const i00 = (y0 * width + x0) * 3;
        const i01 = i00 + rowBytes;
        const ax = 1 - wx;
        const ay = 1 - wy;
        out[o] =
          ((data[i00] as number) * ax + (data[i00 + 3] as number) * wx) * ay +
          ((data[i01] as number) * ax + (data[i01 + 3] as number) * wx) * wy;
        out[o + 1] =
          ((data[i00 + 1] as number) * ax + (data[i00 + 4] as number) * wx) * ay +
          ((data[i01 + 1] as number) * ax + (data[i01 + 4] as number) * wx) * wy;
        out[o + 2] =
          ((data[i00 + 2] as number) * ax + (data[i00 + 5] as number) * wx) * ay +
          ((data[i01 + 2] as number) * ax + (data[i01 + 5] as number) * wx) * wy;
        continue;
      }
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
