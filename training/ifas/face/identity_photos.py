"""The labelled face photos that ship in packages, for measuring face verification (few, and said so).

Identities with several photos (the genuine pairs):
  - dlib's `bald_guys.jpg` collage (Debian libdlib19.1 examples): 22 detected faces of 4 actors,
    labelled here by hand by the face's centre in the 1986×1545 image;
  - face_recognition 1.3.0's test photos (PyPI): 3 photos of Barack Obama.
Identities with one photo (impostor pairs only): Joe Biden (same source), every face BlazeFace finds
in dlib's 9 PASCAL VOC photos (distinct people), dlib's Tom Cruise portrait, Grace Hopper (samples/).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .blazeface import Face, FaceDetector

# Face centres (x, y) in bald_guys.jpg per identity; a detection is labelled by the nearest centre
# within 40 px, so the labels do not depend on the detector's output order.
BALD_GUYS = {
    "vin_diesel": [(647, 528), (136, 468), (135, 167), (640, 195), (153, 1388), (379, 301)],
    "jason_statham": [(488, 946), (959, 494), (142, 789), (388, 534), (384, 108)],
    "dwayne_johnson": [(1506, 1405), (1590, 273), (1157, 1400), (1881, 503), (1870, 1408)],
    "bruce_willis": [(853, 918), (121, 1071), (846, 1333), (460, 1356), (1150, 859), (1191, 1156)],
}
PORTRAITS = {"obama.jpg": "barack_obama", "obama2.jpg": "barack_obama", "obama3.jpg": "barack_obama",
             "biden.jpg": "joe_biden"}


@dataclass
class LabelledFace:
    identity: str
    source: str
    rgb: np.ndarray  # (H, W, 3) uint8, the whole photo
    face: Face


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def centre(face: Face) -> tuple[float, float]:
    x, y, w, h = face.box
    return x + w / 2, y + h / 2


def labelled_faces(detector: FaceDetector, dlib_faces: Path, photos: Path, samples: Path) -> list[LabelledFace]:
    faces: list[LabelledFace] = []
    collage = load_rgb(dlib_faces / "bald_guys.jpg")
    for face in detector.detect(collage):
        cx, cy = centre(face)
        for identity, centres in BALD_GUYS.items():
            if any(np.hypot(cx - x, cy - y) < 40 for x, y in centres):
                faces.append(LabelledFace(identity, "bald_guys.jpg", collage, face))
    for name, identity in PORTRAITS.items():
        rgb = load_rgb(photos / name)
        found = detector.detect(rgb)
        if found:
            faces.append(LabelledFace(identity, name, rgb, found[0]))
    for path in [*sorted(dlib_faces.glob("20*.jpg")), dlib_faces / "Tom_Cruise_avp_2014_4.jpg",
                 samples / "grace-hopper.jpg"]:
        rgb = load_rgb(path)
        for index, face in enumerate(detector.detect(rgb)):
            faces.append(LabelledFace(f"{path.stem}#{index}", path.name, rgb, face))
    return faces
