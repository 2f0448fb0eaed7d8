"""Cache of the frozen part of a pretrained vision encoder, so training pays for it once per image.

The stem and the first `frozen_stages` stages of the CNN encoder never change during training (weights and
BatchNorm statistics fixed), so their outputs — pooled stage vectors (ΣC) and the boundary feature map
(C, h, w) — are computed once for every training image, plain and mirrored (the trainer's flip
augmentation), and kept in float16. `CnnStageEncoder.from_prefix` continues from them exactly as
`forward` would (tests/test_cnn_stage_encoder.py checks the split).
"""

from __future__ import annotations

import numpy as np
import torch

from .data.dataset import VqaBatches


class FrozenPrefixCache:
    def __init__(self, encoder, batches: VqaBatches, rows: list[int], chunk: int = 32,
                 mirrored: bool = True) -> None:
        self.slot = {row: i for i, row in enumerate(rows)}
        flips = (False, True) if mirrored else (False,)
        pooled, maps = {f: [] for f in flips}, {f: [] for f in flips}
        encoder.eval()
        with torch.no_grad():
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                for flip in flips:
                    pixels = batches.to_pixel_values(part, np.full(len(part), flip))
                    p, m = encoder.frozen_prefix(pixels)
                    pooled[flip].append(p.half())
                    maps[flip].append(m.half())
        encoder.train()
        self.pooled = {f: torch.cat(v) for f, v in pooled.items()}  # (N, ΣC_frozen)
        self.maps = {f: torch.cat(v) for f, v in maps.items()}  # (N, C, h, w)

    def fetch(self, rows: list[int], flip: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """→ pooled (B, ΣC), boundary maps (B, C, h, w), float32, each row plain or mirrored."""
        index = torch.tensor([self.slot[r] for r in rows])
        if True not in self.pooled:  # plain images only (scoring)
            return self.pooled[False][index].float(), self.maps[False][index].float()
        mirrored = torch.from_numpy(np.asarray(flip, dtype=bool))[:, None]
        pooled = torch.where(mirrored, self.pooled[True][index], self.pooled[False][index]).float()
        maps = torch.where(mirrored[:, :, None, None], self.maps[True][index], self.maps[False][index]).float()
        return pooled, maps

    @property
    def megabytes(self) -> float:
        return sum(t.numel() * 2 for d in (self.pooled, self.maps) for t in d.values()) / 1e6
