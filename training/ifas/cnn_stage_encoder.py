"""Vision encoder E_V on a pretrained CNN (EfficientNet-Lite0): the GAC's "per-layer class tokens" become
globally pooled tokens, one per backbone stage.

Why the adaptation: a CNN has no class token. GAC wants one global summary per depth because shallow
layers keep low-level cues (halftone dots, moiré, blur) and deep ones semantics (docs/method.md §2; for
encoders without a class token the usual substitute is mean-pooled tokens per layer). A stage's global average
pool is exactly that summary, and the 7 stages span 1/2 to 1/32 resolution, so the early (high-resolution)
stages carry the fine periodic texture a print or screen leaves.

  stage outputs   (B, C_i, S/r_i, S/r_i), C = 16, 24, 40, 80, 112, 192, 320
  pooled          (B, C_i) each, global average                     — cached when the stage is frozen
  layer_cls       LN(Linear_i(pooled_i)), stacked                   (B, 7, D)    → GAC's G_V
  map tokens      LN(Linear(last map) + position)                   (B, (S/32)², D)
  patch_tokens    concat(layer_cls, map tokens)                     (B, 7 + (S/32)², D) → GAC's X_V
The queries thus cross-attend to the stage tokens and the last feature map.

`frozen_stages` (0–7) keeps the stem and that many stages at their ImageNet weights with BatchNorm
statistics fixed; their outputs can then be computed once per image and cached by the trainer
(`frozen_prefix` / `from_prefix`), an exact split of `forward`. BatchNorm statistics stay fixed in the
trained stages too (batches of 32 mixed images would only add noise to ImageNet's statistics).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import VisionConfig
from .efficientnet_lite import STAGE_CHANNELS, STAGES, EfficientNetLite0


class CnnStageEncoder(nn.Module):
    def __init__(self, cfg: VisionConfig) -> None:
        super().__init__()
        assert cfg.layers == len(STAGES), "an EfficientNet-Lite0 encoder has one global token per stage (7)"
        assert 0 <= cfg.frozen_stages <= len(STAGES)
        self.cfg = cfg
        self.frozen_stages = cfg.frozen_stages
        self.backbone = EfficientNetLite0()
        width = cfg.width
        self.stage_projections = nn.ModuleList(nn.Linear(c, width) for c in STAGE_CHANNELS)
        self.stage_norm = nn.LayerNorm(width, eps=cfg.layer_norm_eps)
        self.map_projection = nn.Linear(STAGE_CHANNELS[-1], width)
        self.position_embedding = nn.Parameter(torch.randn(1, cfg.num_patches, width) * 0.02)
        self.map_norm = nn.LayerNorm(width, eps=cfg.layer_norm_eps)
        self._freeze()

    def _freeze(self) -> None:
        backbone = self.backbone
        frozen = [backbone._conv_stem, backbone._bn0]
        last_frozen_block = backbone.stage_ends[self.frozen_stages - 1] if self.frozen_stages else -1
        frozen += [backbone._blocks[i] for i in range(last_frozen_block + 1)]
        for module in frozen:
            for parameter in module.parameters():
                parameter.requires_grad_(False)

    def train(self, mode: bool = True) -> "CnnStageEncoder":
        super().train(mode)
        for module in self.backbone.modules():  # BatchNorm statistics stay at ImageNet's
            if isinstance(module, nn.BatchNorm2d):
                module.eval()
        return self

    def frozen_prefix(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 3, S, S) → pooled outputs of the frozen stages (B, ΣC_frozen), input of the first trained
        stage (B, C, h, w) (the stem's output when nothing is frozen)."""
        x = self.backbone.stem(pixel_values)
        x, outputs = self.backbone.run_stages(x, 0, self.frozen_stages)
        pooled = [o.mean(dim=(2, 3)) for o in outputs]
        empty = pixel_values.new_zeros(pixel_values.shape[0], 0)
        return (torch.cat(pooled, dim=1) if pooled else empty), x

    def from_prefix(self, frozen_pooled: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The rest of `forward` → layer_cls (B, 7, D), patch_tokens (B, 7 + N, D)."""
        x, outputs = self.backbone.run_stages(x, self.frozen_stages, len(STAGES))
        pooled = list(torch.split(frozen_pooled, list(STAGE_CHANNELS[: self.frozen_stages]), dim=1))
        pooled += [o.mean(dim=(2, 3)) for o in outputs]  # (B, C_i) each
        tokens = [project(p) for project, p in zip(self.stage_projections, pooled)]
        layer_cls = self.stage_norm(torch.stack(tokens, dim=1))  # (B, 7, D)
        last = x.flatten(2).transpose(1, 2)  # (B, N, 320), N = (S/32)²
        map_tokens = self.map_norm(self.map_projection(last) + self.position_embedding)  # (B, N, D)
        return layer_cls, torch.cat([layer_cls, map_tokens], dim=1)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.from_prefix(*self.frozen_prefix(pixel_values))

    def load_pretrained(self) -> None:
        self.backbone.load_pretrained()
