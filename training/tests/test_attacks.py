"""Attack simulators A and B: seeded, parameters recorded, the camera applied to bona fide captures too,
each family leaves its own cue, and the two simulators are different code paths."""

from __future__ import annotations

import numpy as np
import pytest

from ifas.data.simulators import SIMULATORS


def face(side: int = 96) -> np.ndarray:
    rng = np.random.default_rng(1)
    base = np.full((side, side, 3), 140, np.float32)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.float32)


CASES = [(sim, family) for sim in ("a", "b") for family in ("live", "print", "replay", "mask")]


def simulate(sim: str, family: str, image: np.ndarray, seed: int, size: int = 48):
    simulator = SIMULATORS[sim]
    make = simulator.bona_fide if family == "live" else simulator.attacks[family]
    return make(image, np.random.default_rng(seed), size)


@pytest.mark.parametrize(("sim", "family"), CASES)
def test_simulations_are_seeded_sized_and_record_their_parameters(sim: str, family: str) -> None:
    a, params = simulate(sim, family, face(), 3)
    b, same = simulate(sim, family, face(), 3)
    assert params == same and np.array_equal(a, b)
    assert a.shape == (48, 48, 3) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 255
    assert params["family"] == family
    # Bona fide captures go through the same camera as attacks: the camera's draws are recorded for all.
    assert "jpeg_quality" in params and "sensor_noise" in params and "exposure" in params


@pytest.mark.parametrize("sim", ["a", "b"])
def test_parameters_are_drawn_from_wide_ranges(sim: str) -> None:
    draws = [simulate(sim, "replay", face(), seed)[1] for seed in range(12)]
    assert len({d["layout"] for d in draws}) == 3  # three subpixel layouts, one of them invisible
    assert len({d["jpeg_quality"] for d in draws}) > 6
    prints = [simulate(sim, "print", face(), seed)[1] for seed in range(12)]
    assert len({p["screen"] for p in prints}) == 2  # two screening techniques per simulator
    assert {p["gloss"] for p in prints} == {True, False}


def test_the_two_simulators_use_different_techniques() -> None:
    a = [simulate("a", "print", face(), s)[1]["screen"] for s in range(10)]
    b = [simulate("b", "print", face(), s)[1]["screen"] for s in range(10)]
    assert set(a) == {"am", "fm"} and set(b) == {"ordered_dither", "line"}
    a_layouts = {simulate("a", "replay", face(), s)[1]["layout"] for s in range(12)}
    b_layouts = {simulate("b", "replay", face(), s)[1]["layout"] for s in range(12)}
    assert a_layouts & b_layouts == {"none"}  # only "no visible grid" is shared
    assert "supersampling" in simulate("b", "live", face(), 0)[1]  # B ray-casts; A works on 2-D images
    assert "resampler" in simulate("a", "live", face(), 0)[1]


def spectral_peak(image: np.ndarray) -> float:
    """Strongest non-DC frequency against the median magnitude: periodic structure makes peaks, noise does not."""
    spectrum = np.abs(np.fft.fft2(image.mean(axis=2) - image.mean()))
    for rows in (slice(0, 3), slice(-3, None)):
        for cols in (slice(0, 3), slice(-3, None)):
            spectrum[rows, cols] = 0
    return float(spectrum.max() / np.median(spectrum))


def test_simulator_a_print_and_replay_leave_periodic_structure_a_live_capture_lacks() -> None:
    flat = np.full((192, 192, 3), 128, np.float32)
    peak = {family: np.median([spectral_peak(simulate("a", family, flat, s, 96)[0]) for s in range(8)])
            for family in ("live", "print", "replay")}
    assert peak["print"] > 4 * peak["live"] and peak["replay"] > 4 * peak["live"]


def test_simulator_b_panel_emits_through_its_subpixels_and_the_plane_foreshortens() -> None:
    from ifas.data.simulator_b.plane_renderer import Pose, intersect, rays
    from ifas.data.simulator_b.scenes import _panel_emission

    grey = np.full((32, 32, 3), 128.0)
    uv = np.stack(np.meshgrid(np.linspace(0, 1, 400), np.linspace(0, 1, 400)), axis=-1)
    for seed in range(20):
        params: dict = {}
        emission = _panel_emission(grey, uv, np.random.default_rng(seed), params)
        if params["layout"] == "bgr_stripe":
            break
    red, blue = emission[..., 0] > 0, emission[..., 2] > 0
    assert red.any() and blue.any() and not (red & blue).any()  # the subpixels never overlap
    frontal = intersect(rays(64, 0.5, 0.0), Pose(0, 0, 0, 1.0, 0.0))
    turned = intersect(rays(64, 0.5, 0.0), Pose(0.6, 0, 0, 1.0, 0.0))
    assert frontal[1].all()  # a sheet at distance 1 fills a ±0.5 view
    steps = np.diff(frontal[0][32, :, 0])
    assert np.allclose(steps, steps[0])  # frontal: every pixel covers the same width of sheet
    turned_steps = np.diff(turned[0][32, turned[1][32], 0])
    assert turned_steps.max() > 1.5 * turned_steps.min()  # turned away: perspective foreshortening
    assert not turned[1].all()  # and the room shows beside it


def test_simulator_b_mask_shows_the_wearer_through_the_eye_holes() -> None:
    image, params = simulate("b", "mask", face(), 5)
    assert params["eye_holes"] and params["outline"] and image.shape == (48, 48, 3)
