"""MLP projector: the LLaVA-style connector I-FAS's GAC replaces, kept for ablations.

Every last-layer patch token goes through Linear → GELU → Linear to the decoder width, so the decoder
sees N visual tokens (one per patch) and never the per-layer class tokens.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import VisionConfig


class MLPProjector(nn.Module):
    def __init__(self, vision: VisionConfig, llm_width: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(vision.width, llm_width)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(llm_width, llm_width)
        self.num_tokens = vision.num_context_tokens

    def forward(self, layer_cls: torch.Tensor, patch_tokens: torch.Tensor) -> torch.Tensor:
        """layer_cls (B, L, D) is ignored; patch_tokens (B, N, D) → visual tokens (B, N, d_llm)."""
        del layer_cls
        return self.fc2(self.act(self.fc1(patch_tokens)))
