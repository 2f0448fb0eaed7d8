/**
 * The I-FAS scoring rule: liveness = P(Yes) / (P(Yes) + P(No)) at the first answer position, i.e. a
 * softmax over just the two judgment logits (docs/method.md §1.2) — divided by the package's
 * calibration temperature T (manifest `calibration.temperature`, fitted on dev by the exporter, 1 when the
 * package has none): liveness = σ((logit_Yes − logit_No) / T). T changes probabilities, never the ranking.
 */

/** Numerically stable two-way softmax at temperature T; returns P(live). */
export function livenessFromLogits(liveLogit: number, spoofLogit: number, temperature = 1): number {
  const live = liveLogit / temperature;
  const spoof = spoofLogit / temperature;
  const top = Math.max(live, spoof);
  const liveWeight = Math.exp(live - top);
  const spoofWeight = Math.exp(spoof - top);
  return liveWeight / (liveWeight + spoofWeight);
}
