/**
 * The I-FAS scoring rule: liveness = P(Yes) / (P(Yes) + P(No)) at the first answer position, i.e. a
 * softmax over just the two judgment logits (docs/method.md §1.2) — divided by the package's
 * calibration temperature T (manifest `calibration.temperature`, fitted on dev by the exporter, 1 when the
 * package has none): liveness = σ((logit_Yes − logit_No) / T). T changes probabilities, never the ranking.
 */

import type { Decision } from './decisions.js';

/** Numerically stable two-way softmax at temperature T; returns P(live). */
export function livenessFromLogits(liveLogit: number, spoofLogit: number, temperature = 1): number {
  const live = liveLogit / temperature;
  const spoof = spoofLogit / temperature;
  const top = Math.max(live, spoof);
  const liveWeight = Math.exp(live - top);
  const spoofWeight = Math.exp(spoof - top);
  return liveWeight / (liveWeight + spoofWeight);
}

/**
 * The decision for a judged face. `uncertain` when the calibrated liveness falls in the package's
 * `uncertain` band [low, high) — the score range where, on dev, the other class still scored more than
 * 1 % of the time — else live at or above the threshold, spoof below. `band` null: threshold only.
 */
export function decisionFromLiveness(
  liveness: number,
  threshold: number,
  band: readonly [number, number] | null,
): Decision {
  if (band !== null && liveness >= band[0] && liveness < band[1]) return 'uncertain';
  return liveness >= threshold ? 'live' : 'spoof';
}
