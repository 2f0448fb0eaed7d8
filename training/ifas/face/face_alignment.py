"""Aligns a face for the embedding network from the detector's keypoints: the twin of
src/face/face-alignment.ts.

The embedder was trained on dlib's aligned "face chips". We reproduce that framing from BlazeFace's
keypoints: a template gives where each keypoint sits in the chip (chip pixels, measured once by
`derive_template` on dlib's own chips), and a least-squares similarity transform (rotation, uniform
scale, shift) takes the template onto the detected keypoints. That transform is exactly a rotated
square window for the shared sampler: its centre is where the chip's centre lands, its side is the
chip size times the scale, its angle the rotation.
"""

from __future__ import annotations

import math

import numpy as np

from .blazeface import Face
from .sampler import SquareWindow

ALIGNMENT_KEYPOINTS = ("rightEye", "leftEye", "nose", "mouth")


def fit_similarity(template: np.ndarray, points: np.ndarray) -> tuple[float, float, float, float]:
    """Least-squares points ≈ [[a, −b], [b, a]] · template + (tx, ty); both (k, 2) → (a, b, tx, ty)."""
    t_mean, p_mean = template.mean(axis=0), points.mean(axis=0)
    t, p = template - t_mean, points - p_mean
    norm = float((t**2).sum())
    a = float((t[:, 0] * p[:, 0] + t[:, 1] * p[:, 1]).sum()) / norm
    b = float((t[:, 0] * p[:, 1] - t[:, 1] * p[:, 0]).sum()) / norm
    tx = p_mean[0] - (a * t_mean[0] - b * t_mean[1])
    ty = p_mean[1] - (b * t_mean[0] + a * t_mean[1])
    return a, b, float(tx), float(ty)


def alignment_window(face: Face, template: dict[str, tuple[float, float]], chip_size: int) -> SquareWindow:
    """The rotated square of the source image that the sampler turns into the aligned chip."""
    names = [n for n in ALIGNMENT_KEYPOINTS if n in template and n in face.keypoints]
    tmpl = np.array([template[n] for n in names], dtype=np.float64)
    pts = np.array([face.keypoints[n] for n in names], dtype=np.float64)
    a, b, tx, ty = fit_similarity(tmpl, pts)
    centre = chip_size / 2
    return SquareWindow(a * centre - b * centre + tx, b * centre + a * centre + ty,
                        chip_size * math.hypot(a, b), math.atan2(b, a))
