"""The Python metrics against hand-computed cases and the shared vector file the TypeScript side uses."""

from __future__ import annotations

import json

import numpy as np

from ifas.metrics import apcer_bpcer, auc, eer_threshold, report, tpr_at_fpr

from .conftest import FIXTURES


def test_hand_computed_case() -> None:
    scores = np.array([0.9, 0.6, 0.4, 0.7, 0.2, 0.1])
    labels = np.array([1, 1, 1, 0, 0, 0])
    assert apcer_bpcer(scores, labels, 0.5) == (1 / 3, 1 / 3)
    assert abs(auc(scores, labels) - 7 / 9) < 1e-12
    threshold, eer = eer_threshold(scores, labels)
    assert abs(eer - 1 / 3) < 1e-12 and 0.4 < threshold <= 0.6
    assert tpr_at_fpr(scores, labels) == 1 / 3


def test_shared_vectors_still_hold() -> None:
    vectors = json.loads((FIXTURES / "eval" / "metric-vectors.json").read_text())
    for case in vectors["cases"]:
        got = report(np.array(case["scores"]), np.array(case["labels"]), case["types"], case["threshold"]).as_dict()
        for key, value in case["expected"].items():
            if isinstance(value, dict):
                for k, v in value.items():
                    assert abs(got[key][k] - v) < 1e-9
            else:
                assert abs(got[key] - value) < 1e-9, (case["name"], key)
