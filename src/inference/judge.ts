/**
 * What the service needs from a model: a check and the model's identity. The in-process IfasEngine
 * is one; a RemoteJudge (src/remote/) that reaches the `infer` function or the infer container (the
 * model on CPU on Lambda, or on a GPU elsewhere) is another, so the API function can stay small.
 */

import type { QualityReason } from '../face/quality-gates.js';
import type { CheckResult, ModelInfo } from './check-result.js';
import type { CheckOptions } from './engine.js';

export interface PreviewOptions {
  /** Pixel limit for the (small, downscaled) preview frame. */
  maxPixels: number;
  /**
   * The width the real frames will have: face sizes are judged as they will be there, so a downscaled
   * preview does not read "move closer" for a face that is fine.
   */
  captureWidth: number;
}

/** Face detection and capture-quality gates on one preview frame: what a hint may say, no liveness. */
export interface FacePreview {
  reason: QualityReason | null;
  faceCount: number;
}

export interface Judge {
  readonly model: ModelInfo;
  /** A warning for packages that must not make real decisions (untrained, reference), else null. */
  readonly statusWarning: string | null;
  check(bytes: Uint8Array, options?: CheckOptions): Promise<CheckResult>;
  /**
   * Only where the face detector runs in this process (the in-process engine with detection on): the
   * face stage alone on a preview frame, for live hints before an attempt. Never the model.
   */
  readonly preview?:
    | ((bytes: Uint8Array, options: PreviewOptions) => Promise<FacePreview>)
    | undefined;
  dispose(): Promise<void>;
}
