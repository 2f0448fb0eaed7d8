"""The committed cross-language fixture: Python onnxruntime reproduces the PyTorch goldens that the
TypeScript tests also check, on the same package files and image."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from ifas.goldens import pixel_values_of
from ifas.ort_runner import OrtPackage

from .conftest import FIXTURES


def test_python_onnxruntime_reproduces_committed_goldens() -> None:
    goldens = json.loads((FIXTURES / "goldens" / "ifas-tiny.json").read_text())
    runner = OrtPackage(FIXTURES / goldens["package"])
    x = pixel_values_of(Image.open(FIXTURES / goldens["image"])).numpy()
    atol = goldens["tolerance"]["absolute"]

    visual = runner.visual_tokens(x)
    assert list(visual.shape) == goldens["visualTokens"]["dims"]
    np.testing.assert_allclose(visual[0, 0, :8], goldens["visualTokens"]["head"], atol=atol)

    answer = runner.answer(x, max_new_tokens=goldens["greedy"]["maxNewTokens"])
    np.testing.assert_allclose(answer.judgment_logits[:8], goldens["logitsHead"], atol=atol)
    assert abs(answer.liveness - goldens["liveness"]) < atol
    assert answer.judgment_id == goldens["judgmentTokenId"]
    assert answer.rationale_ids == goldens["greedy"]["tokens"]
