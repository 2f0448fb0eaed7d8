"""The LLaMA decoder's key/value cache, grouped-query attention and masking."""

from __future__ import annotations

import torch

from ifas.config import DecoderConfig
from ifas.llama_decoder import LlamaDecoder


def decoder() -> LlamaDecoder:
    torch.manual_seed(0)
    return LlamaDecoder(DecoderConfig(vocab_size=97, hidden_size=32, layers=2, heads=4, kv_heads=2, intermediate_size=64)).eval()


@torch.no_grad()
def test_incremental_decoding_with_the_cache_equals_one_full_pass() -> None:
    model = decoder()
    x = torch.randn(1, 9, 32)
    full, _ = model(x, torch.ones(1, 9, dtype=torch.long), torch.arange(9)[None], model.empty_cache(1))

    logits, cache = model(x[:, :5], torch.ones(1, 5, dtype=torch.long), torch.arange(5)[None], model.empty_cache(1))
    steps = [logits]
    for t in range(5, 9):
        logits, cache = model(x[:, t : t + 1], torch.ones(1, t + 1, dtype=torch.long), torch.tensor([[t]]), cache)
        steps.append(logits)
    assert cache[0][0].shape == (1, 2, 9, 8)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


@torch.no_grad()
def test_the_decoder_is_causal() -> None:
    model = decoder()
    x = torch.randn(1, 6, 32)
    mask, pos = torch.ones(1, 6, dtype=torch.long), torch.arange(6)[None]
    a, _ = model(x, mask, pos, model.empty_cache(1))
    x2 = x.clone()
    x2[:, 4:] += 1.0
    b, _ = model(x2, mask, pos, model.empty_cache(1))
    assert torch.allclose(a[:, :4], b[:, :4], atol=1e-6)
    assert not torch.allclose(a[:, 4:], b[:, 4:])


@torch.no_grad()
def test_left_padding_is_ignored() -> None:
    model = decoder()
    x = torch.randn(1, 4, 32)
    plain, _ = model(x, torch.ones(1, 4, dtype=torch.long), torch.arange(4)[None], model.empty_cache(1))
    padded_x = torch.cat([torch.randn(1, 2, 32), x], dim=1)
    mask = torch.tensor([[0, 0, 1, 1, 1, 1]])
    positions = torch.tensor([[0, 0, 0, 1, 2, 3]])
    padded, _ = model(padded_x, mask, positions, model.empty_cache(1))
    assert torch.allclose(padded[:, 2:], plain, atol=1e-5)
    assert torch.isfinite(padded).all()


def test_grouped_query_attention_projects_fewer_key_value_heads() -> None:
    model = decoder()  # 4 query heads share 2 kv heads: per group 2 queries + 1 key + 1 value
    attn = model.layers[0].attn
    assert attn.qkv_proj.weight.shape[0] == 2 * (2 + 2) * 8


@torch.no_grad()
def test_grouped_query_attention_equals_reference_attention_with_repeated_kv() -> None:
    """The fused group-major layout computes textbook GQA: softmax(q kᵀ/√d) v with kv heads repeated."""
    import torch.nn.functional as F

    from ifas.llama_decoder import apply_rotary, attention_bias

    model = decoder()
    attn = model.layers[0].attn
    x = torch.randn(1, 5, 32)
    positions = torch.arange(5)[None]
    cos, sin = model.rotary(positions)
    bias = attention_bias(torch.ones(1, 5, dtype=torch.long), 5, 0)  # (1, 1, T, S)
    empty = (torch.zeros(1, 2, 0, 8), torch.zeros(1, 2, 0, 8))
    ours, _ = attn(x, cos[:, None, None], sin[:, None, None], bias.unsqueeze(1), empty, (1, 5))

    w = attn.qkv_proj.weight.view(2, 4, 8, 32)  # (kv, G+2, hd, D)
    q_w, k_w, v_w = w[:, :2].reshape(4 * 8, 32), w[:, 2].reshape(16, 32), w[:, 3].reshape(16, 32)
    q = (x @ q_w.T).view(1, 5, 4, 8).transpose(1, 2)  # (B, H, T, hd)
    k = (x @ k_w.T).view(1, 5, 2, 8).transpose(1, 2)
    v = (x @ v_w.T).view(1, 5, 2, 8).transpose(1, 2)
    q, k = apply_rotary(q, cos[:, None], sin[:, None], attn.rotate), apply_rotary(k, cos[:, None], sin[:, None], attn.rotate)
    k, v = k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1)
    weights = F.softmax(q @ k.transpose(-2, -1) / 8**0.5 + bias, dim=-1)
    reference = attn.o_proj((weights @ v).transpose(1, 2).reshape(1, 5, 32))
    assert torch.allclose(ours, reference, atol=1e-5)


def test_rotate_half_matrix_matches_slicing() -> None:
    from ifas.llama_decoder import rotate_half_matrix

    x = torch.randn(3, 8)
    assert torch.equal(x @ rotate_half_matrix(8), torch.cat([-x[:, 4:], x[:, :4]], dim=-1))
