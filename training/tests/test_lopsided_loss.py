"""L-LM: per-part token means, α weighting, plain-LM baseline, and teacher-forcing alignment."""

from __future__ import annotations

import math

import torch

from ifas.config import PRESETS
from ifas.ifas_model import IFASModel
from ifas.lopsided_loss import lopsided_lm_loss


def uniform_logits(b: int, t: int, v: int) -> torch.Tensor:
    return torch.zeros(b, t, v)


def test_each_part_is_a_token_mean_so_a_long_caption_does_not_swamp_the_judgment() -> None:
    v = 10
    logits = uniform_logits(1, 9, v)
    logits[0, 0, 3] = 5.0  # confident, correct judgment
    targets = torch.tensor([[3, 1, 1, 1, 1, 1, 1, 1, 1]])
    j = torch.tensor([[1, 0, 0, 0, 0, 0, 0, 0, 0]])
    i = 1 - j
    parts = lopsided_lm_loss(logits, targets, j, i, alpha=0.7)
    judgment_ce = -torch.log_softmax(logits[0, 0], -1)[3]
    assert math.isclose(parts.judgment.item(), judgment_ce.item(), rel_tol=1e-6)
    assert math.isclose(parts.interpretation.item(), math.log(v), rel_tol=1e-6)
    assert math.isclose(parts.total.item(), 0.7 * judgment_ce.item() + 0.3 * math.log(v), rel_tol=1e-6)
    plain = lopsided_lm_loss(logits, targets, j, i, alpha=None)
    assert math.isclose(plain.total.item(), (judgment_ce.item() + 8 * math.log(v)) / 9, rel_tol=1e-6)


def test_masked_positions_do_not_count() -> None:
    logits = torch.randn(2, 5, 7)
    targets = torch.tensor([[1, 2, 3, -100, -100], [4, 5, -100, -100, -100]])
    j = torch.tensor([[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    i = torch.tensor([[0, 1, 1, 0, 0], [0, 1, 0, 0, 0]])
    a = lopsided_lm_loss(logits, targets, j, i).total
    logits[:, 3:] += torch.randn(2, 2, 7) * 10
    assert torch.allclose(a, lopsided_lm_loss(logits, targets, j, i).total)


def test_answer_logits_align_with_greedy_prefill() -> None:
    torch.manual_seed(0)
    model = IFASModel(PRESETS["tiny"]).eval()
    x = torch.randn(2, 3, 32, 32)
    prefix, suffix = [1], [5, 6, 7]
    answer = torch.tensor([[9, 10, 11], [12, 13, 2]])
    with torch.no_grad():
        teacher = model.answer_logits(x, prefix, suffix, answer)  # (B, 3, V)
        first = model.judgment_logits(x, prefix, suffix)  # (B, V)
    assert teacher.shape == (2, 3, model.cfg.decoder.vocab_size)
    assert torch.allclose(teacher[:, 0], first, atol=1e-5)
