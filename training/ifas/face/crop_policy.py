"""Which face to judge and which square to crop: the twin of src/face/crop-policy.ts, so the training
data is cropped exactly as the runtime crops (checked by test/fixtures/face/vectors.json)."""

from __future__ import annotations

import math

from .blazeface import Face
from .sampler import SquareWindow

SECONDARY_FACE_RATIO = 0.4


def face_side(face: Face) -> float:
    return max(face.box[2], face.box[3])


def choose_face(faces: list[Face], policy: str = "reject",
                secondary_face_ratio: float = SECONDARY_FACE_RATIO) -> tuple[Face | None, str | None]:
    """(face, None) or (None, "no_face" | "multiple_faces")."""
    if not faces:
        return None, "no_face"
    by_size = sorted(faces, key=face_side, reverse=True)
    subjects = [f for f in by_size if face_side(f) >= secondary_face_ratio * face_side(by_size[0])]
    if len(subjects) > 1 and policy == "reject":
        return None, "multiple_faces"
    return by_size[0], None


def roll_angle(face: Face) -> float:
    right, left = face.keypoints.get("rightEye"), face.keypoints.get("leftEye")
    if right is None or left is None:
        return 0.0
    return math.atan2(left[1] - right[1], left[0] - right[0])


def crop_window(face: Face, margin: float) -> SquareWindow:
    x, y, w, h = face.box
    return SquareWindow(x + w / 2, y + h / 2, face_side(face) * (1 + 2 * margin), roll_angle(face))


def window_corners(window: SquareWindow) -> list[tuple[float, float]]:
    half, cos, sin = window.side / 2, math.cos(window.angle), math.sin(window.angle)
    return [(window.center_x + cos * du - sin * dv, window.center_y + sin * du + cos * dv)
            for du, dv in [(-half, -half), (half, -half), (half, half), (-half, half)]]
