"""One call for the data builder: image → the same model-input face crop the runtime would judge, or
the reason the runtime would answer `uncertain` instead (no_face / multiple_faces)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blazeface import Face, FaceDetector
from .crop_policy import choose_face, crop_window
from .sampler import SquareWindow, sample_window


@dataclass
class FaceCrop:
    pixels: np.ndarray  # (size, size, 3) float32, 0–255
    face: Face
    window: SquareWindow


def crop_face(rgb: np.ndarray, detector: FaceDetector, size: int, margin: float,
              policy: str = "reject") -> tuple[FaceCrop | None, str | None]:
    """(H, W, 3) uint8 → (crop, None) or (None, reason)."""
    face, reason = choose_face(detector.detect(rgb), policy)
    if face is None:
        return None, reason
    window = crop_window(face, margin)
    return FaceCrop(sample_window(rgb, window, size), face, window), None
