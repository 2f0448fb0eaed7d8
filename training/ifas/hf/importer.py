"""Builds `HfIfas` from local Hugging Face checkpoint folders; nothing is fetched from the hub.

Two ways in:
  separate parts  --vision DIR (CLIP/SigLIP vision or full CLIP/SigLIP checkpoint) and --llm DIR
                  (LLaMA/Qwen2/SmolLM causal LM with its tokenizer.json and chat template);
  one VLM         --vlm DIR of a supported family: `llava` (LLaVA-1.5-style LlavaForConditionalGeneration:
                  a CLIP or SigLIP tower and a LLaMA or Qwen2 LLM). Its tower and LLM are reused; its
                  multi-modal projector is dropped and GAC takes its place.
Every folder is checked first (`checkpoint_files.verify_checkpoint`: shards present, SHA256SUMS when
given); the record of what was imported (folder names, digests, families; no local paths) goes into the run and the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoConfig, AutoTokenizer, LlavaForConditionalGeneration, PreTrainedTokenizerFast

from ..config import ConnectorConfig
from .chat_prompt import TokenizerContractError, build_chat_prompt
from .checkpoint_files import CheckpointError, verify_checkpoint
from .hf_ifas import HfIfas
from .language_model import UnsupportedModelError, check_llm_config, load_llm
from .vision_tower import HfVisionTower, image_normalisation, load_tower

SUPPORTED_VLMS = ("llava",)
# Everything the importer refuses with a message meant for the user (the CLIs print it and exit 1).
IMPORT_ERRORS = (CheckpointError, UnsupportedModelError, TokenizerContractError)


@dataclass(frozen=True)
class Sources:
    vision: Path | None = None
    llm: Path | None = None
    vlm: Path | None = None

    def __post_init__(self) -> None:
        if self.vlm is None and (self.vision is None or self.llm is None):
            raise ValueError("give --vlm DIR, or both --vision DIR and --llm DIR")
        if self.vlm is not None and (self.vision or self.llm):
            raise ValueError("--vlm excludes --vision and --llm")

    @property
    def tokenizer_dir(self) -> Path:
        return self.vlm or self.llm

    @property
    def image_dir(self) -> Path:
        return self.vlm or self.vision


def load_tokenizer(folder: Path, vocab_size: int) -> PreTrainedTokenizerFast:
    if not (folder / "tokenizer.json").is_file():
        raise TokenizerContractError(f"{folder}: no tokenizer.json; the runtime needs the fast (tokenizers) file — "
                                     "load the tokenizer with transformers and save_pretrained it first")
    tokenizer = AutoTokenizer.from_pretrained(folder, use_fast=True)
    if len(tokenizer) > vocab_size:
        raise TokenizerContractError(f"tokenizer of {folder} has {len(tokenizer)} tokens but the LLM embeds only "
                                     f"{vocab_size}: mismatched tokenizer")
    return tokenizer


def import_model(sources: Sources, connector: ConnectorConfig, dtype: torch.dtype = torch.float32,
                 attn: str = "sdpa", sums: dict[str, Path] | None = None) -> tuple[HfIfas, PreTrainedTokenizerFast, dict]:
    """→ (model with a fresh GAC, tokenizer, import record)."""
    sums = sums or {}
    record: dict = {}
    if sources.vlm is not None:
        record["vlm"] = {"folder": sources.vlm.name, "digest": verify_checkpoint(sources.vlm, sums.get("vlm"))}
        cfg = AutoConfig.from_pretrained(sources.vlm)
        if cfg.model_type not in SUPPORTED_VLMS:
            raise UnsupportedModelError(f"VLM family {cfg.model_type!r} is not supported; supported: "
                                        f"{', '.join(SUPPORTED_VLMS)} (LLaVA-1.5-style). Import its parts with "
                                        "--vision and --llm instead")
        check_llm_config(cfg.text_config)
        vlm = LlavaForConditionalGeneration.from_pretrained(sources.vlm, torch_dtype=dtype, attn_implementation=attn)
        tower, llm = HfVisionTower(vlm.vision_tower), vlm.language_model
        record["vlm"]["families"] = [cfg.vision_config.model_type, cfg.text_config.model_type]
    else:
        record["vision"] = {"folder": sources.vision.name, "digest": verify_checkpoint(sources.vision, sums.get("vision"))}
        record["llm"] = {"folder": sources.llm.name, "digest": verify_checkpoint(sources.llm, sums.get("llm"))}
        tower = load_tower(sources.vision, dtype, attn)
        llm = load_llm(sources.llm, dtype, attn)
        record["vision"]["family"] = tower.model.config.model_type
        record["llm"]["family"] = llm.config.model_type
    tokenizer = load_tokenizer(sources.tokenizer_dir, llm.config.vocab_size)
    prompt = build_chat_prompt(tokenizer)
    record["image"] = dict(zip(("mean", "std"), image_normalisation(sources.image_dir)))
    record["image"]["size"] = tower.shape.image_size
    heads = connector.heads if tower.shape.width % connector.heads == 0 else tower.shape.heads
    model = HfIfas(tower, llm, ConnectorConfig(**{**connector.__dict__, "heads": heads}), prompt)
    model.connector.to(torch.float32)
    return model, tokenizer, record
