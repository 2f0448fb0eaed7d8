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

/** The model's two answer words, read as live (Yes) and spoof (No). */
export const JUDGMENTS = ['live', 'spoof'] as const;
export type Judgment = (typeof JUDGMENTS)[number];

/** A judgment, or `uncertain` when a capture-quality gate stopped the check before the model. */
export const DECISIONS = ['live', 'spoof', 'uncertain'] as const;
export type Decision = (typeof DECISIONS)[number];

/** When a rationale is wanted: always, never, or auto (for every decision but live). */
export const EXPLAIN_MODES = ['always', 'never', 'auto'] as const;
export type ExplainMode = (typeof EXPLAIN_MODES)[number];

/**
 * Whether a check with this mode and decision carries a rationale: the model's text for a spoof
 * (or live under `always`), the gate's sentence for an uncertain decision.
 */
export function shouldExplain(mode: ExplainMode, decision: Decision): boolean {
  if (mode === 'auto') return decision !== 'live';
  return mode === 'always';
}

/** What is known after the prefill: everything but the rationale. */
export interface JudgedCheck {
  judgment: Judgment;
  liveness: number;
  threshold: number;
  decision: Judgment;
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
  /** live when liveness ≥ threshold; uncertain when a capture-quality gate stopped the check. */
  decision: Decision;
  /** Why the decision is uncertain (no_face, multiple_faces, face_too_small, too_dark, …), else null. */
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
