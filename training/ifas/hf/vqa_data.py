"""The built dataset (samples.jsonl, pixels.npy, captions.jsonl; docs/training-data.md) as batches for an
imported LLM: answers tokenized by its own tokenizer after its own chat prompt.

Same sampling as `ifas.data.dataset.VqaBatches` (half live, half attacks, random horizontal flips),
with the answer `<judgment>. <caption><end of turn>` from `ChatPrompt.answer_ids` and pixels resized
to the tower's input when the dataset was built at another size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import PreTrainedTokenizerBase

from ..data.dataset import Record
from .chat_prompt import ChatPrompt


def caption_of(record: Record, captions: dict, mode: str) -> str | None:
    return None if mode == "judgment_only" else captions[record.sample_id][mode]


class HfVqaData:
    def __init__(self, data: Path, records: list[Record], captions: dict, mode: str,
                 tokenizer: PreTrainedTokenizerBase, prompt: ChatPrompt, mean: list[float], std: list[float],
                 size: int, max_answer_tokens: int = 64) -> None:
        self.pixels = np.load(data / "pixels.npy", mmap_mode="r")
        self.live = [r for r in records if r.family == "live"]
        self.attacks = [r for r in records if r.family != "live"]
        self.answers = {r.sample_id: prompt.answer_ids(tokenizer, r.family == "live", caption_of(r, captions, mode),
                                                       max_answer_tokens) for r in records}
        self.pad = prompt.end_id
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)
        self.size = size

    def pixel_values(self, rows: list[int], flip: np.ndarray | None = None) -> torch.Tensor:
        images = torch.from_numpy(np.stack([self.pixels[i] for i in rows]).astype(np.float32) / 255.0)
        images = images.permute(0, 3, 1, 2)  # (B, 3, S, S)
        if flip is not None:
            images[torch.from_numpy(flip)] = images[torch.from_numpy(flip)].flip(3)
        if images.shape[-1] != self.size:
            images = F.interpolate(images, size=(self.size, self.size), mode="bicubic", antialias=True).clamp(0, 1)
        return (images - self.mean) / self.std

    def batch(self, rng: np.random.Generator, size: int) -> dict:
        half = size // 2
        chosen = [self.live[i] for i in rng.integers(0, len(self.live), half)]
        chosen += [self.attacks[i] for i in rng.integers(0, len(self.attacks), size - half)]
        answers = [self.answers[r.sample_id] for r in chosen]
        width = max(len(a) for a in answers)
        ids = torch.full((len(chosen), width), self.pad, dtype=torch.long)
        mask = torch.zeros(len(chosen), width, dtype=torch.long)
        judgment, interpretation = torch.zeros(len(chosen), width), torch.zeros(len(chosen), width)
        for row, answer in enumerate(answers):
            ids[row, : len(answer)] = torch.tensor(answer)
            mask[row, : len(answer)] = 1
            judgment[row, 0] = 1
            interpretation[row, 1 : len(answer)] = 1
        return {"pixel_values": self.pixel_values([r.index for r in chosen], rng.random(len(chosen)) < 0.5),
                "answer_ids": ids, "answer_mask": mask, "judgment_mask": judgment,
                "interpretation_mask": interpretation}
