"""PyTorch vs Python onnxruntime on the exported graphs.

Tolerances (fp32 on both sides): visual tokens and judgment logits agree within 1e-4 absolute plus
1e-5 relative (the spread test weights make activations reach ~100); greedy
rationale tokens are identical; liveness within 1e-5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from ifas.checkpoint import Checkpoint
from ifas.ort_runner import OrtPackage
from ifas.prompt import LIVE_WORD, SPOOF_WORD
from ifas.tokenizer import eos_id, single_token_id

ATOL, RTOL = 1e-4, 1e-5


def pixels(seed: int, size: int) -> torch.Tensor:
    return torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def test_visual_tokens_match(tiny_checkpoint: Checkpoint, tiny_package: Path) -> None:
    runner = OrtPackage(tiny_package)
    for seed in range(3):
        x = pixels(seed, runner.manifest["image"]["size"])
        expected = tiny_checkpoint.model.encode_image(x).numpy()
        np.testing.assert_allclose(runner.visual_tokens(x.numpy()), expected, atol=ATOL, rtol=RTOL)


@torch.no_grad()
def test_first_answer_logits_liveness_and_greedy_rationale_match(tiny_checkpoint: Checkpoint, tiny_package: Path) -> None:
    runner = OrtPackage(tiny_package)
    prompt = runner.manifest["prompt"]
    model, tok = tiny_checkpoint.model, tiny_checkpoint.tokenizer
    judgment_ids = (single_token_id(tok, LIVE_WORD), single_token_id(tok, SPOOF_WORD))
    for seed in range(3):
        x = pixels(seed, runner.manifest["image"]["size"])
        logits = model.judgment_logits(x, prompt["prefixIds"], prompt["suffixIds"])[0].numpy()
        liveness, judgment, rationale = model.generate(
            x, prompt["prefixIds"], prompt["suffixIds"], judgment_ids, 16, eos_id(tok)
        )
        answer = runner.answer(x.numpy(), max_new_tokens=16)
        np.testing.assert_allclose(answer.judgment_logits, logits, atol=ATOL, rtol=RTOL)
        assert abs(answer.liveness - liveness) < 1e-5
        assert answer.judgment_id == judgment
        assert answer.rationale_ids == rationale
        assert len(rationale) > 0


def test_decoder_accepts_any_past_and_sequence_length(tiny_checkpoint: Checkpoint, tiny_package: Path) -> None:
    runner = OrtPackage(tiny_package)
    cfg = tiny_checkpoint.model.cfg.decoder
    decoder = tiny_checkpoint.model.decoder
    for past_len, seq in [(0, 1), (0, 11), (5, 1), (7, 4)]:
        x = torch.randn(1, seq, cfg.hidden_size)
        past = [torch.randn(1, cfg.kv_heads, past_len, cfg.head_dim) for _ in range(2 * cfg.layers)]
        mask = torch.ones(1, past_len + seq, dtype=torch.long)
        pos = torch.arange(past_len, past_len + seq)[None]
        with torch.no_grad():
            expected, presents = decoder(x, mask, pos, [(past[2 * i], past[2 * i + 1]) for i in range(cfg.layers)])
        logits, new_cache = runner.step(x.numpy(), [p.numpy() for p in past])
        np.testing.assert_allclose(logits, expected[0, -1].numpy(), atol=ATOL, rtol=RTOL)
        assert new_cache[0].shape == (1, cfg.kv_heads, past_len + seq, cfg.head_dim)


def test_text_decoder_variant_runs_the_same_weights(tiny_checkpoint: Checkpoint, tiny_package: Path) -> None:
    """The transformers.js view (input_ids in, embedding inside) gives the decoder graph's logits."""
    runner = OrtPackage(tiny_package)
    text = ort.InferenceSession(str(tiny_package / runner.manifest["graphs"]["textDecoder"]))
    ids = np.array([runner.manifest["prompt"]["suffixIds"]], dtype=np.int64)
    feeds = {
        "input_ids": ids,
        "attention_mask": np.ones_like(ids),
        "position_ids": np.arange(ids.shape[1], dtype=np.int64)[None],
    }
    feeds |= {name: value for name, value in zip(
        [i.name for i in text.get_inputs()][3:], runner.empty_cache())}
    text_logits = text.run(["logits"], feeds)[0][0, -1]
    embed_logits, _ = runner.step(runner.embed_ids(ids[0].tolist())[None], runner.empty_cache())
    np.testing.assert_allclose(text_logits, embed_logits, atol=1e-5)
