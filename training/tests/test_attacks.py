"""Attack simulation: deterministic per seed, parameters recorded, each family leaves its own cue."""

from __future__ import annotations

import numpy as np
import pytest

from ifas.data.attacks import ATTACKS, bona_fide


def face() -> np.ndarray:
    rng = np.random.default_rng(1)
    base = np.full((96, 96, 3), 140, np.float32)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.float32)


@pytest.mark.parametrize("family", sorted(ATTACKS))
def test_attacks_are_seeded_and_record_their_parameters(family: str) -> None:
    a, params = ATTACKS[family](face(), np.random.default_rng(3))
    b, same = ATTACKS[family](face(), np.random.default_rng(3))
    assert params == same and np.array_equal(a, b)
    assert a.shape == (96, 96, 3) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 255
    assert params["family"] == family and "jpeg_quality" in params


def high_frequency_energy(image: np.ndarray) -> float:
    spectrum = np.abs(np.fft.fft2(image.mean(axis=2)))
    return float(spectrum[24:72, 24:72].sum() / spectrum.sum())


def test_print_and_replay_add_periodic_structure_that_a_live_capture_lacks() -> None:
    flat = np.full((96, 96, 3), 128, np.float32)
    live, _ = bona_fide(flat, np.random.default_rng(0))
    printed, _ = ATTACKS["print"](flat, np.random.default_rng(0))
    replay, _ = ATTACKS["replay"](flat, np.random.default_rng(0))
    assert high_frequency_energy(printed) > 2 * high_frequency_energy(live)
    assert high_frequency_energy(replay) > 2 * high_frequency_energy(live)


def test_mask_keeps_the_real_eyes_inside_a_printed_face() -> None:
    image, params = ATTACKS["mask"](face(), np.random.default_rng(5))
    assert params["eye_holes"] and params["outline"]
    assert image.shape == (96, 96, 3)
