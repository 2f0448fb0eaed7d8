/**
 * Aligns a face for the embedding network from the detector's keypoints (twin of
 * training/ifas/face/face_alignment.py). The embedder's template says where each keypoint sits in its
 * aligned chip; a least-squares similarity transform takes the template onto the detected keypoints,
 * and that transform is exactly a rotated square window for the shared sampler.
 */

import type { SquareWindow } from '../image/affine-sample.js';
import type { Point } from './decode-detections.js';

export const ALIGNMENT_KEYPOINTS = ['rightEye', 'leftEye', 'nose', 'mouth'] as const;

/** Least squares: point ≈ [[a, −b], [b, a]] · templatePoint + (tx, ty). */
export function fitSimilarity(
  template: readonly Point[],
  points: readonly Point[],
): { a: number; b: number; tx: number; ty: number } {
  const mean = (ps: readonly Point[]): Point => ({
    x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
    y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
  });
  const tm = mean(template);
  const pm = mean(points);
  let norm = 0;
  let a = 0;
  let b = 0;
  template.forEach((t, i) => {
    const p = points[i] as Point;
    const tx = t.x - tm.x;
    const ty = t.y - tm.y;
    const px = p.x - pm.x;
    const py = p.y - pm.y;
    norm += tx * tx + ty * ty;
    a += tx * px + ty * py;
    b += tx * py - ty * px;
  });
  a /= norm;
  b /= norm;
  return { a, b, tx: pm.x - (a * tm.x - b * tm.y), ty: pm.y - (b * tm.x + a * tm.y) };
}

/** The source window that the sampler turns into the aligned chip of side `chipSize`. */
export function alignmentWindow(
  keypoints: Readonly<Record<string, Point>>,
  template: Readonly<Record<string, readonly [number, number]>>,
  chipSize: number,
): SquareWindow {
  const names = ALIGNMENT_KEYPOINTS.filter((n) => template[n] && keypoints[n]);
  if (names.length < 2) {
    throw new Error('alignment needs at least two keypoints shared with the template');
  }
  const tmpl = names.map((n) => {
    const [x, y] = template[n] as readonly [number, number];
    return { x, y };
  });
  const { a, b, tx, ty } = fitSimilarity(
    tmpl,
    names.map((n) => keypoints[n] as Point),
  );
  const centre = chipSize / 2;
  return {
    centerX: a * centre - b * centre + tx,
    centerY: b * centre + a * centre + ty,
    side: chipSize * Math.hypot(a, b),
    angle: Math.atan2(b, a),
  };
}
