"""ONNX export of the three runtime graphs (and a text-only decoder for @huggingface/transformers).

Graph contract (names follow transformers.js / Optimum; `src/model/manifest.ts` declares the same):
  vision_encoder.onnx         pixel_values (B, C, S, S) float32 → image_features (B, Nv, d)
  embed_tokens.onnx           input_ids (B, T) int64 → inputs_embeds (B, T, d)
  decoder_model_merged.onnx   inputs_embeds (B, T, d), attention_mask (B, P+T) int64,
                              position_ids (B, T) int64, past_key_values.{i}.key|value (B, Hkv, P, hd)
                              → logits (B, T, V), present.{i}.key|value (B, Hkv, P+T, hd)
  text decoder (model.onnx)   as the decoder, but input_ids (B, T) instead of inputs_embeds
P may be 0 (first step). All dimensions but the widths are dynamic.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .ifas_model import IFASModel

OPSET = 17


class VisionGraph(nn.Module):
    def __init__(self, model: IFASModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(pixel_values)


class EmbedGraph(nn.Module):
    def __init__(self, model: IFASModel) -> None:
        super().__init__()
        self.embed = model.decoder.embed_tokens

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.embed(input_ids)


class DecoderGraph(nn.Module):
    """Flattens the (key, value) cache into positional inputs/outputs for export."""

    def __init__(self, model: IFASModel, with_embedding: bool) -> None:
        super().__init__()
        self.decoder = model.decoder
        self.with_embedding = with_embedding

    def forward(self, first: torch.Tensor, attention_mask, position_ids, *flat_past: torch.Tensor):
        embeds = self.decoder.embed_tokens(first) if self.with_embedding else first
        past = [(flat_past[i], flat_past[i + 1]) for i in range(0, len(flat_past), 2)]
        logits, presents = self.decoder(embeds, attention_mask, position_ids, past)
        return (logits, *[t for pair in presents for t in pair])


def cache_names(layers: int, prefix: str) -> list[str]:
    return [f"{prefix}.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]


def export_vision(model: IFASModel, path: Path) -> None:
    s, c = model.cfg.vision.image_size, model.cfg.vision.channels
    torch.onnx.export(
        VisionGraph(model),
        (torch.randn(1, c, s, s),),
        str(path),
        input_names=["pixel_values"],
        output_names=["image_features"],
        dynamic_axes={"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}},
        opset_version=OPSET,
        dynamo=False,
    )


def export_embed(model: IFASModel, path: Path) -> None:
    torch.onnx.export(
        EmbedGraph(model),
        (torch.tensor([[1, 2, 3]], dtype=torch.long),),
        str(path),
        input_names=["input_ids"],
        output_names=["inputs_embeds"],
        dynamic_axes={
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "inputs_embeds": {0: "batch_size", 1: "sequence_length"},
        },
        opset_version=OPSET,
        dynamo=False,
    )


def export_decoder(model: IFASModel, path: Path, with_embedding: bool) -> None:
    cfg = model.cfg.decoder
    batch, past_len, seq = 1, 3, 2  # arbitrary trace sizes; all of them are exported as dynamic
    first = (
        torch.tensor([[5] * seq], dtype=torch.long)
        if with_embedding
        else torch.randn(batch, seq, cfg.hidden_size)
    )
    past = [torch.randn(batch, cfg.kv_heads, past_len, cfg.head_dim) for _ in range(2 * cfg.layers)]
    mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    positions = torch.arange(past_len, past_len + seq, dtype=torch.long).unsqueeze(0)

    first_name = "input_ids" if with_embedding else "inputs_embeds"
    past_names, present_names = cache_names(cfg.layers, "past_key_values"), cache_names(cfg.layers, "present")
    dynamic_axes = {
        first_name: {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    dynamic_axes |= {name: {0: "batch_size", 2: "past_sequence_length"} for name in past_names}
    dynamic_axes |= {name: {0: "batch_size", 2: "total_sequence_length"} for name in present_names}
    torch.onnx.export(
        DecoderGraph(model, with_embedding),
        (first, mask, positions, *past),
        str(path),
        input_names=[first_name, "attention_mask", "position_ids", *past_names],
        output_names=["logits", *present_names],
        dynamic_axes=dynamic_axes,
        opset_version=OPSET,
        dynamo=False,
    )


@torch.no_grad()
def export_all(model: IFASModel, folder: Path, text_decoder_path: Path | None) -> None:
    model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    export_vision(model, folder / "vision_encoder.onnx")
    export_embed(model, folder / "embed_tokens.onnx")
    export_decoder(model, folder / "decoder_model_merged.onnx", with_embedding=False)
    if text_decoder_path is not None:
        text_decoder_path.parent.mkdir(parents=True, exist_ok=True)
        export_decoder(model, text_decoder_path, with_embedding=True)
