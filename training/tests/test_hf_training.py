"""Fine-tuning imported checkpoints (ifas.hf.train): an interrupted run resumes to the same losses as an
uninterrupted one, and leaves what the exporter needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ifas.hf import train, vqa_data
from ifas.hf.tiny_checkpoints import build_all
from ifas.scf import run as scf_run

from .test_training_pipeline import synthetic_dataset


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    root = tmp_path_factory.mktemp("hf-train")
    checkpoints = build_all(root / "ckpt", seed=5)
    data = synthetic_dataset(root / "data")
    scf_run.main(["--data", str(data)])
    args = ["--vision", str(checkpoints["clip"]), "--llm", str(checkpoints["qwen2"]), "--data", str(data),
            "--steps", "3", "--batch", "2", "--num-queries", "4", "--gac-heads", "2", "--lora-rank", "4",
            "--lora-alpha", "8", "--lora-vision-blocks", "1", "--warmup", "1", "--lr", "1e-3", "--save-every", "1",
            "--log-every", "1"]
    return args, root


def losses(out: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (out / "log.jsonl").read_text().splitlines()]


def test_an_interrupted_run_resumes_to_the_same_losses(setup, monkeypatch):
    # Prepare: one uninterrupted run, one stopped while fetching its third batch
    args, root = setup
    train.main([*args, "--out", str(root / "straight")])
    original, calls = vqa_data.HfVqaData.batch, {"n": 0}

    def stop_at_third(self, rng, size):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, rng, size)

    monkeypatch.setattr(vqa_data.HfVqaData, "batch", stop_at_third)
    with pytest.raises(KeyboardInterrupt):
        train.main([*args, "--out", str(root / "resumed")])
    monkeypatch.setattr(vqa_data.HfVqaData, "batch", original)
    # Act
    train.main([*args, "--out", str(root / "resumed")])
    # Assess
    assert losses(root / "resumed") == losses(root / "straight")
    run = json.loads((root / "resumed" / "run.json").read_text())
    assert run["training"]["steps"] == 3 and "dev split" in run["threshold"]["provenance"]
    assert (root / "resumed" / "gac.safetensors").is_file()
    assert (root / "resumed" / "lora-llm" / "adapter_model.safetensors").is_file()
    assert (root / "resumed" / "lora-vision" / "adapter_model.safetensors").is_file()


def test_refuses_to_resume_with_other_settings(setup):
    args, root = setup
    train.main([*args, "--out", str(root / "settings")])
    with pytest.raises(SystemExit, match="other settings"):
        train.main([*args[:-2], "--log-every", "1", "--alpha", "0.5", "--out", str(root / "settings")])
