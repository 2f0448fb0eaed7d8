"""Simulator A: domain-randomised presentation attacks as 2-D image operations on a real face crop.

Every family takes the bona fide face crop (the scene, (H, W, 3) float32 0–255, H = W), a numpy Generator and
the model input size, and returns the captured image (size, size, 3) plus every parameter it drew (the
offline captioner describes them; evaluation groups by family). Ranges are wide on purpose: a model
should not learn one printer, one screen or one camera.

  print   AM (rotated dot screens per ink, random frequency) or FM (stochastic) halftone, dot gain, gamut
          loss, paper tint and fibre texture, inkjet banding, glossy highlight, bend shading and
          displacement, optional visible sheet edge
  replay  RGB-stripe, PenTile or no visible subpixel grid at a random pitch and rotation (the camera's
          resampling of that grid makes the moiré), refresh banding, glare and window reflections, gamma and
          gamut compression, backlight, bezel or no bezel
  mask    a printed face with cut-out eyes (and sometimes mouth), a visible cut edge, the wearer's
          mismatched skin around and through it, parallax between the holes and the eyes behind
Bona fide captures go through the same camera (ifas.data.camera) as every attack.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from .camera import capture

Params = dict[str, float | int | str | bool]
Attack = Callable[[np.ndarray, np.random.Generator, int], tuple[np.ndarray, Params]]

ATTACK_FAMILIES = ("print", "replay", "mask")
SIDES = ("left", "right", "top", "bottom")


def _clip(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0.0, 255.0).astype(np.float32)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return ys, xs


def _smooth_noise(h: int, w: int, scale: int, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a coarse random grid upsampled bilinearly."""
    coarse = rng.uniform(-1, 1, (max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return np.asarray(Image.fromarray(coarse, mode="F").resize((w, h), Image.BILINEAR))


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an (H, W) or (H, W, C) float array, edges reflected."""
    if sigma <= 0:
        return image
    radius = max(1, int(np.ceil(3 * sigma)))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel = (kernel / kernel.sum()).astype(np.float32)
    out = image.astype(np.float32)
    for axis in (0, 1):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="reflect")
        n = out.shape[axis]
        out = sum(k * np.take(padded, np.arange(i, i + n), axis=axis) for i, k in enumerate(kernel))
    return out.astype(np.float32)


def _border(side: str, width: int, h: int, w: int) -> tuple[slice, slice]:
    """The strip of `width` pixels along one side of an (h, w) image, as an index."""
    return {"left": (slice(None), slice(0, width)), "right": (slice(None), slice(w - width, w)),
            "top": (slice(0, width), slice(None)), "bottom": (slice(h - width, h), slice(None))}[side]


def bona_fide(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "live"}
    return capture(face, rng, params, size), params


# ---------------------------------------------------------------------------------------------- print


def _halftone(coverage: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """Ink coverage (H, W, 3) in [0, 1] per ink (C, M, Y) → binary dots, AM or FM screened."""
    h, w, _ = coverage.shape
    ys, xs = _grid(h, w)
    if rng.random() < 0.5:  # AM: a rotated cosine dot screen per ink, 15–30° apart
        period = float(rng.uniform(1.8, 7.0))
        base = float(rng.uniform(0, np.pi / 2))
        dots = []
        for ink in range(3):
            angle = base + ink * float(rng.uniform(np.pi / 12, np.pi / 6))
            u = xs * np.cos(angle) + ys * np.sin(angle)
            v = -xs * np.sin(angle) + ys * np.cos(angle)
            spot = 0.5 - 0.25 * (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period))  # 0…1
            dots.append(coverage[..., ink] > spot)
        params.update(screen="am", halftone_period=round(period, 2), screen_angle=round(float(np.degrees(base)), 1))
    else:  # FM: stochastic screening against blurred white noise (clusters of 1–3 px)
        cluster = float(rng.uniform(0.0, 1.2))
        dots = []
        for ink in range(3):
            noise = rng.uniform(0, 1, (h, w)).astype(np.float32)
            if cluster > 0:
                noise = _blur(noise, cluster)
                noise = (np.argsort(np.argsort(noise.ravel())) / noise.size).reshape(h, w)  # uniform again
            dots.append(coverage[..., ink] > noise)
        params.update(screen="fm", fm_cluster=round(cluster, 2))
    return np.stack(dots, axis=-1).astype(np.float32)


def printed_sheet(face: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """The face as it looks printed on paper, lit in the room, before a camera photographs it."""
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    # 1. Gamut: saturation and contrast are lost, blacks lift.
    saturation, contrast = float(rng.uniform(0.45, 1.0)), float(rng.uniform(0.6, 0.98))
    grey = face.mean(axis=2, keepdims=True)
    image = grey + (face - grey) * saturation
    image = 128 + (image - 128) * contrast + float(rng.uniform(0, 25))
    # 2. Inks on a tinted paper: coverage per ink, screened, spread by dot gain, then continuous blend
    #    (a fine printer's dots are partly below the camera's resolution).
    paper = rng.uniform(225, 255, 3).astype(np.float32)
    coverage = np.clip(1 - image / paper, 0, 1)
    dots = _halftone(coverage, rng, params)
    gain = float(rng.uniform(0.5, 1.6))
    spread = _blur(dots, gain)
    screened_weight = float(rng.uniform(0.2, 0.8))
    ink = screened_weight * spread + (1 - screened_weight) * coverage
    out = paper * (1 - 0.92 * ink)
    # 3. Paper fibres and unevenness.
    texture = float(rng.uniform(1, 9))
    out = out + texture * (rng.normal(0, 1, (h, w, 1)) * 0.6 + _smooth_noise(h, w, 8, rng)[..., None])
    # 4. Inkjet banding: periodic stripes along the print direction.
    banding = bool(rng.random() < 0.4)
    if banding:
        period, strength = float(rng.uniform(4, 30)), float(rng.uniform(2, 10))
        axis = ys if rng.random() < 0.5 else xs
        out = out + strength * np.sign(np.sin(2 * np.pi * axis / period))[..., None]
    # 5. Bend: the sheet curves — rows shift and the light falls off across the fold.
    bend = float(rng.uniform(0, 6))
    shift = (bend * np.sin(np.pi * ys / h + float(rng.uniform(-0.5, 0.5)))).astype(np.int32)
    out = np.take_along_axis(out, np.clip(xs.astype(np.int32) + shift, 0, w - 1)[..., None].repeat(3, 2), axis=1)
    shading = 1 - float(rng.uniform(0, 0.25)) * np.cos(np.pi * (xs / w - float(rng.uniform(0.2, 0.8))))
    out = out * shading[..., None]
    # 6. Gloss: a specular highlight where the light reflects.
    glossy = bool(rng.random() < 0.5)
    if glossy:
        cy, cx, radius = rng.uniform(0, h), rng.uniform(0, w), float(rng.uniform(0.1, 0.5)) * w
        out = out + float(rng.uniform(30, 120)) * np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * radius**2))[..., None]
    params.update(saturation=round(saturation, 3), contrast=round(contrast, 3), dot_gain=round(gain, 2),
                  screened=round(screened_weight, 2), paper_texture=round(texture, 1), banding=banding,
                  bend_px=round(bend, 2), gloss=glossy)
    return _clip(out)


def _visible_edge(out: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """Part of the frame shows the world behind the sheet or device."""
    edge = bool(rng.random() < 0.5)
    params.update(visible_edge=edge)
    if edge:
        h, w, _ = out.shape
        side = str(rng.choice(SIDES))
        width = int(rng.integers(max(2, w // 16), max(3, w // 5)))
        region = _border(side, width, h, w)
        out[region] = rng.uniform(10, 220, 3).astype(np.float32) + rng.normal(0, 5, out[region].shape)
        params.update(edge_side=side)
    return out


def print_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "print"}
    sheet = _visible_edge(printed_sheet(face, rng, params), rng, params)
    return capture(sheet, rng, params, size), params


# --------------------------------------------------------------------------------------------- replay


def _subpixels(h: int, w: int, pitch: float, angle: float, layout: str) -> np.ndarray:
    """(H, W, 3) emission mask of a screen's subpixels, mean ≈ 1 per channel."""
    ys, xs = _grid(h, w)
    u = (xs * np.cos(angle) + ys * np.sin(angle)) / pitch
    v = (-xs * np.sin(angle) + ys * np.cos(angle)) / pitch
    fu, fv = u % 1.0, v % 1.0
    row_gap = (fv < 0.82).astype(np.float32)  # dark gap between pixel rows
    if layout == "rgb_stripe":
        mask = np.stack([(fu < 1 / 3), (fu >= 1 / 3) & (fu < 2 / 3), fu >= 2 / 3], axis=-1).astype(np.float32) * 3
    elif layout == "pentile":  # RG / BG alternating: green every pixel, red and blue every other
        odd = (np.floor(u) + np.floor(v)) % 2 == 1
        left = fu < 0.5
        red = left & ~odd
        blue = left & odd
        green = ~left
        mask = np.stack([red * 4.0, green * 2.0, blue * 4.0], axis=-1).astype(np.float32)
    else:  # high-density panel: no visible subpixels, at most a faint pixel lattice
        mask = np.ones((h, w, 3), np.float32)
    return mask * row_gap[..., None] / 0.82


def replay_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    params: Params = {"family": "replay"}
    # 1. The screen's pixels: the face resampled onto the panel's lattice, each pixel emitting through its
    #    subpixels. The camera's own resampling of this lattice later makes the moiré.
    layout = str(rng.choice(["rgb_stripe", "pentile", "none"], p=[0.4, 0.3, 0.3]))
    pitch = float(rng.uniform(1.2, 6.0))
    angle = float(rng.uniform(-0.2, 0.2))
    panel = max(8, int(round(w / pitch)))
    shown = Image.fromarray(np.clip(face, 0, 255).astype(np.uint8)).resize((panel, panel), Image.BILINEAR)
    out = np.asarray(shown.resize((w, h), Image.NEAREST), dtype=np.float32)
    visibility = float(rng.uniform(0.15, 1.0))
    out = out * (1 - visibility + visibility * _subpixels(h, w, pitch, angle, layout))
    # 2. Display tone: gamma, gamut compression, backlight (lifted blacks), colour cast.
    gamma = float(rng.uniform(0.6, 1.6))
    saturation = float(rng.uniform(0.6, 1.15))
    grey = out.mean(axis=2, keepdims=True)
    out = grey + (out - grey) * saturation
    backlight = float(rng.uniform(5, 45))
    cast = rng.normal(0, 6, 3).astype(np.float32) + np.array([0, 0, rng.uniform(0, 12)], np.float32)
    out = 255 * (np.clip(out, 0, 255) / 255) ** gamma * float(rng.uniform(0.75, 1.0)) + backlight + cast
    # 3. Refresh banding: a rolling brightness band from the camera's shutter against the refresh rate.
    refresh = bool(rng.random() < 0.4)
    if refresh:
        period = float(rng.uniform(0.2, 1.5)) * h
        out = out * (1 + float(rng.uniform(0.03, 0.15)) * np.sin(2 * np.pi * ys / period + rng.uniform(0, 6.3)))[..., None]
    # 4. Glare and reflections on the glass.
    glare = bool(rng.random() < 0.5)
    if glare:
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        sy, sx = float(rng.uniform(0.08, 0.3)) * h, float(rng.uniform(0.15, 0.5)) * w
        out = out + float(rng.uniform(40, 140)) * np.exp(-((ys - cy) ** 2 / (2 * sy**2) + (xs - cx) ** 2 / (2 * sx**2)))[..., None]
    reflection = bool(rng.random() < 0.35)
    if reflection:
        out = out + float(rng.uniform(8, 35)) * (_smooth_noise(h, w, 24, rng)[..., None] * 0.5 + 0.5)
    # 5. Bezel: the device's frame on some sides, or none (the screen fills the view).
    bezel = bool(rng.random() < 0.5)
    params.update(layout=layout, subpixel_pitch=round(pitch, 2), grid_angle=round(float(np.degrees(angle)), 1),
                  grid_visibility=round(visibility, 2), gamma=round(gamma, 3), saturation=round(saturation, 3),
                  backlight=round(backlight, 1), refresh_banding=refresh, glare=glare, reflection=reflection,
                  bezel=bezel)
    if bezel:
        thickness = int(rng.integers(max(2, w // 25), max(3, w // 7)))
        colour = rng.uniform(0, 60) + rng.normal(0, 3, 3)
        sides = rng.choice(SIDES, size=int(rng.integers(1, 5)), replace=False)
        for side in sides:
            out[_border(str(side), thickness, h, w)] = colour
        params.update(bezel_sides=",".join(sorted(str(s) for s in sides)))
    return capture(_clip(out), rng, params, size), params


# ----------------------------------------------------------------------------------------------- mask


def _ellipse(ys: np.ndarray, xs: np.ndarray, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    return (ys - cy) ** 2 / ry**2 + (xs - cx) ** 2 / rx**2


def mask_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    """A printed face worn over a real one: eye (and mouth) holes, a cut edge, mismatched skin."""
    h, w, _ = face.shape
    ys, xs = _grid(h, w)
    params: Params = {"family": "mask"}
    printed = printed_sheet(face, rng, params)
    # The wearer: the same face geometry, another skin (a colour and brightness shift), seen slightly
    # displaced behind the mask (parallax).
    skin_shift = rng.normal(0, 18, 3).astype(np.float32)
    dy, dx = (int(v) for v in rng.integers(-max(1, h // 40), max(2, h // 40) + 1, 2))
    wearer = np.roll(face * float(rng.uniform(0.8, 1.15)) + skin_shift, (dy, dx), axis=(0, 1))
    eye_y, eye_dx = h * float(rng.uniform(0.37, 0.47)), w * float(rng.uniform(0.11, 0.18))
    hole_rx, hole_ry = w * float(rng.uniform(0.04, 0.09)), h * float(rng.uniform(0.025, 0.06))
    holes = np.zeros((h, w), dtype=bool)
    rims = np.zeros((h, w), dtype=bool)
    rim = float(rng.uniform(0.08, 0.3))
    for cx in (w / 2 - eye_dx, w / 2 + eye_dx):
        r = _ellipse(ys, xs, eye_y, cx, hole_ry, hole_rx)
        holes |= r <= 1
        rims |= (r > 1) & (r <= (1 + rim) ** 2)
    mouth = bool(rng.random() < 0.4)
    if mouth:
        r = _ellipse(ys, xs, h * float(rng.uniform(0.68, 0.76)), w / 2, h * 0.03, w * float(rng.uniform(0.07, 0.12)))
        holes |= r <= 1
        rims |= (r > 1) & (r <= (1 + rim) ** 2)
    out = np.where(holes[..., None], wearer, printed)
    rim_tone = float(rng.uniform(0.3, 1.4))  # the cut edge: shadowed or catching light
    out = np.where(rims[..., None], out * rim_tone, out)
    # The mask's outline: the wearer's skin and hair show outside a cut oval.
    oval = _ellipse(ys, xs, h * float(rng.uniform(0.47, 0.53)), w / 2, h * float(rng.uniform(0.38, 0.46)),
                    w * float(rng.uniform(0.3, 0.38)))
    outside = oval > 1
    out = np.where(outside[..., None], wearer, out)
    edge = np.abs(oval - 1) < float(rng.uniform(0.02, 0.07))
    out = np.where(edge[..., None], out * float(rng.uniform(0.35, 0.8)), out)
    params.update(eye_holes=True, mouth_hole=mouth, hole_radius_px=round(hole_rx, 1), outline=True,
                  skin_mismatch=round(float(np.abs(skin_shift).mean()), 1))
    return capture(_clip(out), rng, params, size), params


ATTACKS: dict[str, Attack] = {"print": print_attack, "replay": replay_attack, "mask": mask_attack}
