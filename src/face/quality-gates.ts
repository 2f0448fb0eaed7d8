/**
 * Capture-quality gates: reasons to answer `uncertain` instead of judging a face.
 *
 * Measured on a grey sample of the tight, eye-levelled face square at the face's own resolution (at
 * most 128²): mean luma (too dark / overexposed) and the variance of the 4-neighbour Laplacian (too
 * blurry); face size is the detector box's longer side in source pixels. Threshold choices are documented in docs/face-quality.md with
 * the measurements behind them (scripts/evaluate-faces.ts).
 */

import { type RgbImage, sampleWindow } from '../image/affine-sample.js';
import { cropWindow } from './crop-policy.js';
import type { Face } from './face-detector.js';

export const QUALITY_REASONS = [
  'no_face',
  'multiple_faces',
  'face_too_small',
  'too_dark',
  'overexposed',
  'too_blurry',
] as const;

export type QualityReason = (typeof QUALITY_REASONS)[number];

export interface QualityThresholds {
  /** Minimum longer side of the face box, source pixels. */
  minFaceSize: number;
  /** Mean luma (0–255) of the face below which it is too dark. */
  minLuma: number;
  /** Mean luma above which it is overexposed. */
  maxLuma: number;
  /** Laplacian variance below which the face is too blurry. */
  minSharpness: number;
}

/**
 * Defaults, chosen from the measurements in docs/face-quality.md: real dlib faces have mean luma
 * 61–188 and Laplacian variance ≥ 62, their darkened copies ≤ 22, overexposed copies ≥ 210 and blurred
 * (σ 3) copies ≤ 6; a blurred 200 px portrait measures 24. Face size: `minFaceSizeFor`.
 */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  minFaceSize: 32,
  minLuma: 40,
  maxLuma: 200,
  minSharpness: 40,
};

/**
 * The smallest face the model should judge: its crop (face × (1 + 2 × margin)) may be upsampled at most
 * 2× to the model input, beyond which texture cues (moiré, halftone, paper grain) are invented, not seen.
 */
export function minFaceSizeFor(image: { size: number; faceCropMargin: number }): number {
  return Math.ceil(image.size / (1 + 2 * image.faceCropMargin) / 2);
}

export interface QualityMetrics {
  faceSize: number;
  luma: number;
  sharpness: number;
}

/** Metrics are taken at the face's own resolution (never upsampled, which would hide sharpness), at most 128². */
const MAX_SAMPLE = 128;

export function measureFace(image: RgbImage, face: Face): QualityMetrics {
  const faceSize = Math.max(face.box.width, face.box.height);
  const SAMPLE = Math.max(16, Math.min(MAX_SAMPLE, Math.round(faceSize)));
  const rgb = sampleWindow(image, cropWindow(face, 0), SAMPLE, 0);
  const grey = new Float64Array(SAMPLE * SAMPLE);
  let sum = 0;
  for (let i = 0; i < grey.length; i++) {
    const value =
      0.299 * (rgb[i * 3] ?? 0) + 0.587 * (rgb[i * 3 + 1] ?? 0) + 0.114 * (rgb[i * 3 + 2] ?? 0);
    grey[i] = value;
    sum += value;
  }
  let lapSum = 0;
  let lapSquares = 0;
  let count = 0;
  for (let y = 1; y < SAMPLE - 1; y++) {
    for (let x = 1; x < SAMPLE - 1; x++) {
      const i = y * SAMPLE + x;
      const lap =
        (grey[i - 1] ?? 0) +
        (grey[i + 1] ?? 0) +
        (grey[i - SAMPLE] ?? 0) +
        (grey[i + SAMPLE] ?? 0) -
        4 * (grey[i] ?? 0);
      lapSum += lap;
      lapSquares += lap * lap;
      count++;
    }
  }
  const lapMean = lapSum / count;
  return {
    faceSize,
    luma: sum / grey.length,
    sharpness: lapSquares / count - lapMean * lapMean,
  };
}

/** The first failing gate in order size → exposure → blur, or null. */
export function qualityReason(
  metrics: QualityMetrics,
  thresholds: QualityThresholds,
): QualityReason | null {
  if (metrics.faceSize < thresholds.minFaceSize) {
    return 'face_too_small';
  }
  if (metrics.luma < thresholds.minLuma) {
    return 'too_dark';
  }
  if (metrics.luma > thresholds.maxLuma) {
    return 'overexposed';
  }
  if (metrics.sharpness < thresholds.minSharpness) {
    return 'too_blurry';
  }
  return null;
}
