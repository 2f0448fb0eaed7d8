"""The two independent attack simulators, by name, for `build_dataset --simulator` and the cross-simulator
protocol (train on one, test on the other).

  a   ifas.data.attacks       2-D image operations on the face crop, then ifas.data.camera
  b   ifas.data.simulator_b   the medium as a textured plane under a light, ray-cast by a pinhole camera
                              with a Bayer sensor (different code, techniques and parameter ranges)

Both expose `bona_fide(face, rng, size)` and `attacks[family](face, rng, size)` → (image (size, size, 3)
float32 0–255, recorded parameters). Bona fide captures go through the same camera as the attacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Params = dict[str, float | int | str | bool]
Simulate = Callable[[np.ndarray, np.random.Generator, int], tuple[np.ndarray, Params]]


@dataclass(frozen=True)
class Simulator:
    name: str
    bona_fide: Simulate
    attacks: dict[str, Simulate]


def _simulator_a() -> Simulator:
    from . import attacks

    return Simulator("a", attacks.bona_fide, attacks.ATTACKS)


def _simulator_b() -> Simulator:
    from .simulator_b import scenes

    return Simulator("b", scenes.bona_fide, scenes.ATTACKS)


class _Registry(dict):
    """Builds a simulator on first use (simulator b's renderer is only imported when asked for)."""

    def __missing__(self, key: str) -> Simulator:
        factory = {"a": _simulator_a, "b": _simulator_b}[key]
        self[key] = factory()
        return self[key]

    def __iter__(self):
        return iter(("a", "b"))

    def __len__(self) -> int:
        return 2

    def __contains__(self, key: object) -> bool:
        return key in ("a", "b")


SIMULATORS: dict[str, Simulator] = _Registry()
