"""Builds models/face-embedder/: dlib's ResNet face-recognition network as ONNX, the alignment template
for BlazeFace's keypoints, and the verification threshold measured on the labelled photos we have.

  bash scripts/fetch-embedder-sources.sh && bash scripts/fetch-dlib-faces.sh
  PYTHONPATH=training training/.venv/bin/python -m ifas.face.build_embedder_package --out models/face-embedder

Steps: (1) read the weights from dlib's .dat and build the graph (ifas.face.dlib_resnet_onnx);
(2) parity: dlib's own descriptor vs the ONNX graph on dlib's aligned chips; (3) where BlazeFace puts
its keypoints on dlib's chips (the alignment template), measured on the one-photo faces only;
(4) EER and TAR at FAR 0.1 % of the whole runtime path (BlazeFace → template alignment → ONNX) on
every genuine and impostor pair, and the threshold at that FAR; (5) the manifest, model card, licence,
and the fixtures the TypeScript tests check against.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import dlib
import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

from ..files import sha256_file
from .blazeface import FaceDetector
from .dlib_dat import parameter_tensors
from .dlib_resnet_onnx import CHIP_SIZE, DESCRIPTOR_SIZE, build_model, expected_parameter_sizes
from .face_alignment import ALIGNMENT_KEYPOINTS, alignment_window
from .identity_photos import LabelledFace, labelled_faces
from .sampler import sample_window
from .verification_metrics import equal_error_rate, pair_scores, tar_at, threshold_at_far

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "test" / ".cache"
MODEL_FILE = "dlib-resnet-face-v1.onnx"
TARGET_FAR = 0.001
CHIP_PADDING = 0.25  # dlib's get_face_chip default framing, which the network was trained on
CANVAS = 2 * CHIP_SIZE


class DlibReference:
    """dlib's own pipeline: HOG detector, 5-point shape predictor, face chip, ResNet descriptor."""

    def __init__(self, models: Path) -> None:
        self.detector = dlib.get_frontal_face_detector()
        self.shapes = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self.net = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))

    def chip(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """The chip of the face at `box` (from BlazeFace), framed by dlib's landmarks."""
        x, y, w, h = box
        rect = dlib.rectangle(int(x), int(y), int(x + w), int(y + h))
        return dlib.get_face_chip(rgb, self.shapes(rgb, rect), CHIP_SIZE, CHIP_PADDING)

    def descriptor(self, chip: np.ndarray) -> np.ndarray:
        return np.array(self.net.compute_face_descriptor(chip), dtype=np.float32)


def normalised(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def keypoints_on_chip(detector: FaceDetector, chip: np.ndarray) -> dict[str, tuple[float, float]] | None:
    """BlazeFace's keypoints on a dlib chip, in chip pixels (the chip is centred on a grey canvas so the
    detector sees the whole head)."""
    canvas = np.full((CANVAS, CANVAS, 3), 128, np.uint8)
    offset = (CANVAS - CHIP_SIZE) // 2
    canvas[offset : offset + CHIP_SIZE, offset : offset + CHIP_SIZE] = chip
    faces = detector.detect(canvas)
    if not faces:
        return None
    return {k: (x - offset, y - offset) for k, (x, y) in faces[0].keypoints.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "face-embedder")
    parser.add_argument("--sources", type=Path, default=CACHE / "embedder")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "test" / "fixtures" / "face")
    args = parser.parse_args(argv)
    models = args.sources / "models"
    args.out.mkdir(parents=True, exist_ok=True)

    # (1) Convert.
    dat = models / "dlib_face_recognition_resnet_model_v1.dat"
    onnx_path = args.out / MODEL_FILE
    onnx.save(build_model(parameter_tensors(dat, expected_parameter_sizes())), str(onnx_path))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def embed(chips: np.ndarray) -> np.ndarray:
        return session.run(None, {"chip": chips.astype(np.float32)})[0]

    detector = FaceDetector(ROOT / "models" / "face-detector")
    reference = DlibReference(models)
    faces = labelled_faces(detector, CACHE / "dlib-faces", args.sources / "photos", ROOT / "samples")
    counts = {i: sum(f.identity == i for f in faces) for i in {f.identity for f in faces}}

    # (2) Parity with dlib on dlib's chips, and (3) the template from the one-photo faces.
    dlib_chips = [reference.chip(f.rgb, f.face.box) for f in faces]
    dlib_descriptors = np.stack([reference.descriptor(c) for c in dlib_chips])
    onnx_descriptors = embed(np.stack(dlib_chips))
    parity = float(np.abs(dlib_descriptors - onnx_descriptors).max())
    placed = [keypoints_on_chip(detector, c) for f, c in zip(faces, dlib_chips) if counts[f.identity] == 1]
    placed = [p for p in placed if p is not None]
    template = {k: tuple(round(float(np.mean([p[k][i] for p in placed])), 2) for i in (0, 1))
                for k in ALIGNMENT_KEYPOINTS}

    # (4) The runtime path on every face: BlazeFace keypoints → aligned chip → ONNX.
    def aligned_chip(face: LabelledFace) -> np.ndarray:
        return sample_window(face.rgb, alignment_window(face.face, template, CHIP_SIZE), CHIP_SIZE)

    ours = normalised(embed(np.stack([aligned_chip(f) for f in faces])))
    identities = [f.identity for f in faces]
    genuine, impostor = pair_scores(ours, identities)
    eer, eer_threshold = equal_error_rate(genuine, impostor)
    threshold = threshold_at_far(impostor, TARGET_FAR)
    tar, far = tar_at(genuine, impostor, threshold)
    dlib_genuine, dlib_impostor = pair_scores(normalised(dlib_descriptors), identities)
    dlib_eer, _ = equal_error_rate(dlib_genuine, dlib_impostor)
    dlib_tar, _ = tar_at(dlib_genuine, dlib_impostor, threshold_at_far(dlib_impostor, TARGET_FAR))
    agreement = float(np.sum(ours * normalised(dlib_descriptors), axis=1).mean())
    measured = {
        "faces": len(faces), "identities": len(counts),
        "identitiesWithSeveralPhotos": sum(c > 1 for c in counts.values()),
        "genuinePairs": int(genuine.size), "impostorPairs": int(impostor.size),
        "eer": round(eer, 4), "eerThreshold": round(eer_threshold, 4),
        "thresholdAtFar0.1%": round(threshold, 4), "tarAtFar0.1%": round(tar, 4), "farAtThreshold": round(far, 5),
        "genuineMin": round(float(genuine.min()), 4), "impostorMax": round(float(impostor.max()), 4),
        "dlibPipelineEer": round(dlib_eer, 4), "dlibPipelineTarAtFar0.1%": round(dlib_tar, 4),
        "meanCosineToDlibChipDescriptor": round(agreement, 4),
        "parityMaxAbsDiffVsDlib": parity,
        "templateFromFaces": len(placed),
    }
    print(json.dumps(measured, indent=2))

    # (5) Package and fixtures.
    shutil.copyfile(models / "LICENSE-CC0", args.out / "LICENSE-CC0")
    (args.out / "MODEL_CARD.md").write_text(model_card(measured, template))
    (args.out / "evaluation.json").write_text(json.dumps(measured, indent=2) + "\n")
    manifest = {
        "formatVersion": 1,
        "name": "dlib-resnet-face-v1",
        "licence": "CC0-1.0",
        "source": "PyPI face_recognition_models==0.3.0 dlib_face_recognition_resnet_model_v1.dat (Davis King, dlib)",
        "model": MODEL_FILE,
        "modelCard": "MODEL_CARD.md",
        "input": {"name": "chip", "size": CHIP_SIZE, "layout": "NHWC", "range": [0, 255]},
        "output": {"name": "descriptor", "size": DESCRIPTOR_SIZE},
        "alignment": {"template": {k: list(v) for k, v in template.items()}},
        "similarity": "cosine",
        "threshold": {
            "value": round(threshold, 4),
            "provenance": f"cosine similarity at FAR ≤ 0.1 % on {impostor.size} impostor pairs "
                          f"({genuine.size} genuine pairs, {len(faces)} faces of {len(counts)} people); see MODEL_CARD.md",
        },
        "files": {},
    }
    manifest["files"] = {p.name: sha256_file(p) for p in sorted(args.out.iterdir()) if p.name != "manifest.json"}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    # Parity fixture (public-domain Grace Hopper): dlib's chip and dlib's descriptor for it; the aligned
    # chip window and descriptor of our runtime path, for the TypeScript embedder to reproduce.
    hopper = next(i for i, f in enumerate(faces) if f.source == "grace-hopper.jpg")
    Image.fromarray(dlib_chips[hopper]).save(args.fixtures / "grace-hopper-dlib-chip.png")
    window = alignment_window(faces[hopper].face, template, CHIP_SIZE)
    (args.fixtures / "embedder-parity.json").write_text(json.dumps({
        "dlibChip": "grace-hopper-dlib-chip.png",
        "dlibDescriptor": [round(float(v), 7) for v in dlib_descriptors[hopper]],
        "keypoints": {k: list(v) for k, v in faces[hopper].face.keypoints.items()},
        "window": {"centerX": window.center_x, "centerY": window.center_y, "side": window.side, "angle": window.angle},
        "alignedDescriptor": [round(float(v), 7) for v in embed(aligned_chip(faces[hopper])[None])[0]],
    }, indent=1) + "\n")
    print(f"wrote {args.out}: threshold {threshold:.4f}, {onnx_path.stat().st_size / 1e6:.1f} MB ONNX")


def model_card(m: dict, template: dict) -> str:
    return f"""# Face embedder: dlib ResNet face recognition v1 (ONNX)

## What it is
dlib's `dlib_face_recognition_resnet_model_v1` (Davis King): a 29-layer ResNet that maps a 150×150
aligned face chip to a 128-d descriptor; faces of one person lie close together. Trained by its author
with a metric loss on about 3 million faces of about 7,500 people (per dlib's documentation); its
author reports 99.38 % on the LFW benchmark. We did not train it and cannot re-check that figure here.

## Licence and provenance
- Weights: CC0 1.0 Universal (public domain dedication), as stated by the PyPI package
  `face_recognition_models==0.3.0` ("created by Davis King … licensed in the public domain or under
  CC0 1.0 Universal"); the licence text is `LICENSE-CC0`.
- Converted by `training/ifas/face/dlib_dat.py` (reads the float32 tensors out of dlib's serialisation)
  and `training/ifas/face/dlib_resnet_onnx.py` (the network as ONNX, opset 13); weights unchanged.
- Parity with dlib 20.0.1 (`dlib-bin`) on dlib's own chips of {m['faces']} faces: max |Δ| =
  {m['parityMaxAbsDiffVsDlib']:.2e} per descriptor value. Checked in CI by `test/face/face-embedder.test.ts`.

## How the runtime uses it
BlazeFace (models/face-detector) finds the face; a similarity transform takes this template (chip
pixels, measured by BlazeFace on dlib's chips of {m['templateFromFaces']} one-photo faces) onto the detected
keypoints, and the shared sampler cuts the 150×150 chip: {json.dumps(template)}.
Descriptors are L2-normalised and compared by cosine similarity; `matched` is similarity ≥ threshold.
Mean cosine between our aligned-chip descriptor and dlib's own chip descriptor: {m['meanCosineToDlibChipDescriptor']}.

## Measured verification accuracy (small sample — read the caveats)
Every labelled face we can ship-check offline: {m['faces']} faces of {m['identities']} people, of whom only
{m['identitiesWithSeveralPhotos']} have several photos (4 actors in dlib's `bald_guys.jpg` collage, 3 photos of Barack
Obama from face_recognition's tests); the rest are one-photo people (dlib's VOC photos, portraits).

| Path | genuine pairs | impostor pairs | EER | TAR @ FAR ≤ 0.1 % |
|---|---|---|---|---|
| runtime (BlazeFace + template alignment + ONNX) | {m['genuinePairs']} | {m['impostorPairs']} | {m['eer']:.4f} | {m['tarAtFar0.1%']:.4f} |
| dlib's own pipeline (landmarks + chip), same faces | {m['genuinePairs']} | {m['impostorPairs']} | {m['dlibPipelineEer']:.4f} | {m['dlibPipelineTarAtFar0.1%']:.4f} |

- Default threshold: cosine {m['thresholdAtFar0.1%']} (FAR at it on these pairs: {m['farAtThreshold']}).
  Lowest genuine score {m['genuineMin']}, highest impostor {m['impostorMax']}.
- With {m['impostorPairs']} impostor pairs, FAR 0.1 % means at most {int(m['impostorPairs'] * 0.001)} false accepts: the threshold
  is only as good as this handful of people. Five people with several photos cannot show how the model
  behaves across ages, ethnicities, lighting, or twins; measure on your own population before relying on it.
- Command: the one at the top of `training/ifas/face/build_embedder_package.py`.

## Limits
- Identity, not liveness: a printed photo of the account holder matches. ifas-guard requires a live
  decision **and** a match.
- Face recognition is personal data processing; store only descriptors (ifas-guard encrypts them).
"""


if __name__ == "__main__":
    main()
