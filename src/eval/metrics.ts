/**
 * Presentation-attack-detection metrics, identical to training/ifas/metrics.py (both are held to
 * test/fixtures/eval/metric-vectors.json).
 *
 * Label 1 = bona fide (live), 0 = attack; score = liveness; accepted as live when score ≥ threshold.
 * APCER (attacks accepted, per type and overall), BPCER (bona fide rejected), HTER = mean of the two,
 * EER on the 0…1 grid in 1e-4 steps minimising |APCER − BPCER| (lowest threshold on ties), AUC with
 * ties counted ½, TPR at APCER ≤ 1 %, and the expected calibration error of the liveness read as P(live)
 * (15 equal-width bins, score 1 in the last; training/ifas/calibration.py).
 */

export interface EvalSample {
  score: number;
  label: 0 | 1;
  /** "live" or the attack family. */
  type: string;
}

export interface EvalReport {
  auc: number;
  eer: number;
  eerThreshold: number;
  threshold: number;
  hter: number;
  apcer: number;
  bpcer: number;
  apcerByType: Record<string, number>;
  tprAtFpr1: number;
  ece: number;
}

const GRID_STEPS = 10_000;

function split(samples: readonly EvalSample[]): { live: number[]; attack: number[] } {
  return {
    live: samples.filter((s) => s.label === 1).map((s) => s.score),
    attack: samples.filter((s) => s.label === 0).map((s) => s.score),
  };
}

export function apcerBpcer(
  samples: readonly EvalSample[],
  threshold: number,
): { apcer: number; bpcer: number } {
  const { live, attack } = split(samples);
  return {
    apcer: attack.length ? attack.filter((s) => s >= threshold).length / attack.length : 0,
    bpcer: live.length ? live.filter((s) => s < threshold).length / live.length : 0,
  };
}

export function auc(samples: readonly EvalSample[]): number {
  const { live, attack } = split(samples);
  if (live.length === 0 || attack.length === 0) {
    return Number.NaN;
  }
  let wins = 0;
  const sortedAttack = [...attack].sort((a, b) => a - b);
  for (const score of live) {
    const below = lowerBound(sortedAttack, score);
    const equal = lowerBound(sortedAttack, score, true) - below;
    wins += below + equal / 2;
  }
  return wins / (live.length * attack.length);
}

/** Index of the first element ≥ value (or > value when `strict`). */
function lowerBound(sorted: readonly number[], value: number, strict = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const x = sorted[mid] ?? 0;
    if (strict ? x <= value : x < value) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

export function eerThreshold(samples: readonly EvalSample[]): { threshold: number; eer: number } {
  const { live, attack } = split(samples);
  const sortedLive = [...live].sort((a, b) => a - b);
  const sortedAttack = [...attack].sort((a, b) => a - b);
  let best = { threshold: 0, eer: Number.NaN, gap: Number.POSITIVE_INFINITY };
  for (let i = 0; i <= GRID_STEPS; i++) {
    const threshold = Math.round(i) / GRID_STEPS;
    const bpcer = lowerBound(sortedLive, threshold) / Math.max(1, live.length);
    const apcer = 1 - lowerBound(sortedAttack, threshold) / Math.max(1, attack.length);
    const gap = Math.abs(apcer - bpcer);
    if (gap < best.gap) {
      best = { threshold, eer: (apcer + bpcer) / 2, gap };
    }
  }
  return { threshold: best.threshold, eer: best.eer };
}

export function tprAtFpr(samples: readonly EvalSample[], fpr = 0.01): number {
  const { live, attack } = split(samples);
  const thresholds = [...new Set(samples.map((s) => s.score)), Number.POSITIVE_INFINITY];
  let best = 0;
  for (const threshold of thresholds) {
    const falseAccept = attack.filter((s) => s >= threshold).length / Math.max(1, attack.length);
    if (falseAccept <= fpr) {
      best = Math.max(best, live.filter((s) => s >= threshold).length / Math.max(1, live.length));
    }
  }
  return best;
}

export const ECE_BINS = 15;

/** Σ over bins of (share of samples) · |fraction live − mean score|. */
export function expectedCalibrationError(samples: readonly EvalSample[], bins = ECE_BINS): number {
  if (samples.length === 0) {
    return Number.NaN;
  }
  const count = new Array<number>(bins).fill(0);
  const scoreSum = new Array<number>(bins).fill(0);
  const liveSum = new Array<number>(bins).fill(0);
  for (const { score, label } of samples) {
    const bin = Math.min(Math.floor(score * bins), bins - 1);
    count[bin] = (count[bin] ?? 0) + 1;
    scoreSum[bin] = (scoreSum[bin] ?? 0) + score;
    liveSum[bin] = (liveSum[bin] ?? 0) + label;
  }
  let ece = 0;
  for (let bin = 0; bin < bins; bin += 1) {
    const n = count[bin] ?? 0;
    if (n > 0) {
      ece += (n / samples.length) * Math.abs((liveSum[bin] ?? 0) / n - (scoreSum[bin] ?? 0) / n);
    }
  }
  return ece;
}

export function evaluate(samples: readonly EvalSample[], threshold: number): EvalReport {
  const { apcer, bpcer } = apcerBpcer(samples, threshold);
  const apcerByType: Record<string, number> = {};
  for (const type of [...new Set(samples.filter((s) => s.label === 0).map((s) => s.type))].sort()) {
    const ofType = samples.filter((s) => s.type === type);
    apcerByType[type] = ofType.filter((s) => s.score >= threshold).length / ofType.length;
  }
  const eer = eerThreshold(samples);
  return {
    auc: auc(samples),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    threshold,
    hter: (apcer + bpcer) / 2,
    apcer,
    bpcer,
    apcerByType,
    tprAtFpr1: tprAtFpr(samples),
    ece: expectedCalibrationError(samples),
  };
}
