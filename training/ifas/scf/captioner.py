"""The captioner interface of SCF and the sample record it captions.

A captioner turns a sample into one or two sentences. SCF needs two kinds (docs/method.md
§3): a general captioner C_G, and a spoof-aware captioner C_S obtained by fine-tuning C_G on the
filtered set D_S. Implementations: `offline_captioner.py` (always available) and
`openai_captioner.py` (an OpenAI-compatible vision endpoint, optional).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

FAMILIES = ("live", "print", "replay", "mask")


@dataclass
class Sample:
    sample_id: str
    identity: str
    family: str  # "live" or an attack family
    params: dict = field(default_factory=dict)
    pixels: np.ndarray | None = None  # (H, W, 3) uint8, when the captioner needs to look

    @property
    def is_live(self) -> bool:
        return self.family == "live"


class Captioner(Protocol):
    name: str

    def caption(self, sample: Sample) -> str: ...


class FineTunableCaptioner(Captioner, Protocol):
    def fine_tune(self, kept: list[tuple[Sample, str]]) -> Captioner: ...
