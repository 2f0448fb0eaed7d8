/**
 * The face stage in front of I-FAS: detect faces, choose the subject, check capture quality, and hand
 * the model a square window to crop — or a machine-readable reason to answer `uncertain` instead.
 * Knows faces and pixels; knows nothing about the I-FAS model beyond its crop margin and input size.
 */

import type { RgbImage, SquareWindow } from '../image/affine-sample.js';
import {
  chooseFace,
  cropWindow,
  DEFAULT_FACE_POLICY,
  type FacePolicy,
  rollAngle,
} from './crop-policy.js';
import type { Box, Point } from './decode-detections.js';
import type { FaceDetector } from './face-detector.js';
import {
  DEFAULT_QUALITY_THRESHOLDS,
  measureFace,
  minFaceSizeFor,
  type QualityMetrics,
  type QualityReason,
  type QualityThresholds,
  qualityReason,
} from './quality-gates.js';

export interface FaceReport {
  box: Box;
  score: number;
  keypoints: Record<string, Point>;
  /** Roll that the crop removed, degrees (positive: the face leans clockwise in the image). */
  rollDegrees: number;
}

export interface QualityReport {
  reason: QualityReason | null;
  /** Faces counted as subjects (after ignoring small background faces). */
  faceCount: number;
  metrics: QualityMetrics | null;
}

export type FaceStageResult =
  | { window: SquareWindow; face: FaceReport; quality: QualityReport }
  | { window: null; face: FaceReport | null; quality: QualityReport };

export interface FaceStageOptions {
  policy?: Partial<FacePolicy>;
  /** Gate thresholds; minFaceSize defaults to what the model's input size allows (minFaceSizeFor). */
  thresholds?: Partial<QualityThresholds>;
  /** Detector score threshold (default: the detector manifest's). */
  scoreThreshold?: number;
}

export async function runFaceStage(
  detector: FaceDetector,
  image: RgbImage,
  modelImage: { size: number; faceCropMargin: number },
  options: FaceStageOptions = {},
): Promise<FaceStageResult> {
  const faces = await detector.detect(
    image,
    options.scoreThreshold === undefined ? {} : { scoreThreshold: options.scoreThreshold },
  );
  const choice = chooseFace(faces, { ...DEFAULT_FACE_POLICY, ...options.policy });
  if (!choice.face) {
    return {
      window: null,
      face: null,
      quality: { reason: choice.reason, faceCount: choice.faceCount, metrics: null },
    };
  }
  const face: FaceReport = {
    box: choice.face.box,
    score: choice.face.score,
    keypoints: choice.face.keypoints,
    rollDegrees: (rollAngle(choice.face) * 180) / Math.PI,
  };
  const thresholds: QualityThresholds = {
    ...DEFAULT_QUALITY_THRESHOLDS,
    minFaceSize: minFaceSizeFor(modelImage),
    ...options.thresholds,
  };
  const metrics = measureFace(image, choice.face);
  const reason = qualityReason(metrics, thresholds);
  const quality: QualityReport = { reason, faceCount: choice.faceCount, metrics };
  if (reason) {
    return { window: null, face, quality };
  }
  return { window: cropWindow(choice.face, modelImage.faceCropMargin), face, quality };
}
