"""LLaMA-style causal decoder Φ_T with a key/value cache.

RMSNorm, rotary position embeddings computed from `position_ids`, SwiGLU MLP and grouped-query
attention (`kv_heads` ≤ `heads`, fused group-major QKV projection). The forward pass takes `inputs_embeds` rather than token ids so that
visual tokens from the connector can sit in the sequence; `embed_tokens` is exposed separately.

Cache layout (the names transformers.js and Optimum use): one (key, value) pair per layer, each
(B, kv_heads, P, head_dim) where P is the number of cached positions; P may be 0.
The attention mask is (B, P+T): 1 for positions to attend to, 0 for padding.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import DecoderConfig

KVCache = list[tuple[torch.Tensor, torch.Tensor]]


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


class RotaryEmbedding(nn.Module):
    """cos/sin tables for arbitrary position ids: (B, T) → (B, T, head_dim) each."""

    def __init__(self, head_dim: int, theta: float) -> None:
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)  # (head_dim/2,)

    def forward(self, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = position_ids.to(torch.float32).unsqueeze(-1) * self.inv_freq  # (B, T, head_dim/2)
        angles = torch.cat([freqs, freqs], dim=-1)  # (B, T, head_dim)
        return angles.cos(), angles.sin()


def rotate_half_matrix(head_dim: int) -> torch.Tensor:
    """R with x @ R = rotate_half(x) = cat(−x[h:], x[:h]), h = head_dim/2: one MatMul instead of
    two slices, a negation and a concatenation in the exported graph."""
    half = head_dim // 2
    r = torch.zeros(head_dim, head_dim)
    r[torch.arange(half) + half, torch.arange(half)] = -1.0
    r[torch.arange(half), torch.arange(half) + half] = 1.0
    return r


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rotate: torch.Tensor) -> torch.Tensor:
    """x (..., T, hd); cos/sin broadcastable to x."""
    return x * cos + (x @ rotate) * sin


class Attention(nn.Module):
    """Grouped-query attention with one fused, group-major QKV projection.

    The projection yields, for each of the `kv_heads` groups, the group's G = heads/kv_heads query
    heads followed by its key head and its value head: (B, T, Hkv, G+2, hd). With each group's queries
    next to the key and value they share, one broadcast matmul serves the whole group and K/V are never
    copied. Mathematically this is LLaMA's GQA; a checkpoint with separate q/k/v projections maps onto
    it by stacking and permuting weight rows.
    """

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.kv_heads, self.head_dim = cfg.kv_heads, cfg.head_dim
        self.group = cfg.heads // cfg.kv_heads
        self.scale = cfg.head_dim**-0.5
        self.qkv_proj = nn.Linear(cfg.hidden_size, cfg.kv_heads * (self.group + 2) * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.heads * cfg.head_dim, cfg.hidden_size, bias=False)
        self.register_buffer("rotate", rotate_half_matrix(cfg.head_dim), persistent=False)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        bias: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor],
        batch_and_length: tuple,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        # (B, T) are read once per forward pass and shared by every layer, so the exported graph
        # computes each reshape target once instead of once per layer.
        b, t = batch_and_length
        g = self.group
        qkv = self.qkv_proj(x).view(b, t, self.kv_heads, g + 2, self.head_dim)
        qkv = qkv.permute(0, 2, 3, 1, 4)  # (B, Hkv, G+2, T, hd)
        qk = apply_rotary(qkv[:, :, : g + 1], cos, sin, self.rotate)  # queries and key: (B, Hkv, G+1, T, hd)

        k = torch.cat([past[0], qk[:, :, g]], dim=2)  # (B, Hkv, S, hd), S = P+T
        v = torch.cat([past[1], qkv[:, :, g + 1]], dim=2)
        q = qk[:, :, :g]  # (B, Hkv, G, T, hd)

        scores = (q @ k.unsqueeze(2).transpose(-2, -1)) * self.scale  # (B, Hkv, G, T, S)
        weights = F.softmax(scores + bias, dim=-1)  # bias (B, 1, 1, T, S)
        out = weights @ v.unsqueeze(2)  # (B, Hkv, G, T, hd)
        out = out.permute(0, 3, 1, 2, 4).reshape(b, t, -1)  # (B, T, H·hd), head = kv·G + g
        return self.o_proj(out), (k, v)


class SwiGLU(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.input_norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.attn = Attention(cfg)
        self.post_attention_norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = SwiGLU(cfg)

    def forward(self, x, cos, sin, bias, past, batch_and_length):
        h, present = self.attn(self.input_norm(x), cos, sin, bias, past, batch_and_length)
        x = x + h
        return x + self.mlp(self.post_attention_norm(x)), present


def attention_bias(attention_mask: torch.Tensor, query_length: int, past_length) -> torch.Tensor:
    """Additive mask (B, 1, T, P+T): 0 where query i may see key j (j ≤ P+i and not padding), else −inf-ish.

    A large finite negative keeps fully masked rows (padding queries) free of NaNs.
    """
    total = attention_mask.shape[1]
    query_positions = torch.arange(query_length, device=attention_mask.device) + past_length  # (T,)
    key_positions = torch.arange(total, device=attention_mask.device)  # (P+T,)
    causal = key_positions.unsqueeze(0) <= query_positions.unsqueeze(1)  # (T, P+T)
    allowed = causal.unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(1)
    return torch.where(allowed, 0.0, torch.finfo(torch.float32).min / 2).to(torch.float32)


class LlamaDecoder(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        self.rotary = RotaryEmbedding(cfg.head_dim, cfg.rope_theta)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def empty_cache(self, batch: int) -> KVCache:
        shape = (batch, self.cfg.kv_heads, 0, self.cfg.head_dim)
        return [(torch.zeros(shape), torch.zeros(shape)) for _ in range(self.cfg.layers)]

    def forward(
        self,
        inputs_embeds: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        past_key_values: KVCache,
    ) -> tuple[torch.Tensor, KVCache]:
        """inputs_embeds (B, T, d), attention_mask (B, P+T), position_ids (B, T) → logits (B, T, V), cache."""
        past_length = past_key_values[0][0].shape[2]
        batch_and_length = (inputs_embeds.shape[0], inputs_embeds.shape[1])
        bias = attention_bias(attention_mask, batch_and_length[1], past_length)
        cos, sin = self.rotary(position_ids)
        cos, sin = cos[:, None, None], sin[:, None, None]  # (B, 1, 1, T, hd): over kv heads and groups
        bias = bias.unsqueeze(1)  # (B, 1, 1, T, P+T)
        x = inputs_embeds
        presents: KVCache = []
        for layer, past in zip(self.layers, past_key_values):
            x, present = layer(x, cos, sin, bias, past, batch_and_length)
            presents.append(present)
        return self.lm_head(self.norm(x)), presents
