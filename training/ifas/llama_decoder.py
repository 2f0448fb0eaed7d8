"""LLaMA-style causal decoder Φ_T with a key/value cache.

RMSNorm, rotary position embeddings computed from `position_ids`, SwiGLU MLP and grouped-query
attention (`kv_heads` ≤ `heads`). The forward pass takes `inputs_embeds` rather than token ids so that
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


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (B, H, T, hd); cos/sin (B, T, hd)."""
    return x * cos.unsqueeze(1) + rotate_half(x) * sin.unsqueeze(1)


class Attention(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = cfg.heads, cfg.kv_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.heads * cfg.head_dim, cfg.hidden_size, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        bias: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor],
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)  # (B, H, T, hd)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)  # (B, Hkv, T, hd)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)

        k = torch.cat([past[0], k], dim=2)  # (B, Hkv, P+T, hd)
        v = torch.cat([past[1], v], dim=2)
        present = (k, v)

        # Grouped-query attention: each kv head serves heads/kv_heads query heads.
        repeat = self.heads // self.kv_heads
        k_full = k.repeat_interleave(repeat, dim=1)  # (B, H, P+T, hd)
        v_full = v.repeat_interleave(repeat, dim=1)

        scores = q @ k_full.transpose(-2, -1) / (self.head_dim**0.5)  # (B, H, T, P+T)
        weights = F.softmax(scores + bias, dim=-1)
        out = (weights @ v_full).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        return self.o_proj(out), present


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

    def forward(self, x, cos, sin, bias, past):
        h, present = self.attn(self.input_norm(x), cos, sin, bias, past)
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
        bias = attention_bias(attention_mask, inputs_embeds.shape[1], past_length)
        cos, sin = self.rotary(position_ids)
        x = inputs_embeds
        presents: KVCache = []
        for layer, past in zip(self.layers, past_key_values):
            x, present = layer(x, cos, sin, bias, past)
            presents.append(present)
        return self.lm_head(self.norm(x)), presents
