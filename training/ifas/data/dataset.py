"""The built dataset as VQA training samples: (image, " Yes. <rationale>" / " No. <rationale>").

Caption modes (the caption-type ablation of the paper):
  spoof_aware     T_R for live, T_S (the spoof-aware captioner's) for attacks — I-FAS
  generic         T_R for live, T_F (the general captioner's, unfiltered) for attacks
  judgment_only   no rationale at all: " Yes." / " No."
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from ..prompt import answer_text
from ..tokenizer import encode, eos_id

CAPTION_MODES = ("spoof_aware", "generic", "judgment_only")


@dataclass
class Record:
    index: int  # row in pixels.npy
    sample_id: str
    identity: str
    split: str
    family: str
    params: dict
    video: str | None = None  # benchmark frames: scores are averaged per video


def load_records(data: Path) -> list[Record]:
    records = []
    with (data / "samples.jsonl").open() as handle:
        for index, line in enumerate(handle):
            row = json.loads(line)
            records.append(Record(index, row["id"], row["identity"], row["split"], row["family"], row["params"],
                                  row.get("video")))
    return records


def load_captions(data: Path) -> dict[str, dict[str, str]]:
    path = data / "captions.jsonl"
    if not path.exists():
        return {}
    captions = {}
    with path.open() as handle:
        for line in handle:
            row = json.loads(line)
            captions[row["id"]] = row
    return captions


def answer_for(record: Record, captions: dict[str, dict[str, str]], mode: str) -> str:
    live = record.family == "live"
    if mode == "judgment_only":
        return answer_text(live, None)
    caption = captions[record.sample_id][mode]
    return answer_text(live, caption)


class VqaBatches:
    """Balanced batches (half live, half attacks) of normalised pixels and tokenised answers."""

    def __init__(self, data: Path, records: list[Record], captions: dict, mode: str, tokenizer: Tokenizer,
                 mean: list[float], std: list[float], max_answer_tokens: int = 48, image_size: int | None = None) -> None:
        self.pixels = np.load(data / "pixels.npy", mmap_mode="r")
        self.live = [r for r in records if r.family == "live"]
        self.attacks = [r for r in records if r.family != "live"]
        eos = eos_id(tokenizer)
        self.answers = {
            r.sample_id: (encode(tokenizer, answer_for(r, captions, mode))[: max_answer_tokens - 1] + [eos])
            for r in records
        }
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)
        self.pad = eos
        self.image_size = image_size  # resize stored captures to this side when it differs
        self.need_pixels = True  # False when the trainer reads cached frozen-backbone features instead

    def to_pixel_values(self, rows: list[int], flip: np.ndarray | None = None) -> torch.Tensor:
        images = torch.from_numpy(np.stack([self.pixels[i] for i in rows]).astype(np.float32) / 255.0)
        if flip is not None:
            images[flip] = images[flip].flip(2)  # horizontal flip of (H, W, C) along W
        images = images.permute(0, 3, 1, 2)  # (B, 3, H, W)
        if self.image_size and images.shape[-1] != self.image_size:  # a lower-resolution camera, same captures
            images = F.interpolate(images, size=(self.image_size, self.image_size), mode="bilinear",
                                   antialias=True, align_corners=False)
        return (images - self.mean) / self.std  # (B, 3, S, S)

    def batch(self, rng: np.random.Generator, size: int) -> dict:
        half = size // 2
        chosen = [self.live[i] for i in rng.integers(0, len(self.live), half)]
        chosen += [self.attacks[i] for i in rng.integers(0, len(self.attacks), size - half)]
        return self.collate(chosen, flip=rng.random(len(chosen)) < 0.5)

    def collate(self, records: list[Record], flip: np.ndarray | None = None) -> dict:
        answers = [self.answers[r.sample_id] for r in records]
        width = max(len(a) for a in answers)
        ids = torch.full((len(records), width), self.pad, dtype=torch.long)
        judgment = torch.zeros(len(records), width)
        interpretation = torch.zeros(len(records), width)
        for row, answer in enumerate(answers):
            ids[row, : len(answer)] = torch.tensor(answer)
            judgment[row, 0] = 1
            interpretation[row, 1 : len(answer)] = 1
        return {
            "rows": [r.index for r in records],
            "flip": flip,
            "pixel_values": self.to_pixel_values([r.index for r in records], flip) if self.need_pixels else None,
            "answer_ids": ids,
            "judgment_mask": judgment,
            "interpretation_mask": interpretation,
            "labels": torch.tensor([1 if r.family == "live" else 0 for r in records]),
        }
