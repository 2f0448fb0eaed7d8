"""Adapters for the public face anti-spoofing benchmarks, for users who have the data.

Each adapter walks a dataset root in its published layout and yields `MediaItem`s (a video or an image,
live or attack, attack type, subject, the dataset's own train/test partition). `build_protocol` then
turns chosen datasets into a dataset folder in this project's format (face crops through the
project's detector and crop policy, pixels.npy + samples.jsonl), so `ifas.train` and `ifas.evaluate`
run the benchmark protocols unchanged:

  OCIM leave-one-out   train on three of OULU-NPU (O), CASIA-MFSD (C), Replay-Attack (I), MSU-MFSD (M),
                       test on the fourth
  One-to-Eleven        train on CelebA-Spoof, test on each other dataset (the four above here; the others
                       through the `folder` adapter: root/live/**, root/attack/<type>/**)

Videos are sampled as the FLIP/I-FAS benchmark line does: two frames, number 6 and 6 + ⌊T/2⌋; their
scores are averaged per video at evaluation (`video` field).

  PYTHONPATH=training training/.venv/bin/python -m ifas.data.benchmarks --protocol ocim --target M \
      --root O=/data/oulu --root C=/data/casia --root I=/data/replay --root M=/data/msu --out runs/data/ocim-M
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

VIDEO = {".avi", ".mov", ".mp4", ".mkv"}
IMAGE = {".jpg", ".jpeg", ".png", ".bmp"}


@dataclass(frozen=True)
class MediaItem:
    path: Path
    dataset: str
    live: bool
    attack_type: str  # "live", "print", "replay", "mask", …
    subject: str
    partition: str  # the dataset's own partition: "train" | "dev" | "test"


def oulu_npu(root: Path) -> Iterator[MediaItem]:
    """<Train|Dev|Test>_files/<phone>_<session>_<user>_<access>.avi; access 1 live, 2–3 print, 4–5 replay."""
    for part, folder in (("train", "Train_files"), ("dev", "Dev_files"), ("test", "Test_files")):
        for path in sorted((root / folder).glob("*.avi")):
            match = re.fullmatch(r"(\d)_(\d)_(\d+)_(\d)", path.stem)
            if match:
                access = int(match.group(4))
                kind = "live" if access == 1 else "print" if access in (2, 3) else "replay"
                yield MediaItem(path, "O", access == 1, kind, f"O{match.group(3)}", part)


def casia_mfsd(root: Path) -> Iterator[MediaItem]:
    """<train|test>_release/<subject>/<1..8|HR_1..4>.avi: 1, 2, HR_1 live; 3–6, HR_2, HR_3 print; 7, 8, HR_4 replay."""
    kinds = {"1": "live", "2": "live", "HR_1": "live", "7": "replay", "8": "replay", "HR_4": "replay"}
    for part, folder in (("train", "train_release"), ("test", "test_release")):
        for path in sorted((root / folder).glob("*/*.avi")):
            kind = kinds.get(path.stem, "print")
            yield MediaItem(path, "C", kind == "live", kind, f"C{part}{path.parent.name}", part)


def replay_attack(root: Path) -> Iterator[MediaItem]:
    """<train|devel|test>/real/*.mov and .../attack/{fixed,hand}/attack_<device>_client<id>_..._<photo|video|print>_...mov."""
    for part, folder in (("train", "train"), ("dev", "devel"), ("test", "test")):
        for path in sorted((root / folder).rglob("*.mov")):
            client = re.search(r"client(\d+)", path.name)
            subject = f"I{client.group(1) if client else path.stem}"
            if "real" in path.parts:
                yield MediaItem(path, "I", True, "live", subject, part)
            else:
                kind = "print" if "print" in path.name else "replay"
                yield MediaItem(path, "I", False, kind, subject, part)


def msu_mfsd(root: Path) -> Iterator[MediaItem]:
    """scene01/<real|attack>/*.mp4|mov; attack names contain printed_photo or *_video / *_photo (screens);
    train/test by the published subject lists test_sub_list.txt / train_sub_list.txt when present."""
    test_subjects: set[str] = set()
    if (root / "test_sub_list.txt").exists():
        test_subjects = {f"{int(s):03d}" for s in (root / "test_sub_list.txt").read_text().split()}
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO):
        client = re.search(r"client(\d+)", path.name)
        subject = client.group(1) if client else path.stem
        live = "real" in path.parts
        kind = "live" if live else "print" if "printed" in path.name else "replay"
        yield MediaItem(path, "M", live, kind, f"M{subject}", "test" if subject in test_subjects else "train")


CELEBA_TYPES = {0: "live", 1: "print", 2: "print", 3: "print", 4: "mask", 5: "mask", 6: "mask",
                7: "replay", 8: "replay", 9: "replay", 10: "mask"}


def celeba_spoof(root: Path) -> Iterator[MediaItem]:
    """Data/<train|test>/<subject>/<live|spoof>/*.jpg; attack type from metas/intra_test/<part>_label.json
    (index 40 of each label list: 0 live, 1–3 print, 4–6 masks, 7–9 replay, 10 3D mask) when present."""
    for part in ("train", "test"):
        labels_file = root / "metas" / "intra_test" / f"{part}_label.json"
        labels = json.loads(labels_file.read_text()) if labels_file.exists() else {}
        for path in sorted((root / "Data" / part).glob("*/*/*")):
            if path.suffix.lower() not in IMAGE:
                continue
            live = path.parent.name == "live"
            key = path.relative_to(root).as_posix()
            kind = CELEBA_TYPES.get(labels[key][40], "print") if key in labels else ("live" if live else "spoof")
            yield MediaItem(path, "CelebA-Spoof", live, kind, f"CA{path.parent.parent.name}", part)


def folder(root: Path, name: str = "folder") -> Iterator[MediaItem]:
    """root/live/**/<media> and root/attack/<type>/**/<media>; subject = first folder below."""
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO | IMAGE):
        parts = path.relative_to(root).parts
        live = parts[0] == "live"
        kind = "live" if live else (parts[1] if len(parts) > 2 else "attack")
        subject = parts[1 if live else 2] if len(parts) > (2 if live else 3) else path.stem
        yield MediaItem(path, name, live, kind, f"{name}:{subject}", "test")


ADAPTERS = {"O": oulu_npu, "C": casia_mfsd, "I": replay_attack, "M": msu_mfsd, "CelebA-Spoof": celeba_spoof}


def sample_frames(path: Path, first: int = 6) -> list[np.ndarray]:
    """Frames `first` and `first` + ⌊T/2⌋ (T = frame count) as RGB arrays; images give themselves."""
    if path.suffix.lower() in IMAGE:
        return [np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))]
    import av

    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    if not frames:
        return []
    wanted = sorted({min(first, len(frames) - 1), min(first + len(frames) // 2, len(frames) - 1)})
    return [frames[i] for i in wanted]


def build_protocol(train_items: list[MediaItem], test_items: list[MediaItem], out: Path, size: int,
                   margin: float, dev_fraction: float = 0.2, seed: int = 0) -> dict:
    """Crops every sampled frame's face and writes a dataset folder; dev = a subject-disjoint part of the
    training datasets (never the target)."""
    from ..face.blazeface import FaceDetector
    from ..face.crop_policy import choose_face, crop_window
    from ..face.sampler import sample_window

    repo = Path(__file__).resolve().parents[3]
    detector = FaceDetector(repo / "models" / "face-detector")
    rng = np.random.default_rng(seed)
    subjects = sorted({i.subject for i in train_items})
    dev_subjects = set(rng.choice(subjects, size=max(1, int(len(subjects) * dev_fraction)), replace=False)) if subjects else set()
    pixels, rows, skipped = [], [], 0
    for split_items, is_test in ((train_items, False), (test_items, True)):
        for item in split_items:
            for k, frame in enumerate(sample_frames(item.path)):
                face, reason = choose_face(detector.detect(frame), "largest")
                if face is None:
                    skipped += 1
                    continue
                crop = sample_window(frame, crop_window(face, margin), size)
                pixels.append(np.clip(np.rint(crop), 0, 255).astype(np.uint8))
                split = "test" if is_test else "dev" if item.subject in dev_subjects else "train"
                rows.append({"id": f"{item.dataset}:{item.path.name}:{k}", "video": f"{item.dataset}:{item.path}",
                             "identity": item.subject, "source": item.dataset, "split": split,
                             "family": "live" if item.live else item.attack_type, "params": {}})
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "pixels.npy", np.stack(pixels) if pixels else np.zeros((0, size, size, 3), np.uint8))
    (out / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = {"faces": len(rows), "identityGroups": len({r["identity"] for r in rows}),
               "facesBySplit": {s: sum(r["split"] == s for r in rows) for s in ("train", "dev", "test")},
               "framesWithoutFace": skipped, "sources": {}}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--protocol", choices=["ocim", "one-to-eleven"], required=True)
    parser.add_argument("--target", required=True, help="OCIM: O, C, I or M; One-to-Eleven: a dataset name")
    parser.add_argument("--root", action="append", default=[], help="NAME=PATH; NAME in O C I M CelebA-Spoof, or any name for the folder layout")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--margin", type=float, default=0.25)
    args = parser.parse_args(argv)
    roots = dict(pair.split("=", 1) for pair in args.root)

    def items(name: str) -> list[MediaItem]:
        adapter = ADAPTERS.get(name)
        return list(adapter(Path(roots[name])) if adapter else folder(Path(roots[name]), name))

    if args.protocol == "ocim":
        sources = [n for n in ("O", "C", "I", "M") if n != args.target]
        train = [i for n in sources for i in items(n)]
    else:
        train = [i for i in items("CelebA-Spoof") if i.partition == "train"]
    test = items(args.target)
    print(json.dumps(build_protocol(train, test, args.out, args.size, args.margin), indent=2))


if __name__ == "__main__":
    main()
