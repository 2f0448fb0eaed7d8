/**
 * Turns decoded RGB pixels into the vision encoder's `pixel_values`, as the manifest prescribes:
 * sample a square window (the face crop, or the centre square without detection) to size×size with
 * the shared resampler, scale to [0, 1], then (x − mean) / std per channel, laid out NCHW.
 * The Python data pipeline does the same with training/ifas/face/sampler.py.
 */

import type { Manifest } from '../model/manifest.js';
import { centreSquare, type RgbImage, type SquareWindow, sampleWindow } from './affine-sample.js';

export interface PixelValues {
  /** (1, 3, size, size) float32, NCHW. */
  data: Float32Array;
  dims: [1, 3, number, number];
}

/** Interleaved RGB values 0–255 (size×size×3) → normalised NCHW floats. */
export function normalise(
  rgb: ArrayLike<number>,
  size: number,
  spec: Manifest['image'],
): PixelValues {
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    const mean = spec.mean[channel] ?? 0;
    const std = spec.std[channel] ?? 1;
    const offset = channel * plane;
    for (let pixel = 0; pixel < plane; pixel++) {
      data[offset + pixel] = ((rgb[pixel * 3 + channel] ?? 0) / 255 - mean) / std;
    }
  }
  return { data, dims: [1, 3, size, size] };
}

export function toPixelValues(
  image: RgbImage,
  spec: Manifest['image'],
  window: SquareWindow = centreSquare(image),
): PixelValues {
  return normalise(sampleWindow(image, window, spec.size), spec.size, spec);
}
