"""Python onnxruntime baseline for bench/run.ts: the same graphs, the same procedure, timed in Python.

  PYTHONPATH=training training/.venv/bin/python bench/python_baseline.py --package DIR --image PNG \
      --tokens 32 --vision-threads 2 --decoder-threads 1

It serves timing requests on stdin so the benchmark can alternate Python and TypeScript runs in
blocks (machine-load drift then falls on both alike). First line out: {"ready": true, "tokens": [...]}.
Then each input line is a job name, answered with one line {"ms": <milliseconds>}:
  raw      vision + prefill on precomputed pixel values (the graphs alone)
  score    PNG bytes → decode → vision + prefill (what the runtime's score-only check does)
  answer   score, then `--tokens` rationale tokens (EOS suppressed so every run decodes the same count)
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ifas.ort_runner import OrtPackage


def pixel_values(png: bytes, manifest: dict) -> np.ndarray:
    spec = manifest["image"]
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32) / 255.0
    assert rgb.shape[:2] == (spec["size"], spec["size"]), "bench image must be at model size"
    normalised = (rgb - np.array(spec["mean"], np.float32)) / np.array(spec["std"], np.float32)
    return normalised.transpose(2, 0, 1)[None].copy()


def score_only(runner: OrtPackage, png: bytes) -> None:
    raw_score_only(runner, pixel_values(png, runner.manifest))


def raw_score_only(runner: OrtPackage, x: np.ndarray) -> None:
    """Vision + prefill on precomputed pixel values: the graphs alone, no image decoding."""
    runner.prefill(x)


def answer_fixed_length(runner: OrtPackage, png: bytes, tokens: int) -> list[int]:
    """The runtime's answer with EOS suppressed, so every run decodes exactly `tokens` tokens."""
    return runner.answer(pixel_values(png, runner.manifest), tokens, suppress_eos=True).rationale_ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", type=Path, required=True)
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--vision-threads", type=int, default=None)
    parser.add_argument("--decoder-threads", type=int, default=1)
    args = parser.parse_args()

    runner = OrtPackage(args.package, vision_threads=args.vision_threads, decoder_threads=args.decoder_threads)
    png = args.image.read_bytes()
    x = pixel_values(png, runner.manifest)
    jobs = {
        "raw": lambda: raw_score_only(runner, x),
        "score": lambda: score_only(runner, png),
        "answer": lambda: answer_fixed_length(runner, png, args.tokens),
    }
    print(json.dumps({"ready": True, "tokens": answer_fixed_length(runner, png, args.tokens)}), flush=True)
    for line in sys.stdin:
        job = jobs[line.strip()]
        start = time.perf_counter()
        job()
        print(json.dumps({"ms": (time.perf_counter() - start) * 1000}), flush=True)


if __name__ == "__main__":
    main()
