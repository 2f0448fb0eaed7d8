/**
 * The vocabulary of a check, defined once: judgments, decisions, explain modes, and the shape of a
 * check result. Audit, HTTP schemas, metrics and the remote protocol take their types from here,
 * not from the engine.
 */

import type { FaceReport, QualityReport } from '../face/face-stage.js';
import type { QualityReason } from '../face/quality-gates.js';
import type { Manifest } from '../model/manifest.js';
import type { AttackMedium } from './attack-medium.js';
import type { StopReason } from './generate.js';

export {
  DECISIONS,
  type Decision,
  EXPLAIN_MODES,
  type ExplainMode,
  JUDGMENTS,
  type Judgment,
  shouldExplain,
} from './decisions.js';

import type { Decision, Judgment } from './decisions.js';

/** What is known after the prefill: everything but the rationale. */
export interface JudgedCheck {
  judgment: Judgment;
  liveness: number;
  threshold: number;
  /** live / spoof by the threshold, or uncertain inside the package's dev-set band. */
  decision: Decision;
  /** Whether a rationale will follow. */
  explaining: boolean;
}

export interface ModelInfo {
  name: string;
  version: string;
  status: Manifest['status'];
  packageHash: string;
  executionProvider: 'cpu' | 'cuda';
}

export interface StageTimings {
  decodeMs: number;
  detectMs: number;
  preprocessMs: number;
  visionMs: number;
  prefillMs: number;
  rationaleMs: number;
  totalMs: number;
}

export interface CheckResult {
  /** The model's own answer, the likelier of the two judgment words; null when not judged. */
  judgment: Judgment | null;
  /** P(Yes) / (P(Yes) + P(No)) at the first answer position; null when not judged. */
  liveness: number | null;
  threshold: number;
  /**
   * live when liveness ≥ threshold; uncertain when a capture-quality gate stopped the check, or when the
   * liveness falls in the package's dev-set `uncertain` band (manifest calibration.uncertainBand; then
   * judgment and liveness are set and qualityReason is null).
   */
  decision: Decision;
  /** Why a quality gate made the decision uncertain (no_face, multiple_faces, …), else null. */
  qualityReason: QualityReason | null;
  quality: QualityReport | null;
  /** The judged face (source pixels), null without detection. */
  face: FaceReport | null;
  rationale: string | null;
  /** Token ids after the judgment word, for reproducing a rationale exactly. */
  rationaleTokenIds: number[] | null;
  rationaleStopReason: StopReason | null;
  attackMedium: AttackMedium | null;
  image: { width: number; height: number; format: string };
  timings: StageTimings;
  model: ModelInfo;
}
