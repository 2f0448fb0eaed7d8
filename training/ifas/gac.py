"""Globally Aware Connector (GAC), I-FAS; docs/method.md §2.

  G_V = {g_1 … g_L}               class token of every encoder layer           (B, L, D)
  Q_V = Linear(G_V)                                                              (B, L, D)
  Q   = Concat(Q_P, Q_V)          Q_P: |Q_P| learnable queries                  (B, |Q_P|+L, D)
  Q'  = Q  + MSA(LN(Q))           self-attention among the queries
  Q'' = Q' + MCA(LN(Q'), LN(X_V)) cross-attention to the patch tokens X_V       (B, N, D)
  X_T = Q'' + MLP(LN(Q''))
  out = Linear(X_T)               to the decoder width                          (B, |Q_P|+L, d_llm)

`depth` blocks are stacked (the paper shows one); every block attends to the same X_V.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import MultiHeadAttention
from .config import ConnectorConfig, VisionConfig


class GACBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: float, eps: float) -> None:
        super().__init__()
        self.norm_self = nn.LayerNorm(width, eps=eps)
        self.self_attn = MultiHeadAttention(width, heads)
        self.norm_query = nn.LayerNorm(width, eps=eps)
        self.norm_patches = nn.LayerNorm(width, eps=eps)
        self.cross_attn = MultiHeadAttention(width, heads)
        self.norm_mlp = nn.LayerNorm(width, eps=eps)
        inner = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, inner), nn.GELU(), nn.Linear(inner, width))

    def forward(self, queries: torch.Tensor, patch_tokens: torch.Tensor) -> torch.Tensor:
        """queries (B, Q, D), patch_tokens (B, N, D) → (B, Q, D)."""
        h = self.norm_self(queries)
        queries = queries + self.self_attn(h, h)  # Q'
        kv = self.norm_patches(patch_tokens)
        queries = queries + self.cross_attn(self.norm_query(queries), kv)  # Q''
        return queries + self.mlp(self.norm_mlp(queries))  # X_T


class GloballyAwareConnector(nn.Module):
    def __init__(self, vision: VisionConfig, cfg: ConnectorConfig, llm_width: int) -> None:
        super().__init__()
        width = vision.width
        self.learnable_queries = nn.Parameter(torch.randn(1, cfg.num_queries, width) * 0.02)  # Q_P
        self.cls_projection = nn.Linear(width, width)  # G_V → Q_V
        self.blocks = nn.ModuleList(
            GACBlock(width, cfg.heads, cfg.mlp_ratio, cfg.layer_norm_eps) for _ in range(cfg.depth)
        )
        self.output_projection = nn.Linear(width, llm_width)
        self.num_tokens = cfg.num_queries + vision.layers

    def forward(self, layer_cls: torch.Tensor, patch_tokens: torch.Tensor) -> torch.Tensor:
        """layer_cls (B, L, D), patch_tokens (B, N, D) → visual tokens (B, |Q_P|+L, d_llm)."""
        b = layer_cls.shape[0]
        q_v = self.cls_projection(layer_cls)  # (B, L, D)
        q_p = self.learnable_queries.expand(b, -1, -1)  # (B, |Q_P|, D)
        queries = torch.cat([q_p, q_v], dim=1)  # (B, |Q_P|+L, D)
        for block in self.blocks:
            queries = block(queries, patch_tokens)
        return self.output_projection(queries)
