"""Refuses a Hugging Face checkpoint folder that is incomplete or altered, before anything loads it.

A folder must hold config.json and its weights as safetensors: one `model.safetensors`, or shards named
by `model.safetensors.index.json`, every one of which must exist and together hold every tensor the
index maps. Hugging Face folders carry no hashes of their own, so hashes come from a `SHA256SUMS`
file (the output of `sha256sum *.safetensors *.json > SHA256SUMS`) in the folder or given explicitly;
when one is present, every file it lists must match. The digest of the folder (the SHA-256 of its
sorted file hashes) is recorded in the training run and the package, to tie both to these weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from safetensors import safe_open

from ..files import sha256_file

SUMS_FILE = "SHA256SUMS"
SINGLE = "model.safetensors"
INDEX = "model.safetensors.index.json"


class CheckpointError(ValueError):
    """A checkpoint folder that must not be loaded; the message names what is missing or wrong."""


def read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*").strip()] = digest.lower()
    return sums


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files the folder's index (or single file) names; refuses missing shards."""
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"{folder}: no config.json (not a Hugging Face checkpoint folder)")
    if (folder / INDEX).is_file():
        index = json.loads((folder / INDEX).read_text())
        shards = sorted(set(index["weight_map"].values()))
        missing = [name for name in shards if not (folder / name).is_file()]
        if missing:
            raise CheckpointError(f"{folder}: missing weight shards {missing} named by {INDEX}")
        present: set[str] = set()
        for name in shards:
            with safe_open(str(folder / name), framework="pt") as handle:
                present.update(handle.keys())
        absent = sorted(set(index["weight_map"]) - present)
        if absent:
            raise CheckpointError(f"{folder}: {len(absent)} tensors of {INDEX} are in no shard, e.g. {absent[:3]}")
        return [folder / name for name in shards]
    if (folder / SINGLE).is_file():
        with safe_open(str(folder / SINGLE), framework="pt") as handle:  # refuses a truncated header
            handle.keys()
        return [folder / SINGLE]
    if any(folder.glob("*.bin")):
        raise CheckpointError(f"{folder}: only pickle (.bin) weights; convert them to safetensors first")
    raise CheckpointError(f"{folder}: no {SINGLE} or {INDEX}")


def verify_checkpoint(folder: Path, sums_file: Path | None = None) -> str:
    """Checks shards and (when a SHA256SUMS file exists) hashes; returns the folder digest."""
    folder = Path(folder)
    files = weight_files(folder)
    sums_path = sums_file or folder / SUMS_FILE
    if sums_path.is_file():
        for name, expected in read_sums(sums_path).items():
            path = folder / name
            if not path.is_file():
                raise CheckpointError(f"{folder}: {name} listed in {sums_path.name} is missing")
            actual = sha256_file(path)
            if actual != expected:
                raise CheckpointError(f"{folder}: SHA-256 mismatch for {name} (expected {expected[:12]}…, got {actual[:12]}…)")
        unlisted = [f.name for f in files if f.name not in read_sums(sums_path)]
        if unlisted:
            raise CheckpointError(f"{folder}: weight files {unlisted} are not listed in {sums_path.name}")
    digest = hashlib.sha256()
    for path in sorted(files + [folder / "config.json"]):
        digest.update(f"{path.name} {sha256_file(path)}\n".encode())
    return digest.hexdigest()


def write_sums(folder: Path) -> None:
    """SHA256SUMS over the folder's weights, config and tokenizer files (what `sha256sum` would write)."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != SUMS_FILE)
    (folder / SUMS_FILE).write_text("".join(f"{sha256_file(folder / n)}  {n}\n" for n in names))
