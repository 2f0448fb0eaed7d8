"""CLIP and SigLIP vision towers from Hugging Face checkpoints as I-FAS vision encoders.

GAC needs one global token per encoder layer and the patch tokens X_V (docs/method.md §2,
docs/train-large.md §1):
  CLIP    global token of layer i = its class token (hidden_states[i][:, 0], before the final LN);
          patch tokens = the last layer's tokens 1…N (GAC normalises them itself).
  SigLIP  has no class token; its own pooled output comes from an attention head trained on the last
          layer only, so the global token of layer i is the mean of that layer's patch tokens (a
          substitute for the class token of CLS-free encoders); patch tokens = the last
          layer after SigLIP's post-LayerNorm.
`forward` returns (layer_tokens (B, L, D), patch_tokens (B, N, D)), the contract of
`ifas.vision_encoder.VisionEncoder`, so `ifas.gac.GloballyAwareConnector` sits on top unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, CLIPVisionModel, PreTrainedModel, SiglipVisionModel

from .language_model import UnsupportedModelError

SUPPORTED_TOWERS = ("clip_vision_model", "siglip_vision_model")


@dataclass(frozen=True)
class TowerShape:
    """What the GAC needs to know about a tower (the `VisionConfig` fields it reads)."""

    width: int
    layers: int
    heads: int
    image_size: int
    channels: int = 3


class HfVisionTower(nn.Module):
    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        cfg = model.config
        if cfg.model_type not in SUPPORTED_TOWERS:
            raise UnsupportedModelError(f"vision architecture {cfg.model_type!r} is not supported; "
                                        f"supported: {', '.join(SUPPORTED_TOWERS)} (CLIP, SigLIP)")
        self.model = model
        self.has_class_token = cfg.model_type == "clip_vision_model"
        self.shape = TowerShape(cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.image_size,
                                cfg.num_channels)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """pixel_values (B, C, S, S) → layer tokens (B, L, D), patch tokens (B, N, D)."""
        out = self.model(pixel_values=pixel_values, output_hidden_states=True)
        per_layer = out.hidden_states[1:]  # L × (B, [1+]N, D): the output of each block
        if self.has_class_token:
            return torch.stack([h[:, 0] for h in per_layer], dim=1), out.last_hidden_state[:, 1:]
        return torch.stack([h.mean(dim=1) for h in per_layer], dim=1), out.last_hidden_state


def load_tower(folder: Path, dtype: torch.dtype = torch.float32, attn: str = "sdpa") -> HfVisionTower:
    cfg = AutoConfig.from_pretrained(folder)
    if cfg.model_type in ("clip", "siglip"):  # a full CLIP/SigLIP (text + vision) checkpoint: take the tower
        cfg = cfg.vision_config
    kind = getattr(cfg, "model_type", None)
    model_class = {"clip_vision_model": CLIPVisionModel, "siglip_vision_model": SiglipVisionModel}.get(kind)
    if model_class is None:
        raise UnsupportedModelError(f"vision architecture {kind!r} is not supported; "
                                    f"supported: {', '.join(SUPPORTED_TOWERS)} (CLIP, SigLIP)")
    return HfVisionTower(model_class.from_pretrained(folder, torch_dtype=dtype, attn_implementation=attn))


def image_normalisation(folder: Path) -> tuple[list[float], list[float]]:
    """(mean, std) from the checkpoint's preprocessor_config.json; refuses a folder without one."""
    path = Path(folder) / "preprocessor_config.json"
    if not path.is_file():
        raise UnsupportedModelError(f"{folder}: no preprocessor_config.json (image mean/std unknown)")
    data = json.loads(path.read_text())
    return [float(x) for x in data["image_mean"]], [float(x) for x in data["image_std"]]
