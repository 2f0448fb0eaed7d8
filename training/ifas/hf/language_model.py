"""Decoder LLMs from Hugging Face checkpoints, and their conversion to the runtime's decoder graph.

Supported families (`config.model_type`): `llama` (LLaMA 2/3, TinyLlama, SmolLM/SmolLM2, which are LLaMA
architecture) and `qwen2` (Qwen2, Qwen2.5). Anything else is refused by name, as are the settings the
runtime decoder cannot reproduce: an activation other than SiLU, a head size other than hidden/heads,
partial rotary embeddings, Qwen2's sliding-window attention, and rope scalings whose attention factor
is not 1 (YaRN, LongRoPE). `default`, `linear`, `dynamic`-free `llama3` scalings only change the rotary
frequencies, which are copied from transformers' own rope initialisation.

Training uses the transformers module itself (sdpa attention, gradient checkpointing, LoRA); export
converts the merged weights into `ifas.llama_decoder.LlamaDecoder`, whose graph the TypeScript runtime
already serves, by stacking q/k/v rows group-major (per key/value head: its query heads, its key, its value).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, PretrainedConfig, PreTrainedModel
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

from ..config import DecoderConfig
from ..llama_decoder import LlamaDecoder

SUPPORTED_LLMS = ("llama", "qwen2")


class UnsupportedModelError(ValueError):
    """A checkpoint the importer cannot serve; the message names the missing support."""


def rope_type(cfg: PretrainedConfig) -> str:
    scaling = getattr(cfg, "rope_scaling", None) or {}
    return scaling.get("rope_type", scaling.get("type", "default"))


def check_llm_config(cfg: PretrainedConfig) -> None:
    if cfg.model_type not in SUPPORTED_LLMS:
        raise UnsupportedModelError(
            f"decoder architecture {cfg.model_type!r} ({getattr(cfg, 'architectures', None)}) is not supported; "
            f"supported: {', '.join(SUPPORTED_LLMS)} (LLaMA, SmolLM, TinyLlama, Qwen2/2.5)")
    if cfg.hidden_act != "silu":
        raise UnsupportedModelError(f"decoder activation {cfg.hidden_act!r}: only SiLU (SwiGLU) is supported")
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    if head_dim * cfg.num_attention_heads != cfg.hidden_size:
        raise UnsupportedModelError("decoder head_dim × heads ≠ hidden_size: not supported by the runtime decoder")
    if getattr(cfg, "partial_rotary_factor", 1.0) != 1.0:
        raise UnsupportedModelError("partial rotary embeddings are not supported")
    if getattr(cfg, "use_sliding_window", False):
        raise UnsupportedModelError("sliding-window attention (Qwen2 use_sliding_window) is not supported")
    kind = rope_type(cfg)
    if kind not in ROPE_INIT_FUNCTIONS or kind == "dynamic":
        raise UnsupportedModelError(f"rope scaling {kind!r} is not supported")
    _, attention_factor = ROPE_INIT_FUNCTIONS[kind](cfg, "cpu")
    if attention_factor != 1.0:
        raise UnsupportedModelError(f"rope scaling {kind!r} scales attention by {attention_factor}: not supported")


def load_llm(folder: Path, dtype: torch.dtype = torch.float32, attn: str = "sdpa") -> PreTrainedModel:
    cfg = AutoConfig.from_pretrained(folder)
    check_llm_config(cfg)
    return AutoModelForCausalLM.from_pretrained(folder, torch_dtype=dtype, attn_implementation=attn)


def decoder_config(cfg: PretrainedConfig) -> DecoderConfig:
    return DecoderConfig(
        vocab_size=cfg.vocab_size, hidden_size=cfg.hidden_size, layers=cfg.num_hidden_layers,
        heads=cfg.num_attention_heads, kv_heads=cfg.num_key_value_heads, intermediate_size=cfg.intermediate_size,
        max_positions=cfg.max_position_embeddings, rope_theta=float(cfg.rope_theta), rms_norm_eps=cfg.rms_norm_eps,
        tie_word_embeddings=bool(cfg.tie_word_embeddings))


def fused_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, kv_heads: int, head_dim: int) -> torch.Tensor:
    """Separate q (H·hd, …), k and v (Hkv·hd, …) rows (weights or biases) → group-major fused rows."""
    group = q.shape[0] // head_dim // kv_heads
    q = q.reshape(kv_heads, group, head_dim, *q.shape[1:])
    k = k.reshape(kv_heads, 1, head_dim, *k.shape[1:])
    v = v.reshape(kv_heads, 1, head_dim, *v.shape[1:])
    return torch.cat([q, k, v], dim=1).reshape(-1, *q.shape[3:])  # (Hkv·(G+2)·hd, …)


@torch.no_grad()
def to_runtime_decoder(llm: PreTrainedModel) -> LlamaDecoder:
    """A merged (LoRA-free) transformers LLM → the runtime decoder with identical weights, fp32."""
    cfg = llm.config
    check_llm_config(cfg)
    dcfg = decoder_config(cfg)
    decoder = LlamaDecoder(dcfg)
    inv_freq, _ = ROPE_INIT_FUNCTIONS[rope_type(cfg)](cfg, "cpu")
    decoder.rotary.inv_freq = inv_freq.float()  # llama3 / linear scaling change only the frequencies
    base = llm.model
    state = {k: v.float() for k, v in llm.state_dict().items()}
    decoder.embed_tokens.weight.copy_(state["model.embed_tokens.weight"])
    for i, layer in enumerate(decoder.layers):
        p = f"model.layers.{i}."
        attn = base.layers[i].self_attn
        if attn.q_proj.bias is not None:  # Qwen2: q/k/v biases
            layer.attn.qkv_proj = nn.Linear(dcfg.hidden_size, layer.attn.qkv_proj.out_features, bias=True)
            layer.attn.qkv_proj.bias.copy_(fused_qkv(*(state[p + f"self_attn.{n}_proj.bias"] for n in "qkv"),
                                                     dcfg.kv_heads, dcfg.head_dim))
        layer.attn.qkv_proj.weight.copy_(fused_qkv(*(state[p + f"self_attn.{n}_proj.weight"] for n in "qkv"),
                                                   dcfg.kv_heads, dcfg.head_dim))
        if attn.o_proj.bias is not None:
            raise UnsupportedModelError("an output-projection bias is not supported")
        layer.attn.o_proj.weight.copy_(state[p + "self_attn.o_proj.weight"])
        layer.input_norm.weight.copy_(state[p + "input_layernorm.weight"])
        layer.post_attention_norm.weight.copy_(state[p + "post_attention_layernorm.weight"])
        for name in ("gate_proj", "up_proj", "down_proj"):
            getattr(layer.mlp, name).weight.copy_(state[p + f"mlp.{name}.weight"])
    decoder.norm.weight.copy_(state["model.norm.weight"])
    if not dcfg.tie_word_embeddings:
        decoder.lm_head.weight.copy_(state["lm_head.weight"])
    return decoder.eval()
