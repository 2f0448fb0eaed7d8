"""Multi-head attention for the vision encoder and the GAC (self- and cross-attention).

Written out rather than taken from `nn.MultiheadAttention`, whose inference fast path
(`_native_multi_head_attention`) has no ONNX export.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        assert width % heads == 0, "width must divide evenly into heads"
        self.heads, self.head_dim = heads, width // heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, queries: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """queries (B, Tq, D) attend to context (B, Tk, D) → (B, Tq, D). Self-attention: context = queries."""
        b, tq, d = queries.shape
        tk = context.shape[1]
        q = self.q_proj(queries).view(b, tq, self.heads, self.head_dim).transpose(1, 2)  # (B, H, Tq, hd)
        k = self.k_proj(context).view(b, tk, self.heads, self.head_dim).transpose(1, 2)  # (B, H, Tk, hd)
        v = self.v_proj(context).view(b, tk, self.heads, self.head_dim).transpose(1, 2)
        weights = F.softmax(q @ k.transpose(-2, -1) / (self.head_dim**0.5), dim=-1)  # (B, H, Tq, Tk)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(b, tq, d))
