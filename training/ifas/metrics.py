"""Presentation-attack-detection metrics, identical to src/eval/metrics.ts (a shared test vector file,
test/fixtures/eval/metric-vectors.json, holds both to the same numbers).

Conventions (docs/method.md §1.3; ISO/IEC 30107-3): label 1 = bona fide (live), 0 = attack;
score = liveness (higher = more live); a sample is accepted as live when score ≥ threshold.
  APCER  attacks accepted as live / attacks          (per attack type; the worst type is reported too)
  BPCER  bona fide rejected / bona fide
  HTER   (APCER_all + BPCER) / 2 at a given threshold
  EER    where APCER = BPCER, found on the 0…1 grid in 1e-4 steps minimising |APCER − BPCER|
         (FLIP's convention), ties broken by the lowest threshold
  AUC    probability a random live sample outscores a random attack (ties count ½)
  TPR@FPR=1%  largest bona fide acceptance with APCER ≤ 1 %
  ECE    expected calibration error of the liveness as P(live), 15 equal-width bins (ifas.calibration)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration import expected_calibration_error

GRID = np.round(np.arange(0, 10001) / 10000, 4)


def apcer_bpcer(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    live, attack = scores[labels == 1], scores[labels == 0]
    apcer = float((attack >= threshold).mean()) if attack.size else 0.0
    bpcer = float((live < threshold).mean()) if live.size else 0.0
    return apcer, bpcer


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    live, attack = scores[labels == 1], scores[labels == 0]
    if live.size == 0 or attack.size == 0:
        return float("nan")
    order = np.argsort(np.concatenate([live, attack]), kind="mergesort")
    values = np.concatenate([live, attack])[order]
    ranks = np.empty(values.size)
    i = 0
    while i < values.size:  # average ranks over ties
        j = i
        while j + 1 < values.size and values[j + 1] == values[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    live_ranks = ranks[np.argsort(order, kind="mergesort")[: live.size]]
    return float((live_ranks.sum() - live.size * (live.size + 1) / 2) / (live.size * attack.size))


def eer_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(threshold, EER) on the 1e-4 grid."""
    live, attack = np.sort(scores[labels == 1]), np.sort(scores[labels == 0])
    bpcer = np.searchsorted(live, GRID, side="left") / max(1, live.size)
    apcer = 1 - np.searchsorted(attack, GRID, side="left") / max(1, attack.size)
    best = int(np.argmin(np.abs(apcer - bpcer)))
    return float(GRID[best]), float((apcer[best] + bpcer[best]) / 2)


def tpr_at_fpr(scores: np.ndarray, labels: np.ndarray, fpr: float = 0.01) -> float:
    live, attack = scores[labels == 1], scores[labels == 0]
    best = 0.0
    for threshold in np.unique(np.concatenate([scores, [np.inf]])):
        if (attack >= threshold).mean() <= fpr:
            best = max(best, float((live >= threshold).mean()))
    return best


@dataclass
class Report:
    auc: float
    eer: float
    eer_threshold: float
    threshold: float
    hter: float
    apcer: float
    bpcer: float
    apcer_by_type: dict[str, float]
    tpr_at_fpr_1: float
    ece: float

    def as_dict(self) -> dict:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def report(scores: np.ndarray, labels: np.ndarray, types: list[str], threshold: float) -> Report:
    """All metrics at `threshold` (e.g. fixed on dev); `types` names each sample's family ("live", …)."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    apcer, bpcer = apcer_bpcer(scores, labels, threshold)
    by_type = {}
    for family in sorted({t for t, label in zip(types, labels) if label == 0}):
        mask = np.array([t == family for t in types])
        by_type[family] = float((scores[mask] >= threshold).mean())
    eer_t, eer = eer_threshold(scores, labels)
    return Report(auc(scores, labels), eer, eer_t, threshold, (apcer + bpcer) / 2, apcer, bpcer, by_type,
                  tpr_at_fpr(scores, labels), expected_calibration_error(scores, labels))
