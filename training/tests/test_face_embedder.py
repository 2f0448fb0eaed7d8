"""The dlib .dat reader, the ONNX graph against dlib itself (when the build-only sources are present),
and the verification metrics."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ifas.face.dlib_dat import unpack_int
from ifas.face.dlib_resnet_onnx import expected_parameter_sizes
from ifas.face.verification_metrics import equal_error_rate, tar_at, threshold_at_far

SOURCES = Path(__file__).resolve().parents[2] / "test" / ".cache" / "embedder" / "models"
DAT = SOURCES / "dlib_face_recognition_resnet_model_v1.dat"


def test_packed_integers_follow_dlibs_encoding():
    assert unpack_int(bytes([0x01, 0x02]), 0) == (2, 2)
    assert unpack_int(bytes([0x02, 0x80, 0x12]), 0) == (0x1280, 3)
    assert unpack_int(bytes([0x81, 0x05]), 0) == (-5, 2)


def test_architecture_expects_29_convolutions_and_the_projection():
    sizes = expected_parameter_sizes()
    assert len(sizes) == 59 and sizes[0] == 32 * 3 * 49 + 32 and sizes[-1] == 256 * 128


def test_metrics_on_separable_and_overlapping_scores():
    genuine, impostor = np.array([0.9, 0.95, 0.97]), np.array([0.1, 0.2, 0.3, 0.92])
    eer, _ = equal_error_rate(genuine, impostor)
    assert 0 < eer <= 1 / 3
    threshold = threshold_at_far(impostor, 0.0)
    assert tar_at(genuine, impostor, threshold) == (2 / 3, 0.0)


@pytest.mark.skipif(not DAT.exists() or importlib.util.find_spec("dlib") is None,
                    reason="build-only sources absent (scripts/fetch-embedder-sources.sh)")
def test_onnx_graph_matches_dlib_on_a_random_chip(tmp_path):
    import dlib
    import onnx
    import onnxruntime as ort

    from ifas.face.dlib_dat import parameter_tensors
    from ifas.face.dlib_resnet_onnx import build_model

    path = tmp_path / "net.onnx"
    onnx.save(build_model(parameter_tensors(DAT, expected_parameter_sizes())), str(path))
    chip = np.random.default_rng(3).integers(0, 256, (150, 150, 3), dtype=np.uint8)
    ours = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"chip": chip[None].astype(np.float32)})[0][0]
    theirs = np.array(dlib.face_recognition_model_v1(str(DAT)).compute_face_descriptor(chip))
    assert np.abs(ours - theirs).max() < 1e-5
