"""Benchmark adapters on tiny synthetic folders in the published layouts, frame sampling, and the
protocol builder (OCIM leave-one-out)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from ifas.data.benchmarks import (
    build_protocol,
    casia_mfsd,
    celeba_spoof,
    folder,
    msu_mfsd,
    oulu_npu,
    replay_attack,
    sample_frames,
)

from .conftest import REPO

PORTRAIT = np.asarray(Image.open(REPO / "samples" / "grace-hopper.jpg").convert("RGB").resize((192, 224)))


def write_video(path: Path, frames: int = 12) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 192, 224, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(PORTRAIT, i, axis=1).copy(), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("benchmarks")
    write_video(base / "oulu" / "Train_files" / "1_1_01_1.avi")
    write_video(base / "oulu" / "Test_files" / "1_1_36_4.avi")
    write_video(base / "casia" / "train_release" / "1" / "1.avi")
    write_video(base / "casia" / "train_release" / "1" / "HR_4.avi")
    write_video(base / "casia" / "test_release" / "2" / "3.avi")
    write_video(base / "replay" / "train" / "real" / "client001_session01_webcam_authenticate_adverse_1.mov")
    write_video(base / "replay" / "test" / "attack" / "hand" / "attack_print_client002_session01_highdef_photo_adverse.mov")
    write_video(base / "msu" / "scene01" / "real" / "real_client002_android_SD_scene01.mp4")
    write_video(base / "msu" / "scene01" / "attack" / "attack_client002_android_SD_ipad_video_scene01.mp4")
    (base / "msu" / "test_sub_list.txt").write_text("2\n")
    celeba = base / "celeba"
    for part, subject, kind in (("train", "10", "live"), ("train", "10", "spoof"), ("test", "11", "spoof")):
        (celeba / "Data" / part / subject / kind).mkdir(parents=True)
        Image.fromarray(PORTRAIT).save(celeba / "Data" / part / subject / kind / "000001.jpg")
    (celeba / "metas" / "intra_test").mkdir(parents=True)
    labels = [0] * 43
    labels[40] = 8
    (celeba / "metas" / "intra_test" / "train_label.json").write_text(json.dumps({"Data/train/10/spoof/000001.jpg": labels}))
    write_video(base / "generic" / "attack" / "mask" / "s1" / "clip.mp4")
    return {"O": base / "oulu", "C": base / "casia", "I": base / "replay", "M": base / "msu", "CA": celeba,
            "folder": base / "generic"}


def kinds(items) -> list[tuple[str, bool, str, str]]:
    return [(i.path.name, i.live, i.attack_type, i.partition) for i in items]


def test_adapters_read_labels_types_and_partitions(roots) -> None:
    assert kinds(oulu_npu(roots["O"])) == [("1_1_01_1.avi", True, "live", "train"), ("1_1_36_4.avi", False, "replay", "test")]
    assert kinds(casia_mfsd(roots["C"])) == [("1.avi", True, "live", "train"), ("HR_4.avi", False, "replay", "train"),
                                             ("3.avi", False, "print", "test")]
    replay = kinds(replay_attack(roots["I"]))
    assert ("client001_session01_webcam_authenticate_adverse_1.mov", True, "live", "train") in replay
    assert any(not live and kind == "print" and part == "test" for _, live, kind, part in replay)
    assert {(k[1], k[2], k[3]) for k in kinds(msu_mfsd(roots["M"]))} == {(True, "live", "test"), (False, "replay", "test")}
    celeba = kinds(celeba_spoof(roots["CA"]))
    assert ("000001.jpg", False, "replay", "train") in celeba and ("000001.jpg", True, "live", "train") in celeba
    assert [(i.live, i.attack_type) for i in folder(roots["folder"], "X")] == [(False, "mask")]


def test_videos_give_two_frames_six_and_six_plus_half(roots) -> None:
    frames = sample_frames(roots["O"] / "Train_files" / "1_1_01_1.avi")
    assert len(frames) == 2 and frames[0].shape == (224, 192, 3)
    assert not np.array_equal(frames[0], frames[1])


def test_ocim_protocol_builds_a_dataset_with_the_target_as_test(roots, tmp_path: Path) -> None:
    train = list(oulu_npu(roots["O"])) + list(casia_mfsd(roots["C"])) + list(replay_attack(roots["I"]))
    test = list(msu_mfsd(roots["M"]))
    summary = build_protocol(train, test, tmp_path / "ocim-M", size=32, margin=0.25)
    rows = [json.loads(line) for line in (tmp_path / "ocim-M" / "samples.jsonl").read_text().splitlines()]
    assert summary["facesBySplit"]["test"] == 4  # two MSU videos × two frames
    assert {r["source"] for r in rows if r["split"] == "test"} == {"M"}
    assert {r["source"] for r in rows if r["split"] != "test"} == {"O", "C", "I"}
    assert all(r["video"] for r in rows)
    assert np.load(tmp_path / "ocim-M" / "pixels.npy").shape == (len(rows), 32, 32, 3)
