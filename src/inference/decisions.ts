/**
 * Judgments, decisions and explain modes: the words of a check, in a leaf module with no imports,
 * so the light guard package (packages/guard-client) can share them without the engine's types.
 * check-result.ts re-exports them with the rest of the vocabulary.
 */

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
