"""Writes the shared face-crop test vector from committed public-domain images.

  PYTHONPATH=training training/.venv/bin/python -m ifas.face.make_vectors --fixtures test/fixtures

For each image: the Python detector's faces, the chosen face's crop window (margin 0.25, eyes level),
its corners and a 96² crop's channel means. test/face/crop-parity.test.ts requires the TypeScript
runtime to reproduce boxes, keypoints and corners within one pixel; training/tests/test_face.py
requires the Python side to keep reproducing them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from .blazeface import FaceDetector
from .crop_policy import choose_face, crop_window, window_corners
from .sampler import sample_window

MARGIN = 0.25
CROP_SIZE = 96


def make_inputs(source: Path, images: Path) -> list[Path]:
    """A 256-px portrait and the same portrait turned 15°, as PNG (lossless: both languages decode alike)."""
    portrait = Image.open(source).convert("RGB")
    small = portrait.resize((256, 300), Image.LANCZOS)
    tilted = small.rotate(15, resample=Image.BICUBIC, expand=True, fillcolor=(40, 40, 40))
    paths = [images / "hopper-256.png", images / "hopper-tilted.png"]
    small.save(paths[0])
    tilted.save(paths[1])
    return paths


def vector_for(detector: FaceDetector, path: Path) -> dict:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    faces = detector.detect(rgb)
    face, reason = choose_face(faces)
    entry: dict = {
        "image": f"images/{path.name}",
        "faces": [{"box": list(f.box), "score": f.score, "keypoints": {k: list(v) for k, v in f.keypoints.items()}}
                  for f in faces],
        "reason": reason,
    }
    if face is not None:
        window = crop_window(face, MARGIN)
        crop = sample_window(rgb, window, CROP_SIZE)
        entry["crop"] = {
            "margin": MARGIN,
            "size": CROP_SIZE,
            "window": {"centerX": window.center_x, "centerY": window.center_y, "side": window.side,
                       "angle": window.angle},
            "corners": [list(c) for c in window_corners(window)],
            "channelMeans": crop.reshape(-1, 3).mean(axis=0).tolist(),
        }
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=Path("samples/grace-hopper.jpg"))
    parser.add_argument("--detector", type=Path, default=Path("models/face-detector"))
    args = parser.parse_args(argv)
    detector = FaceDetector(args.detector)
    paths = make_inputs(args.source, args.fixtures / "images")
    vectors = {"tolerancePixels": 1.0, "cases": [vector_for(detector, p) for p in paths]}
    out = args.fixtures / "face" / "vectors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(vectors, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
