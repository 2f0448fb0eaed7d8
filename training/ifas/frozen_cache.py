"""Cache of the frozen part of a pretrained vision encoder, so training pays for it once per image.

The stem and the first `frozen_stages` stages of the CNN encoder never change during training (weights and
BatchNorm statistics fixed), so their outputs — pooled stage vectors (ΣC) and the boundary feature map
(C, h, w) — are computed once for every image and kept in float16, in memory and, when a folder is given,
on disk (keyed by image size, frozen stages and the rows), so a rerun or an ablation reuses them.
`CnnStageEncoder.from_prefix` continues from them exactly as `forward` would
(tests/test_cnn_stage_encoder.py checks the split).

Mirroring (the trainer's flip augmentation) is applied to the cached boundary map, not recomputed from
mirrored pixels: the pooled vectors are mirror-invariant and the map is mirrored along its width. This is
exact but for TensorFlow "SAME" padding, which pads stride-2 layers one pixel more on the right.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from .data.dataset import VqaBatches


class FrozenPrefixCache:
    def __init__(self, encoder, batches: VqaBatches, rows: list[int], chunk: int = 32,
                 folder: Path | None = None) -> None:
        self.slot = {row: i for i, row in enumerate(rows)}
        key = hashlib.sha256(f"{encoder.cfg.image_size}:{encoder.frozen_stages}:{rows}".encode()).hexdigest()[:16]
        path = folder / f"frozen-{key}.pt" if folder else None
        if path is not None and path.exists():
            stored = torch.load(path, weights_only=True)
            self.pooled, self.maps = stored["pooled"], stored["maps"]
            return
        pooled, maps = [], []
        encoder.eval()
        with torch.no_grad():
            for start in range(0, len(rows), chunk):
                p, m = encoder.frozen_prefix(batches.to_pixel_values(rows[start : start + chunk]))
                pooled.append(p.half())
                maps.append(m.half())
        encoder.train()
        self.pooled = torch.cat(pooled)  # (N, ΣC_frozen)
        self.maps = torch.cat(maps)  # (N, C, h, w)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"pooled": self.pooled, "maps": self.maps}, path)

    def fetch(self, rows: list[int], flip: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """→ pooled (B, ΣC), boundary maps (B, C, h, w), float32, mirrored where `flip`."""
        index = torch.tensor([self.slot[r] for r in rows])
        maps = self.maps[index].float()
        mirrored = torch.from_numpy(np.asarray(flip, dtype=bool))
        maps[mirrored] = maps[mirrored].flip(-1)
        return self.pooled[index].float(), maps

    @property
    def megabytes(self) -> float:
        return (self.pooled.numel() + self.maps.numel()) * 2 / 1e6
