"""Writes test/fixtures/eval/metric-vectors.json: score sets and the metrics training/ifas/metrics.py
computes for them, which src/eval/metrics.ts must reproduce (and the Python tests re-check).

  PYTHONPATH=training training/.venv/bin/python -m ifas.metric_vectors --out test/fixtures/eval/metric-vectors.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .metrics import report


def cases() -> list[dict]:
    rng = np.random.default_rng(7)
    out = []
    for name, n_live, n_attack, shift, rounding in [
        ("separable", 40, 60, 3.0, None), ("overlapping", 120, 180, 0.8, None),
        ("ties", 50, 50, 0.5, 2), ("tiny", 3, 4, 1.0, 3),
    ]:
        live = 1 / (1 + np.exp(-(rng.normal(shift / 2, 1, n_live))))
        attack = 1 / (1 + np.exp(-(rng.normal(-shift / 2, 1, n_attack))))
        scores = np.concatenate([live, attack])
        if rounding is not None:
            scores = np.round(scores, rounding)
        labels = np.array([1] * n_live + [0] * n_attack)
        types = ["live"] * n_live + [["print", "replay", "mask"][i % 3] for i in range(n_attack)]
        threshold = 0.5
        out.append({"name": name, "scores": scores.tolist(), "labels": labels.tolist(), "types": types,
                    "threshold": threshold, "expected": report(scores, labels, types, threshold).as_dict()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cases": cases()}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
