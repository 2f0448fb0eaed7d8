/**
 * What a session learns from its frames without a model: each frame's SHA-256 and 64-bit difference
 * hash (dHash: is each pixel of a 9×8 grey thumbnail brighter than its right neighbour), to recognise a
 * capture submitted again; and whether consecutive frames vary the way a live camera's do (sensor
 * noise, breathing, small movements) or are one still image sent several times.
 */

import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { decodeImage } from '../image/decode-image.js';

export interface FrameFingerprint {
  sha256: string;
  /** 16 hex digits. */
  dhash: string;
  /** 32×32 grey thumbnail, for the frame-to-frame comparison. */
  thumbnail: Uint8Array;
}

const THUMB = 32;

export async function fingerprintFrame(
  bytes: Uint8Array,
  maxPixels: number,
): Promise<FrameFingerprint> {
  // The same safe decoder as the checks (signature sniffing, pixel limit) before anything else.
  const image = await decodeImage(bytes, { maxPixels });
  const raw = { raw: { width: image.width, height: image.height, channels: 3 as const } };
  const [hashPixels, thumbnail] = await Promise.all([
    sharp(image.data, raw).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer(),
    sharp(image.data, raw).greyscale().resize(THUMB, THUMB, { fit: 'fill' }).raw().toBuffer(),
  ]);
  let bits = 0n;
  for (let y = 0; y < 8; y += 1) {
    for (let x = 0; x < 8; x += 1) {
      const left = hashPixels[y * 9 + x] ?? 0;
      const right = hashPixels[y * 9 + x + 1] ?? 0;
      bits = (bits << 1n) | (left > right ? 1n : 0n);
    }
  }
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    dhash: bits.toString(16).padStart(16, '0'),
    thumbnail: new Uint8Array(thumbnail),
  };
}

/** Mean absolute grey-level change between two thumbnails. */
export function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

/**
 * True when two or more frames were sent and some consecutive pair is byte-identical or shows less than
 * `minMeanDifference` of change: a camera never delivers the same picture twice.
 */
export function framesAreStatic(
  frames: readonly FrameFingerprint[],
  minMeanDifference: number,
): boolean {
  for (let i = 1; i < frames.length; i += 1) {
    const previous = frames[i - 1] as FrameFingerprint;
    const current = frames[i] as FrameFingerprint;
    if (previous.sha256 === current.sha256) return true;
    if (meanDifference(previous.thumbnail, current.thumbnail) < minMeanDifference) return true;
  }
  return false;
}
