"""Physically motivated presentation-attack simulation on real face crops.

Every function takes a bona fide face crop (H, W, 3) float32 in 0–255 and a numpy Generator, and
returns the attacked image plus the parameters it drew, so that each sample records exactly what was
done to it (the offline captioner describes those parameters; evaluation groups by attack family).

Families and the cues they leave (what a real capture of the medium shows):
  print    colour-gamut loss, halftone dots, paper texture, gloss highlight, bending, visible paper edge
  replay   screen subpixel grid, moiré from resampling, gamma/backlight shift, glare, bezel
  mask     paper mask with cut-out eye holes: printed skin around real eyes, a visible mask outline
Bona fide samples get realistic capture variation (sensor noise, exposure, JPEG) so that none of these
trivia alone separates live from spoof.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

Params = dict[str, float | int | str | bool]
Attack = Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, Params]]

ATTACK_FAMILIES = ("print", "replay", "mask")


def _clip(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0.0, 255.0).astype(np.float32)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return ys, xs


def _smooth_noise(h: int, w: int, scale: int, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a coarse random grid upsampled bilinearly."""
    coarse = rng.uniform(-1, 1, (max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return np.asarray(Image.fromarray(coarse, mode="F").resize((w, h), Image.BILINEAR))


SIDES = ["left", "right", "top", "bottom"]


def _border(side: str, width: int, h: int, w: int) -> tuple[slice, slice]:
    """The strip of `width` pixels along one side of an (h, w) image, as an index."""
    return {"left": (slice(None), slice(0, width)), "right": (slice(None), slice(w - width, w)),
            "top": (slice(0, width), slice(None)), "bottom": (slice(h - width, h), slice(None))}[side]


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(_clip(image).astype(np.uint8)).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32)


def capture(image: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """The camera that photographs the (live or attacking) scene: exposure, sensor noise, JPEG."""
    exposure = float(rng.uniform(0.8, 1.2))
    noise = float(rng.uniform(0.0, 6.0))
    quality = int(rng.integers(60, 96))
    params.update(exposure=round(exposure, 3), sensor_noise=round(noise, 2), jpeg_quality=quality)
    out = image * exposure + rng.normal(0, noise, image.shape).astype(np.float32)
    return jpeg(out, quality)


def bona_fide(face: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "live"}
    return capture(face, rng, params), params


def print_attack(face: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "print"}
    sheet = printed_sheet(face, rng, params)
    return capture(sheet, rng, params), params


def printed_sheet(face: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """The face as it looks printed on paper, before a camera photographs it."""
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    # 1. Printer gamut: saturation and contrast are lost, blacks lift, a paper tint creeps in.
    saturation = float(rng.uniform(0.45, 0.85))
    contrast = float(rng.uniform(0.6, 0.85))
    grey = face.mean(axis=2, keepdims=True)
    out = grey + (face - grey) * saturation
    out = 128 + (out - 128) * contrast + rng.uniform(5, 20)
    tint = rng.uniform(-8, 8, 3).astype(np.float32)
    out = out + tint
    # 2. Halftone: a dot screen at some angle and period modulates brightness.
    period = float(rng.uniform(2.2, 4.5))
    angle = float(rng.uniform(0, np.pi))
    u = xs * np.cos(angle) + ys * np.sin(angle)
    v = -xs * np.sin(angle) + ys * np.cos(angle)
    dots = np.cos(2 * np.pi * u / period) * np.cos(2 * np.pi * v / period)
    halftone = float(rng.uniform(10, 28))
    out = out + halftone * dots[..., None]
    # 3. Paper texture: fine fibre noise plus low-frequency unevenness.
    texture = float(rng.uniform(3, 9))
    out = out + texture * (rng.normal(0, 1, (h, w, 1)) + _smooth_noise(h, w, 6, rng)[..., None])
    # 4. Gloss: a soft specular highlight somewhere on the sheet.
    glossy = bool(rng.random() < 0.5)
    if glossy:
        cy, cx, radius = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.2, 0.5) * w
        out = out + 70 * np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * radius**2))[..., None]
    # 5. Bending: the sheet curves, rows shift sinusoidally.
    bend = float(rng.uniform(0, 3.5))
    shift = (bend * np.sin(np.pi * ys / h)).astype(np.int32)
    out = np.take_along_axis(out, np.clip(xs.astype(np.int32) + shift, 0, w - 1)[..., None].repeat(3, 2), axis=1)
    # 6. Visible edge: part of the frame shows the world behind the sheet.
    edge = bool(rng.random() < 0.6)
    params.update(saturation=round(saturation, 3), contrast=round(contrast, 3), halftone_period=round(period, 2),
                  halftone_strength=round(halftone, 1), paper_texture=round(texture, 1), gloss=glossy,
                  bend_px=round(bend, 2), visible_edge=edge)
    if edge:
        side = str(rng.choice(SIDES))
        width = int(rng.integers(max(2, w // 16), max(3, w // 6)))
        background = rng.uniform(20, 200, 3).astype(np.float32)
        region = _border(side, width, h, w)
        out[region] = background + rng.normal(0, 4, out[region].shape)
        params.update(edge_side=side)
    return _clip(out)


def replay_attack(face: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Params]:
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    params: Params = {"family": "replay"}
    # 1. The screen shows a resampled copy: its pixel grid beats against the camera's (moiré).
    screen_scale = float(rng.uniform(0.55, 0.9))
    small = Image.fromarray(face.astype(np.uint8)).resize((max(8, int(w * screen_scale)), max(8, int(h * screen_scale))),
                                                          Image.BILINEAR)
    out = np.asarray(small.resize((w, h), Image.NEAREST), dtype=np.float32)
    # 2. Subpixel grid: RGB stripes and dark gaps between pixel rows, at a non-integer pitch.
    pitch = float(rng.uniform(1.6, 3.2))
    phase = (xs / pitch) % 1.0
    stripes = np.stack([phase < 1 / 3, (phase >= 1 / 3) & (phase < 2 / 3), phase >= 2 / 3], axis=-1).astype(np.float32)
    grid_strength = float(rng.uniform(0.12, 0.35))
    row_gap = (np.cos(2 * np.pi * ys / pitch) * 0.5 + 0.5)[..., None]
    out = out * (1 - grid_strength + grid_strength * (0.6 * stripes + 0.4 * row_gap) * 1.5)
    # 3. Moiré bands from the camera sampling the grid.
    moire_period = float(rng.uniform(6, 18))
    moire_angle = float(rng.uniform(0, np.pi))
    moire = np.sin(2 * np.pi * (xs * np.cos(moire_angle) + ys * np.sin(moire_angle)) / moire_period)
    moire_strength = float(rng.uniform(6, 18))
    out = out + moire_strength * moire[..., None]
    # 4. Display tone: gamma and backlight shift, a blue or warm cast.
    gamma = float(rng.uniform(0.7, 1.4))
    backlight = float(rng.uniform(10, 35))
    cast = np.array([rng.uniform(-10, 5), rng.uniform(-5, 5), rng.uniform(0, 15)], dtype=np.float32)
    out = 255 * (np.clip(out, 0, 255) / 255) ** gamma + backlight + cast
    # 5. Glare: a reflection on the glass.
    glare = bool(rng.random() < 0.5)
    if glare:
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        out = out + 90 * np.exp(-((ys - cy) ** 2 / (2 * (0.15 * h) ** 2) + (xs - cx) ** 2 / (2 * (0.35 * w) ** 2)))[..., None]
    # 6. Bezel: the device's dark frame intrudes on one or two sides.
    bezel = bool(rng.random() < 0.6)
    params.update(screen_scale=round(screen_scale, 3), subpixel_pitch=round(pitch, 2), grid_strength=round(grid_strength, 3),
                  moire_period=round(moire_period, 1), moire_strength=round(moire_strength, 1), gamma=round(gamma, 3),
                  backlight=round(backlight, 1), glare=glare, bezel=bezel)
    if bezel:
        thickness = int(rng.integers(max(2, w // 20), max(3, w // 7)))
        colour = float(rng.uniform(5, 40))
        sides = rng.choice(SIDES, size=int(rng.integers(1, 3)), replace=False)
        for side in sides:
            out[_border(str(side), thickness, h, w)] = colour
        params.update(bezel_sides=",".join(sorted(str(s) for s in sides)))
    return capture(_clip(out), rng, params), params


def mask_attack(face: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Params]:
    """Paper mask: a printed face held in front of a real one, eye holes cut out."""
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    params: Params = {"family": "mask"}
    printed = printed_sheet(face, rng, params)
    # Eye holes: roughly where the eyes sit in an eye-levelled crop with margin.
    eye_y = h * float(rng.uniform(0.38, 0.46))
    eye_dx = w * float(rng.uniform(0.12, 0.17))
    hole = w * float(rng.uniform(0.05, 0.08))
    holes = np.zeros((h, w), dtype=bool)
    for cx in (w / 2 - eye_dx, w / 2 + eye_dx):
        holes |= ((ys - eye_y) ** 2 / (0.7 * hole) ** 2 + (xs - cx) ** 2 / hole**2) <= 1
    out = np.where(holes[..., None], face, printed)
    # The mask's outline: a dark cut edge around the face oval.
    oval = ((ys - h / 2) ** 2 / (0.42 * h) ** 2 + (xs - w / 2) ** 2 / (0.34 * w) ** 2)
    outline = np.abs(oval - 1) < 0.06
    out = np.where(outline[..., None], out * 0.45, out)
    params.update(eye_holes=True, hole_radius_px=round(hole, 1), outline=True)
    return capture(_clip(out), rng, params), params


ATTACKS: dict[str, Attack] = {"print": print_attack, "replay": replay_attack, "mask": mask_attack}
