"""The Python face pipeline: sampler geometry, detector, crop policy, and the shared crop vector."""

from __future__ import annotations

import json
import math

import numpy as np
from PIL import Image

from ifas.face.blazeface import FaceDetector, anchor_centres
from ifas.face.crop_policy import choose_face, crop_window, window_corners
from ifas.face.sampler import SquareWindow, box_reduce, sample_window

from .conftest import FIXTURES, REPO


def test_identity_window_reproduces_the_image() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = sample_window(rgb, SquareWindow(4, 4, 8, 0), 8)
    np.testing.assert_allclose(out, rgb, atol=1e-4)


def test_quarter_turn_rotates_pixels() -> None:
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    rgb[0, 3] = 255  # top-right pixel
    out = sample_window(rgb, SquareWindow(2, 2, 4, math.pi / 2), 4)
    # Output x runs down the source: the source's top-right pixel lands at output top-left.
    assert out[0, 0, 0] > 250 and out[:, :, 0].sum() < 256


def test_box_reduce_averages_blocks() -> None:
    rgb = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3)
    reduced = box_reduce(rgb, 2)
    assert reduced.shape == (2, 2, 3)
    assert reduced[0, 0, 0] == round((0 + 3 + 12 + 15) / 4)


def test_anchor_layout_matches_blazeface_heads() -> None:
    assert anchor_centres(256, 16, 2).shape == (512, 2)
    assert anchor_centres(256, 32, 6).shape == (384, 2)
    assert tuple(anchor_centres(256, 16, 2)[2]) == (24.0, 8.0)


def test_group_photo_is_multiple_faces_and_a_portrait_one_face() -> None:
    detector = FaceDetector(REPO / "models" / "face-detector")
    portrait = np.asarray(Image.open(REPO / "samples" / "grace-hopper.jpg").convert("RGB"))
    face, reason = choose_face(detector.detect(portrait))
    assert reason is None and face is not None and face.score > 0.8
    blank = np.full((300, 300, 3), 128, dtype=np.uint8)
    assert choose_face(detector.detect(blank)) == (None, "no_face")


def test_python_pipeline_reproduces_the_shared_crop_vector() -> None:
    vectors = json.loads((FIXTURES / "face" / "vectors.json").read_text())
    detector = FaceDetector(REPO / "models" / "face-detector")
    tolerance = vectors["tolerancePixels"]
    for case in vectors["cases"]:
        rgb = np.asarray(Image.open(FIXTURES / case["image"]).convert("RGB"))
        faces = detector.detect(rgb)
        assert len(faces) == len(case["faces"])
        for face, want in zip(faces, case["faces"]):
            np.testing.assert_allclose(face.box, want["box"], atol=tolerance)
        face, reason = choose_face(faces)
        assert reason == case["reason"]
        corners = window_corners(crop_window(face, case["crop"]["margin"]))
        np.testing.assert_allclose(corners, case["crop"]["corners"], atol=tolerance)


def test_crop_face_returns_the_runtime_crop_or_the_reason() -> None:
    from ifas.face.pipeline import crop_face

    detector = FaceDetector(REPO / "models" / "face-detector")
    portrait = np.asarray(Image.open(REPO / "samples" / "grace-hopper.jpg").convert("RGB"))
    crop, reason = crop_face(portrait, detector, size=96, margin=0.25)
    assert reason is None and crop is not None and crop.pixels.shape == (96, 96, 3)
    assert crop.window.side > max(crop.face.box[2:])  # margin added around the box
    assert crop_face(np.zeros((200, 200, 3), np.uint8), detector, 96, 0.25) == (None, "no_face")
