"""BlazeFace with Python onnxruntime, the twin of src/face/face-detector.ts and decode-detections.ts:
letterbox with the shared sampler, anchors, sigmoid, weighted NMS, back to source pixels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..files import sha256_file
from .sampler import letterbox_square, sample_window

VALUES_PER_ANCHOR = 16


@dataclass
class Face:
    box: tuple[float, float, float, float]  # x, y, width, height in source pixels
    score: float
    keypoints: dict[str, tuple[float, float]]


def anchor_centres(input_size: int, stride: int, per_cell: int) -> np.ndarray:
    """(cells² · per_cell, 2) centres in input pixels, row-major cells, each repeated per anchor."""
    cells = -(-input_size // stride)
    ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    centres = np.stack([(xs.ravel() + 0.5) * stride, (ys.ravel() + 0.5) * stride], axis=1)
    return np.repeat(centres, per_cell, axis=0)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Boxes as (x, y, w, h)."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float):
    """boxes (n, 4), keypoints (n, k, 2), scores (n,) → kept list of (box, keypoints, score)."""
    order = list(np.argsort(-scores, kind="stable"))
    kept = []
    while order:
        best, others = order[0], order[1:]
        group = [best] + [i for i in others if iou(boxes[best], boxes[i]) > threshold]
        order = [i for i in others if iou(boxes[best], boxes[i]) <= threshold]
        weights = scores[group][:, None]
        total = weights.sum()
        kept.append((
            (boxes[group] * weights).sum(axis=0) / total,
            (keypoints[group] * weights[:, :, None]).sum(axis=0) / total,
            float(scores[best]),
        ))
    return kept


class FaceDetector:
    def __init__(self, folder: Path) -> None:
        self.manifest = json.loads((folder / "manifest.json").read_text())
        for name, digest in self.manifest["files"].items():
            if sha256_file(folder / name) != digest:
                raise ValueError(f"face detector file {name} does not match its SHA-256")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / self.manifest["model"]), options,
                                            providers=["CPUExecutionProvider"])

    def detect(self, rgb: np.ndarray, score_threshold: float | None = None) -> list[Face]:
        """(H, W, 3) uint8 → faces, best score first, in source pixels."""
        spec = self.manifest["input"]
        size, (low, high) = spec["size"], spec["range"]
        threshold = self.manifest["scoreThreshold"] if score_threshold is None else score_threshold
        window = letterbox_square(rgb.shape[1], rgb.shape[0])
        pixels = sample_window(rgb, window, size, 0.0) * np.float32((high - low) / 255) + np.float32(low)
        outputs = dict(zip([o.name for o in self.session.get_outputs()],
                           self.session.run(None, {spec["name"]: pixels[None].astype(np.float32)})))

        boxes, points, scores = [], [], []
        k = len(self.manifest["keypoints"])
        for head in self.manifest["heads"]:
            anchors = anchor_centres(size, head["stride"], head["anchorsPerCell"])
            logits = outputs[head["scores"]].reshape(-1).astype(np.float64)
            raw = outputs[head["boxes"]].reshape(-1, VALUES_PER_ANCHOR).astype(np.float64)
            prob = 1 / (1 + np.exp(-np.clip(logits, -100, 100)))
            for i in np.nonzero(prob >= threshold)[0]:
                cx, cy = anchors[i, 0] + raw[i, 0], anchors[i, 1] + raw[i, 1]
                w, h = raw[i, 2], raw[i, 3]
                boxes.append([cx - w / 2, cy - h / 2, w, h])
                points.append(anchors[i] + raw[i, 4 : 4 + 2 * k].reshape(k, 2))
                scores.append(prob[i])
        if not boxes:
            return []
        kept = weighted_nms(np.array(boxes), np.array(points), np.array(scores), self.manifest["nmsIouThreshold"])

        ratio = window.side / size

        def to_source(x: float, y: float) -> tuple[float, float]:
            return window.center_x + (x - size / 2) * ratio, window.center_y + (y - size / 2) * ratio

        faces = []
        for box, kps, score in kept:
            x, y = to_source(box[0], box[1])
            faces.append(Face(
                box=(float(x), float(y), float(box[2] * ratio), float(box[3] * ratio)),
                score=score,
                keypoints={name: tuple(map(float, to_source(*kps[j]))) for j, name in enumerate(self.manifest["keypoints"])},
            ))
        return faces
