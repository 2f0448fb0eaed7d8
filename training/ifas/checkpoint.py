"""Checkpoint file: weights plus everything the exporter needs to write a model package.

A checkpoint is a `torch.save` dict:
  config        IFASConfig.to_dict()
  state_dict    IFASModel weights
  tokenizer     tokenizer.json text
  status        "untrained" | "reference" | "production" (copied into the manifest and the card)
  threshold     {"value": float, "provenance": str}
  training      free-form facts for the model card (data, steps, metrics); {} when untrained
  calibration   {"method": "temperature", "temperature", "uncertainBand": [low, high], "provenance", …} or absent
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from tokenizers import Tokenizer

from .config import IFASConfig
from .ifas_model import IFASModel

Status = Literal["untrained", "reference", "production"]


@dataclass
class Checkpoint:
    model: IFASModel
    tokenizer: Tokenizer
    status: Status
    threshold: float
    threshold_provenance: str
    training: dict = field(default_factory=dict)
    calibration: dict | None = None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "config": self.model.cfg.to_dict(),
                "state_dict": self.model.state_dict(),
                "tokenizer": self.tokenizer.to_str(),
                "status": self.status,
                "threshold": {"value": self.threshold, "provenance": self.threshold_provenance},
                "training": self.training,
                **({"calibration": self.calibration} if self.calibration else {}),
            },
            path,
        )

    @staticmethod
    def load(path: Path) -> "Checkpoint":
        data = torch.load(path, map_location="cpu", weights_only=True)
        model = IFASModel(IFASConfig.from_dict(data["config"]))
        model.load_state_dict(data["state_dict"])
        model.eval()
        return Checkpoint(
            model=model,
            tokenizer=Tokenizer.from_str(data["tokenizer"]),
            status=data["status"],
            threshold=data["threshold"]["value"],
            threshold_provenance=data["threshold"]["provenance"],
            training=data.get("training", {}),
            calibration=data.get("calibration"),
        )

    @property
    def temperature(self) -> float:
        return float(self.calibration["temperature"]) if self.calibration else 1.0
