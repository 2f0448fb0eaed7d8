/**
 * The I-FAS scoring rule: liveness = P(Yes) / (P(Yes) + P(No)) at the first answer position, i.e. a
 * softmax over just the two judgment logits (docs/method.md §1.2).
 */

/** Numerically stable two-way softmax; returns P(live). */
export function livenessFromLogits(liveLogit: number, spoofLogit: number): number {
  const top = Math.max(liveLogit, spoofLogit);
  const live = Math.exp(liveLogit - top);
  const spoof = Math.exp(spoofLogit - top);
  return live / (live + spoof);
}
