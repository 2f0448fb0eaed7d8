"""Lopsided LM loss (L-LM), I-FAS §4 (docs/method.md §4):

  L = α · L_judgment + (1 − α) · L_interpretation

each a token mean over its own part of the answer, so the single judgment token is not swamped by a
long caption. α = 0.7 by default. `alpha=None` gives the plain LM loss (one token mean over the whole
answer), the ablation baseline.

Labels follow next-token alignment: logits at position t predict the token at t + 1. The judgment mask
marks the first answer token; the interpretation mask marks the rest of the answer including EOS;
prompt, visual tokens and padding are in neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

DEFAULT_ALPHA = 0.7


@dataclass
class LossParts:
    total: torch.Tensor
    judgment: torch.Tensor
    interpretation: torch.Tensor


def lopsided_lm_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    judgment_mask: torch.Tensor,
    interpretation_mask: torch.Tensor,
    alpha: float | None = DEFAULT_ALPHA,
) -> LossParts:
    """logits (B, T, V) at input positions; targets (B, T) the token each position predicts (any value
    where both masks are 0); masks (B, T) float/bool."""
    ce = F.cross_entropy(logits.transpose(1, 2), targets.clamp(min=0), reduction="none")  # (B, T)
    j = judgment_mask.float()
    i = interpretation_mask.float()
    l_judgment = (ce * j).sum() / j.sum().clamp(min=1)
    l_interpretation = (ce * i).sum() / i.sum().clamp(min=1)
    if alpha is None:
        answer = j + i
        total = (ce * answer).sum() / answer.sum().clamp(min=1)
    else:
        total = alpha * l_judgment + (1 - alpha) * l_interpretation
    return LossParts(total, l_judgment.detach(), l_interpretation.detach())
