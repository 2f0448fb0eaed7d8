/**
 * Which face to judge and which square of the image to show the model — shared with the Python data
 * pipeline (training/ifas/face/crop_policy.py), so training crops and runtime crops are the same.
 *
 * Choice: faces at least `secondaryFaceRatio` × the largest face's side count; with policy `reject`
 * more than one such face is `multiple_faces`, with `largest` the largest is judged.
 * Crop: centred on the face box, side = longer box side × (1 + 2 × margin), rotated so the eyes are
 * level (roll from the eye keypoints).
 */

import type { SquareWindow } from '../image/affine-sample.js';
import type { Face } from './face-detector.js';

export type MultipleFacesPolicy = 'reject' | 'largest';

export interface FacePolicy {
  multipleFaces: MultipleFacesPolicy;
  /** Faces smaller than this fraction of the largest face's side are background, not a second subject. */
  secondaryFaceRatio: number;
}

export const DEFAULT_FACE_POLICY: FacePolicy = { multipleFaces: 'reject', secondaryFaceRatio: 0.4 };

export type FaceChoice =
  | { face: Face; reason: null; faceCount: number }
  | { face: null; reason: 'no_face' | 'multiple_faces'; faceCount: number };

function faceSide(face: Face): number {
  return Math.max(face.box.width, face.box.height);
}

export function chooseFace(
  faces: readonly Face[],
  policy: FacePolicy = DEFAULT_FACE_POLICY,
): FaceChoice {
  if (faces.length === 0) {
    return { face: null, reason: 'no_face', faceCount: 0 };
  }
  const bySize = [...faces].sort((a, b) => faceSide(b) - faceSide(a));
  const largest = bySize[0] as Face;
  const subjects = bySize.filter(
    (face) => faceSide(face) >= policy.secondaryFaceRatio * faceSide(largest),
  );
  if (subjects.length > 1 && policy.multipleFaces === 'reject') {
    return { face: null, reason: 'multiple_faces', faceCount: subjects.length };
  }
  return { face: largest, reason: null, faceCount: subjects.length };
}

/** Roll angle (radians) that levels the eyes; 0 without eye keypoints. */
export function rollAngle(face: Face): number {
  const right = face.keypoints.rightEye;
  const left = face.keypoints.leftEye;
  if (!right || !left) {
    return 0;
  }
  return Math.atan2(left.y - right.y, left.x - right.x);
}

export function cropWindow(face: Face, margin: number): SquareWindow {
  return {
    centerX: face.box.x + face.box.width / 2,
    centerY: face.box.y + face.box.height / 2,
    side: faceSide(face) * (1 + 2 * margin),
    angle: rollAngle(face),
  };
}

/** The four corners of a window in source pixels (top-left, top-right, bottom-right, bottom-left). */
export function windowCorners(window: SquareWindow): Array<{ x: number; y: number }> {
  const half = window.side / 2;
  const cos = Math.cos(window.angle);
  const sin = Math.sin(window.angle);
  return [
    [-half, -half],
    [half, -half],
    [half, half],
    [-half, half],
  ].map(([du = 0, dv = 0]) => ({
    x: window.centerX + cos * du - sin * dv,
    y: window.centerY + sin * du + cos * dv,
  }));
}
