"""Score calibration: temperature scaling fitted on dev, expected calibration error, reliability diagram.

The model's liveness is P(Yes) / (P(Yes) + P(No)) = σ(z) with z = logit_Yes − logit_No. Temperature scaling
(Guo et al. 2017) replaces it by σ(z / T), T > 0 fitted to minimise the negative log-likelihood of the dev
labels: the ranking (AUC, EER) is unchanged, only the probabilities move. The runtime applies the same T
(manifest `calibration.temperature`, src/inference/liveness.ts).

  ECE      Σ_b (n_b / n) · |mean label_b − mean score_b| over 15 equal-width score bins (label 1 = live),
           the same in src/eval/metrics.ts
  band     the `uncertain` band [low, high) around the threshold, from dev: below `low` fewer than 1 % of dev
           live samples score, at or above `high` fewer than 1 % of dev attacks do
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ECE_BINS = 15
BAND_RATE = 0.01


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def apply_temperature(scores: np.ndarray, temperature: float) -> np.ndarray:
    return 1 / (1 + np.exp(-logit(scores) / temperature))


def negative_log_likelihood(scores: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(scores, 1e-12, 1 - 1e-12)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """T minimising dev NLL: a log-spaced grid, then a finer grid around the best point."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(200), 200))
    for _ in range(2):
        losses = [negative_log_likelihood(apply_temperature(scores, t), labels) for t in grid]
        best = int(np.argmin(losses))
        low, high = grid[max(0, best - 1)], grid[min(len(grid) - 1, best + 1)]
        grid = np.exp(np.linspace(np.log(low), np.log(high), 50))
    return float(round(grid[int(np.argmin([negative_log_likelihood(apply_temperature(scores, t), labels)
                                          for t in grid]))], 4))


def reliability_bins(scores: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width bin: count, mean score (confidence of "live"), fraction live. Score 1 falls in the last bin."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    index = np.minimum((scores * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        chosen = index == b
        n = int(chosen.sum())
        out.append({"low": b / bins, "high": (b + 1) / bins, "count": n,
                    "meanScore": float(scores[chosen].mean()) if n else None,
                    "fractionLive": float(labels[chosen].mean()) if n else None})
    return out


def expected_calibration_error(scores: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    total = len(scores)
    if total == 0:
        return float("nan")
    return float(sum(b["count"] / total * abs(b["fractionLive"] - b["meanScore"])
                     for b in reliability_bins(scores, labels, bins) if b["count"]))


def uncertain_band(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    """[low, high) around the threshold: outside it, each side errs on < 1 % of dev samples of the other class."""
    live, attack = np.sort(scores[labels == 1]), np.sort(scores[labels == 0])
    low = float(live[int(np.floor(BAND_RATE * len(live)))]) if len(live) else threshold
    high = float(attack[min(len(attack) - 1, int(np.ceil((1 - BAND_RATE) * len(attack))))]) if len(attack) else threshold
    return round(min(low, threshold), 4), round(max(high, threshold), 4)


def reliability_diagram(scores: np.ndarray, labels: np.ndarray, path: Path, title: str) -> None:
    """480×480 PNG: fraction live against mean score per bin (bars), the diagonal, bin counts as shading."""
    size, pad = 480, 50
    plot = size - 2 * pad
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([pad, pad, size - pad, size - pad], outline="black")
    draw.line([pad, size - pad, size - pad, pad], fill=(160, 160, 160))
    bins = reliability_bins(scores, labels)
    most = max(1, max(b["count"] for b in bins))
    for b in bins:
        if not b["count"]:
            continue
        x0, x1 = pad + b["low"] * plot, pad + b["high"] * plot
        shade = int(230 - 150 * b["count"] / most)
        draw.rectangle([x0 + 1, size - pad - b["fractionLive"] * plot, x1 - 1, size - pad], fill=(shade, shade, 255),
                       outline=(40, 40, 160))
        y = size - pad - b["meanScore"] * plot
        draw.line([x0 + 1, y, x1 - 1, y], fill=(200, 30, 30), width=2)
    draw.text((pad, 12), title, fill="black")
    draw.text((pad, 28), f"ECE {expected_calibration_error(scores, labels):.4f}; bars: fraction live, red: mean score",
              fill="black")
    draw.text((size // 2 - 60, size - 30), "liveness score (bin)", fill="black")
    draw.text((5, pad - 16), "fraction live", fill="black")
    image.save(path)
