"""Data builder pieces: identity-disjoint splits, duplicate removal, identities named per file."""

from __future__ import annotations

import numpy as np

from ifas.data.build_dataset import FaceCrop, deduplicate, split_groups
from ifas.data.sources import SOURCES, file_name, named_identity


def crop(group: str, seed: int) -> FaceCrop:
    rng = np.random.default_rng(seed)
    return FaceCrop(f"{group}:{seed}", "s", "p.jpg", group, rng.uniform(0, 255, (32, 32, 3)).astype(np.float32), 50)


def test_splits_never_share_an_identity_and_follow_the_proportions() -> None:
    crops = [crop(f"g{g}", 100 * g + k) for g in range(40) for k in range(1 + g % 3)]
    crops += [crop("big-collage", 9000 + k) for k in range(15)]
    assigned = split_groups(crops, seed=0)
    assert set(assigned.values()) == {"train", "dev", "test"}
    faces = {s: sum(assigned[c.group] == s for c in crops) for s in ("train", "dev", "test")}
    total = len(crops)
    assert abs(faces["train"] / total - 0.6) < 0.1 and abs(faces["test"] / total - 0.2) < 0.1
    assert assigned["big-collage"] == "train"  # the largest group is placed first, where it fits
    assert split_groups(crops, seed=0) == assigned and split_groups(crops, seed=1) != assigned


def test_near_identical_crops_are_dropped_and_different_faces_kept() -> None:
    a = crop("g1", 1)
    again = FaceCrop("copy", "s2", "q.jpg", "g9", np.clip(a.pixels + 2, 0, 255), 50)
    b = crop("g2", 2)
    kept, dropped = deduplicate([a, again, b])
    assert [c.crop_id for c in kept] == [a.crop_id, b.crop_id] and dropped == 1


def test_sources_declare_licences_and_name_identities() -> None:
    assert all(s.licence for s in SOURCES)
    assert all(s.public_domain == ("public domain" in s.licence) for s in SOURCES)
    named = next(s for s in SOURCES if s.group_by == "named")
    assert all(named_identity(e) for e in named.files)
    assert file_name("cage2_crop.jpg:cage") == "cage2_crop.jpg" and named_identity("x.jpg") is None
