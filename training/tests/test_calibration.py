"""Temperature scaling, ECE, the uncertain band and the reliability diagram."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ifas.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
    reliability_bins,
    reliability_diagram,
    uncertain_band,
)
from ifas.metrics import auc


def overconfident(seed: int = 0, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from a true P(live) = σ(z); the model reports σ(6 z): right ranking, far too sure."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return 1 / (1 + np.exp(-6 * z)), labels


def test_temperature_recovers_the_overconfidence_and_lowers_ece_without_changing_the_ranking() -> None:
    scores, labels = overconfident()
    temperature = fit_temperature(scores, labels)
    assert 4.5 < temperature < 7.5
    calibrated = apply_temperature(scores, temperature)
    assert expected_calibration_error(calibrated, labels) < 0.04 < expected_calibration_error(scores, labels)
    assert auc(calibrated, labels) == auc(scores, labels)


def test_ece_by_hand_and_the_last_bin_holds_score_one() -> None:
    scores = np.array([0.05, 0.05, 0.95, 1.0])
    labels = np.array([0, 1, 1, 1])
    # bin 0: mean score .05, fraction live .5 → |.45| · 2/4; bin 14: mean .975, fraction 1 → .025 · 2/4
    assert abs(expected_calibration_error(scores, labels) - (0.45 * 0.5 + 0.025 * 0.5)) < 1e-9
    assert reliability_bins(scores, labels)[-1]["count"] == 2


def test_uncertain_band_brackets_the_threshold_from_dev_scores() -> None:
    live = np.linspace(0.3, 1.0, 200)
    attack = np.linspace(0.0, 0.6, 200)
    scores, labels = np.concatenate([live, attack]), np.array([1] * 200 + [0] * 200)
    low, high = uncertain_band(scores, labels, 0.45)
    assert low <= 0.45 <= high
    assert (live < low).mean() <= 0.01 and (attack >= high).mean() <= 0.01
    assert abs(low - 0.3035) < 0.01 and abs(high - 0.597) < 0.01


def test_reliability_diagram_is_a_png(tmp_path: Path) -> None:
    scores, labels = overconfident(1, 300)
    reliability_diagram(scores, labels, tmp_path / "r.png", "test")
    assert Image.open(tmp_path / "r.png").size == (480, 480)
