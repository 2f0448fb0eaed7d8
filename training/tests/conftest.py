"""Shared fixtures: a seeded tiny model and its exported package (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ifas.checkpoint import Checkpoint
from ifas.export import untrained_checkpoint
from ifas.package_writer import write_package

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures"


@pytest.fixture(scope="session")
def tiny_checkpoint() -> Checkpoint:
    ckpt = untrained_checkpoint("tiny", seed=1)
    torch.manual_seed(1)
    with torch.no_grad():  # spread the weights so greedy paths differ from step to step
        for parameter in ckpt.model.parameters():
            parameter.copy_(torch.randn_like(parameter) * 0.6)
    return ckpt


@pytest.fixture(scope="session")
def tiny_package(tiny_checkpoint: Checkpoint, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pkg") / "ifas-tiny"
    write_package(tiny_checkpoint, folder, "ifas-tiny", "0.0.0-test", "Apache-2.0")
    return folder
