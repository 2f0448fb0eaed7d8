/**
 * Turns decoded RGB pixels into the vision encoder's `pixel_values`, as the manifest prescribes:
 * resize to size×size (centre crop of the shorter side, or squash), scale to [0, 1], then
 * (x − mean) / std per channel, laid out NCHW. It knows the manifest's `image` block, nothing else.
 */

import sharp from 'sharp';
import type { Manifest } from '../model/manifest.js';
import type { DecodedImage } from './decode-image.js';

export interface PixelValues {
  /** (1, 3, size, size) float32, NCHW. */
  data: Float32Array;
  dims: [1, 3, number, number];
}

/** Resizes interleaved RGB to size×size with sharp (Lanczos-3, as the Python side uses PIL LANCZOS). */
export async function resizeRgb(
  image: DecodedImage,
  size: number,
  mode: Manifest['image']['resize'],
): Promise<Buffer> {
  if (image.width === size && image.height === size) {
    return image.data;
  }
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size, { fit: mode === 'squash' ? 'fill' : 'cover', position: 'centre' })
    .raw()
    .toBuffer();
}

/** Interleaved RGB bytes (size×size×3) → normalised NCHW floats. */
export function normalise(rgb: Uint8Array, size: number, spec: Manifest['image']): PixelValues {
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

export async function toPixelValues(
  image: DecodedImage,
  spec: Manifest['image'],
): Promise<PixelValues> {
  const rgb = await resizeRgb(image, spec.size, spec.resize);
  return normalise(rgb, spec.size, spec);
}
