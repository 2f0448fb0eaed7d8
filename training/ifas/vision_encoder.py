"""Vision encoder E_V: a ViT that exposes the class token of every layer.

The Globally Aware Connector needs one global token per encoder layer (shallow layers carry moiré and
blur, deep layers carry semantics), so `VisionEncoder.forward` returns
  - `layer_cls`: the class token after each of the L blocks, before the final LayerNorm, and
  - `patch_tokens`: the last layer's patch tokens X_V, after the final LayerNorm.
Pre-norm blocks, learned position embeddings and a convolutional patch embedding, as in CLIP's ViT.
This module knows nothing about the connector or the language model.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import MultiHeadAttention
from .config import VisionConfig


class VisionMLP(nn.Module):
    def __init__(self, width: int, mlp_ratio: float) -> None:
        super().__init__()
        inner = int(width * mlp_ratio)
        self.fc1 = nn.Linear(width, inner)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(inner, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class VisionBlock(nn.Module):
    """x = x + MSA(LN(x)); x = x + MLP(LN(x))."""

    def __init__(self, cfg: VisionConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)
        self.attn = MultiHeadAttention(cfg.width, cfg.heads)
        self.norm2 = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)
        self.mlp = VisionMLP(cfg.width, cfg.mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)  # (B, 1+N, D)
        x = x + self.attn(h, h)
        return x + self.mlp(self.norm2(x))


class VisionEncoder(nn.Module):
    def __init__(self, cfg: VisionConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.patch_embed = nn.Conv2d(
            cfg.channels, cfg.width, kernel_size=cfg.patch_size, stride=cfg.patch_size, bias=False
        )
        self.class_token = nn.Parameter(torch.randn(1, 1, cfg.width) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(1, 1 + cfg.num_patches, cfg.width) * 0.02)
        self.pre_norm = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)
        self.blocks = nn.ModuleList(VisionBlock(cfg) for _ in range(cfg.layers))
        self.post_norm = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """pixel_values (B, C, S, S) normalised → layer_cls (B, L, D), patch_tokens (B, N, D)."""
        b = pixel_values.shape[0]
        patches = self.patch_embed(pixel_values)  # (B, D, S/p, S/p)
        patches = patches.flatten(2).transpose(1, 2)  # (B, N, D)
        cls = self.class_token.expand(b, -1, -1)  # (B, 1, D)
        x = torch.cat([cls, patches], dim=1) + self.position_embedding  # (B, 1+N, D)
        x = self.pre_norm(x)

        layer_cls = []
        for block in self.blocks:
            x = block(x)
            layer_cls.append(x[:, 0])  # (B, D): pre-final-LN class token of this layer
        layer_cls_t = torch.stack(layer_cls, dim=1)  # (B, L, D)
        patch_tokens = self.post_norm(x[:, 1:])  # (B, N, D)
        return layer_cls_t, patch_tokens
