"""The model factory end to end on a small synthetic dataset: SCF captions → L-LM training (resumable)
→ checkpoint with a dev threshold → exported package that Python onnxruntime runs → evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ifas import evaluate, train
from ifas.checkpoint import Checkpoint
from ifas.data.attacks import ATTACKS, bona_fide
from ifas.ort_runner import OrtPackage
from ifas.package_writer import write_package
from ifas.scf import run as scf_run


def synthetic_dataset(folder: Path, size: int = 32) -> Path:
    """12 'identities' (smooth random faces), each with live captures and attacks, split 6/3/3."""
    rng = np.random.default_rng(0)
    pixels, rows = [], []
    for identity in range(12):
        base = np.clip(rng.normal(140, 30, (4, 4, 3)).repeat(size // 4, 0).repeat(size // 4, 1), 0, 255).astype(np.float32)
        split = "train" if identity < 6 else "dev" if identity < 9 else "test"
        for k, family in enumerate(["live", "live", "print", "replay", "mask"]):
            image, params = bona_fide(base, rng) if family == "live" else ATTACKS[family](base, rng)
            pixels.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
            rows.append({"id": f"f{identity}:{k}", "crop": f"f{identity}", "identity": f"id{identity}", "source": "synthetic",
                         "split": split, "family": family, "faceSize": 100.0, "params": params})
    folder.mkdir(parents=True)
    np.save(folder / "pixels.npy", np.stack(pixels))
    (folder / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "summary.json").write_text(json.dumps({"faces": 12, "identityGroups": 12,
                                                     "facesBySplit": {"train": 6, "dev": 3, "test": 3}}))
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("factory")
    data = synthetic_dataset(root / "data")
    scf_run.main(["--data", str(data)])
    out = root / "run"
    args = ["--data", str(data), "--out", str(out), "--preset", "tiny", "--steps", "6", "--batch", "8",
            "--vocab", "600", "--eval-every", "3", "--save-every", "3", "--quiet"]
    train.main(args)
    return data, out


def test_training_logs_losses_and_writes_a_reference_checkpoint_with_a_dev_threshold(trained) -> None:
    data, out = trained
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in log][-1] == 6
    assert all({"loss", "judgment", "interpretation", "lr"} <= set(entry) for entry in log)
    assert "dev" in log[-1]
    ckpt = Checkpoint.load(out / "final.pt")
    assert ckpt.status == "reference"
    assert 0 <= ckpt.threshold <= 1 and "dev split" in ckpt.threshold_provenance


def test_training_resumes_from_its_last_state(trained) -> None:
    data, out = trained
    before = (out / "log.jsonl").read_text()
    train.main(["--data", str(data), "--out", str(out), "--preset", "tiny", "--steps", "6", "--batch", "8",
                "--vocab", "600", "--eval-every", "3", "--save-every", "3", "--quiet"])
    assert (out / "log.jsonl").read_text() == before  # nothing left to do: no step was repeated
    with pytest.raises(SystemExit, match="other settings"):
        train.main(["--data", str(data), "--out", str(out), "--preset", "tiny", "--steps", "7", "--quiet"])


def test_the_trained_checkpoint_exports_and_runs_under_onnxruntime(trained, tmp_path: Path) -> None:
    data, out = trained
    ckpt = Checkpoint.load(out / "final.pt")
    manifest = write_package(ckpt, tmp_path / "pkg", "ifas-test", "0.0.1", "Apache-2.0")
    assert manifest["status"] == "reference"
    answer = OrtPackage(tmp_path / "pkg").answer(np.zeros((1, 3, 32, 32), np.float32), max_new_tokens=5)
    assert 0.0 <= answer.liveness <= 1.0


def test_evaluation_reports_metrics_roc_and_interpretability(trained) -> None:
    data, out = trained
    evaluate.main(["--checkpoint", str(out / "final.pt"), "--data", str(data), "--split", "test",
                   "--rationales", "4", "--out", str(out / "eval")])
    report = json.loads((out / "eval" / "report.json").read_text())
    assert report["samples"] == {"live": 6, "attack": 9}
    assert set(report["atDevThreshold"]["apcer_by_type"]) == {"print", "replay", "mask"}
    assert report["interpretability"]["rationales"] == 4
    assert (out / "eval" / "roc.png").stat().st_size > 1000
