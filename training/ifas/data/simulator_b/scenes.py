"""Simulator B's scenes: what stands in front of the camera, rendered by plane_renderer and exposed by sensor.

  live     the face itself at its own depth, under a smooth random illumination field (no medium)
  print    the face printed on a sheet: colour-matrix gamut, ordered (Bayer-matrix) dither or a line screen
           in the sheet's own coordinates, paper albedo and grain, matte-to-glossy Blinn-Phong reflection,
           flat or bent, tilted, in front of a room background
  replay   the face emitted by a panel: BGR stripe, delta (triangle) layout or no visible subpixels at the
           panel's resolution in its own coordinates, display gamma and black level, the glass reflecting the
           light and a bright window, flat, tilted, with or without a bezel
  mask     a strongly bent printed sheet worn in front of the face: eye holes (and sometimes a mouth slot)
           in the sheet's coordinates show the wearer behind; outside the sheet the wearer's head shows
Every image is rendered at `size`·ss pixels (ss ∈ {1, 2}), box-averaged to `size`, then exposed by the sensor.
"""

from __future__ import annotations

import numpy as np

from . import sensor
from .plane_renderer import Pose, intersect, rays, shade

Params = dict[str, float | int | str | bool]
BAYER8 = np.array([[0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26],
                   [12, 44, 4, 36, 14, 46, 6, 38], [60, 28, 52, 20, 62, 30, 54, 22],
                   [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
                   [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21]]) / 64 + 1 / 128


def sample(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear lookup of an (H, W, 3) texture at texture coordinates uv (…, 2) in [0, 1]² → (…, 3)."""
    h, w, _ = texture.shape
    x = np.clip(uv[..., 0], 0, 1) * (w - 1)
    y = np.clip(uv[..., 1], 0, 1) * (h - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    top = texture[y0, x0] * (1 - fx) + texture[y0, x1] * fx
    bottom = texture[y1, x0] * (1 - fx) + texture[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def linear(face: np.ndarray) -> np.ndarray:
    return (np.clip(face, 0, 255) / 255.0) ** 2.2


def _image_uv(size: int) -> np.ndarray:
    centres = (np.arange(size) + 0.5) / size
    u, v = np.meshgrid(centres, centres)
    return np.stack([u, v], axis=-1)


def _room(size: int, rng: np.random.Generator) -> np.ndarray:
    """A background: a random linear colour gradient with low-frequency blotches (linear radiance)."""
    uv = _image_uv(size)
    a, b = rng.uniform(0.02, 0.6, 3), rng.uniform(0.02, 0.6, 3)
    angle = rng.uniform(0, 2 * np.pi)
    t = (uv[..., 0] * np.cos(angle) + uv[..., 1] * np.sin(angle))[..., None]
    blotch = sample(rng.uniform(0.7, 1.3, (4, 4, 3)), uv)
    return (a + (b - a) * np.clip(t, 0, 1)) * blotch


def _illumination(size: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth light field over a real face: a directional gradient plus soft blotches."""
    uv = _image_uv(size)
    direction = rng.uniform(-1, 1, 2)
    field = 1 + float(rng.uniform(0, 0.5)) * ((uv - 0.5) @ direction)
    field = field[..., None] * sample(rng.uniform(0.85, 1.15, (3, 3, 1)).repeat(3, axis=2), uv)
    return field * rng.uniform(0.85, 1.15, 3)  # light colour


def _pose(rng: np.random.Generator, bend_range: tuple[float, float]) -> tuple[Pose, float]:
    tan_half_fov = float(rng.uniform(0.38, 0.62))
    pose = Pose(yaw=float(rng.uniform(-0.45, 0.45)), pitch=float(rng.uniform(-0.35, 0.35)),
                roll=float(rng.uniform(-0.2, 0.2)), distance=1.0, bend=float(rng.uniform(*bend_range)))
    return pose, tan_half_fov


def _light(rng: np.random.Generator) -> np.ndarray:
    return np.array([rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 0.5), rng.uniform(-0.5, 0.8)])


def _finish(radiance: np.ndarray, ss: int, rng: np.random.Generator, params: Params) -> np.ndarray:
    if ss > 1:
        s = radiance.shape[0] // ss
        radiance = radiance.reshape(s, ss, s, ss, 3).mean(axis=(1, 3))
    params["supersampling"] = ss
    return sensor.expose(radiance, rng, params)


def bona_fide(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "live"}
    ss = int(rng.choice([1, 2]))
    n = size * ss
    k1 = float(rng.uniform(-0.05, 0.12))
    d = rays(n, 1.0, k1)
    uv = (d[..., :2] / d[..., 2:3]) * float(rng.uniform(0.42, 0.55)) + 0.5 + rng.uniform(-0.04, 0.04, 2)
    radiance = sample(linear(face), uv) * _illumination(n, rng)
    params.update(distortion=round(k1, 3))
    return _finish(radiance, ss, rng, params), params


def _printed_albedo(face: np.ndarray, uv: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    """Reflectance of the printed sheet at uv: gamut through a colour matrix and tone curve, then screened."""
    colour = sample(np.clip(face, 0, 255) / 255.0, uv)
    mix = float(rng.uniform(0.05, 0.4))  # channel crosstalk of the inks
    matrix = (1 - mix) * np.eye(3) + mix / 3 * np.ones((3, 3)) + rng.normal(0, 0.03, (3, 3))
    colour = np.clip(colour @ matrix.T, 0, 1)
    tone = float(rng.uniform(0.8, 1.5))
    colour = 0.04 + 0.9 * colour**tone
    lines_per_sheet = float(rng.uniform(40, 220))  # screen cells across the sheet
    if rng.random() < 0.6:  # ordered dither: each ink compared with a Bayer threshold matrix
        cell = (uv * lines_per_sheet * 8).astype(int) % 8
        threshold = BAYER8[cell[..., 1], cell[..., 0]][..., None]
        screened = (colour > threshold).astype(np.float64)
        params.update(screen="ordered_dither")
    else:  # line screen: ink lines whose width follows the tone
        phase = (uv[..., 1] * lines_per_sheet) % 1.0
        screened = (np.abs(phase - 0.5)[..., None] * 2 < colour).astype(np.float64)
        params.update(screen="line")
    blend = float(rng.uniform(0.15, 0.7))
    albedo = blend * screened + (1 - blend) * colour
    grain = 1 + float(rng.uniform(0.0, 0.06)) * rng.normal(0, 1, albedo.shape[:2])[..., None]
    paper = rng.uniform(0.85, 1.0, 3)
    params.update(screen_lines=round(lines_per_sheet), screen_blend=round(blend, 2), ink_mix=round(mix, 2))
    return albedo ** 2.2 * paper * grain


def print_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "print"}
    ss = int(rng.choice([1, 2]))
    n = size * ss
    pose, tan_half_fov = _pose(rng, (-0.4, 0.4))
    d = rays(n, tan_half_fov, float(rng.uniform(-0.05, 0.12)))
    uv, hit, normal, point = intersect(d, pose)
    albedo = _printed_albedo(face, uv, rng, params)
    gloss = bool(rng.random() < 0.5)
    diffuse, highlight = shade(albedo, normal, point, _light(rng), float(rng.uniform(0.2, 0.7)),
                               float(rng.uniform(0.3, 1.2)) if gloss else float(rng.uniform(0, 0.08)),
                               float(rng.uniform(20, 200)) if gloss else 4.0)
    radiance = np.where(hit[..., None], diffuse * 1.4 + highlight, _room(n, rng))
    params.update(gloss=gloss, visible_edge=bool(not hit.all()), yaw=round(pose.yaw, 2), pitch=round(pose.pitch, 2),
                  bend=round(pose.bend, 2), fov=round(tan_half_fov, 2))
    return _finish(radiance, ss, rng, params), params


def _panel_emission(face: np.ndarray, uv: np.ndarray, rng: np.random.Generator, params: Params) -> np.ndarray:
    resolution = float(rng.uniform(60, 420))  # panel pixels across the shown face
    layout = str(rng.choice(["bgr_stripe", "delta", "none"], p=[0.4, 0.3, 0.3]))
    pixel = np.floor(uv * resolution)
    shown = sample(np.clip(face, 0, 255) / 255.0, (pixel + 0.5) / resolution)  # each panel pixel is flat
    frac = uv * resolution - pixel
    if layout == "bgr_stripe":
        index = np.minimum((frac[..., 0] * 3).astype(int), 2)
        mask = np.eye(3)[2 - index] * 3  # B, G, R from left to right
    elif layout == "delta":  # subpixels on a triangle lattice: rows offset by half a subpixel
        shifted = (frac[..., 0] * 3 + 1.5 * (pixel[..., 1] % 2)) % 3
        mask = np.eye(3)[np.minimum(shifted.astype(int), 2)] * 3
    else:
        mask = np.ones(shown.shape)
    aperture = float(rng.uniform(0.6, 0.95))
    mask = mask * (frac[..., 1:2] < aperture) / aperture
    gamma = float(rng.uniform(1.8, 2.8))
    black = float(rng.uniform(0.002, 0.05))
    brightness = float(rng.uniform(0.5, 1.6))
    params.update(layout=layout, panel_pixels=round(resolution), aperture=round(aperture, 2),
                  display_gamma=round(gamma, 2), black_level=round(black, 3), brightness=round(brightness, 2))
    return brightness * (black + (1 - black) * shown**gamma) * mask


def replay_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "replay"}
    ss = int(rng.choice([1, 2]))
    n = size * ss
    pose, tan_half_fov = _pose(rng, (0.0, 0.0))
    d = rays(n, tan_half_fov, float(rng.uniform(-0.05, 0.12)))
    uv, hit, normal, point = intersect(d, pose)
    bezel = bool(rng.random() < 0.5)
    border = float(rng.uniform(0.03, 0.12)) if bezel else 0.0
    inner = (uv - border) / (1 - 2 * border)
    on_panel = hit & np.all((inner >= 0) & (inner <= 1), axis=-1)
    emission = _panel_emission(face, inner, rng, params)
    frame = np.full(emission.shape, float(rng.uniform(0.0, 0.08)))
    # The glass reflects the lamp (Blinn-Phong) and a bright window (a soft rectangle, Fresnel-weighted).
    _, glare = shade(np.zeros_like(emission), normal, point, _light(rng), 0.0, float(rng.uniform(0.2, 1.5)),
                     float(rng.uniform(30, 400)))
    window = bool(rng.random() < 0.4)
    reflection = 0.0
    if window:
        cx, cy, wx, wy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.4)
        soft = np.exp(-(((uv[..., 0] - cx) / wx) ** 4 + ((uv[..., 1] - cy) / wy) ** 4))[..., None]
        reflection = float(rng.uniform(0.03, 0.25)) * soft
    glass = np.where(on_panel[..., None], emission, frame) + glare + reflection
    radiance = np.where(hit[..., None], glass, _room(n, rng))
    params.update(bezel=bezel, glare=True, window_reflection=window, yaw=round(pose.yaw, 2),
                  pitch=round(pose.pitch, 2), fov=round(tan_half_fov, 2))
    return _finish(radiance, ss, rng, params), params


def mask_attack(face: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, Params]:
    params: Params = {"family": "mask"}
    ss = int(rng.choice([1, 2]))
    n = size * ss
    # The wearer: the face seen directly, another skin tone, under the room light.
    wearer_face = np.clip(face * rng.uniform(0.8, 1.2, 3), 0, 255)
    d_direct = rays(n, 1.0, 0.0)
    direct_uv = (d_direct[..., :2] / d_direct[..., 2:3]) * 0.5 + 0.5
    wearer = sample(linear(wearer_face), direct_uv) * _illumination(n, rng)
    # The mask: a bent printed sheet close to the face, smaller than the view.
    pose = Pose(yaw=float(rng.uniform(-0.25, 0.25)), pitch=float(rng.uniform(-0.2, 0.2)),
                roll=float(rng.uniform(-0.1, 0.1)), distance=1.0, bend=float(rng.uniform(0.6, 1.8)),
                half_width=float(rng.uniform(0.32, 0.42)))
    d = rays(n, 0.5, 0.0)
    uv, hit, normal, point = intersect(d, pose)
    eye_v, eye_du = float(rng.uniform(0.36, 0.46)), float(rng.uniform(0.14, 0.2))
    radius = float(rng.uniform(0.04, 0.08))
    holes = np.zeros(hit.shape, bool)
    for eye_u in (0.5 - eye_du, 0.5 + eye_du):
        holes |= ((uv[..., 0] - eye_u) / radius) ** 2 + ((uv[..., 1] - eye_v) / (0.6 * radius)) ** 2 <= 1
    mouth = bool(rng.random() < 0.4)
    if mouth:
        holes |= (np.abs(uv[..., 0] - 0.5) < float(rng.uniform(0.06, 0.12))) & (np.abs(uv[..., 1] - 0.72) < 0.025)
    oval = ((uv[..., 0] - 0.5) / 0.5) ** 2 + ((uv[..., 1] - 0.5) / 0.5) ** 2 <= 1  # the cut face shape
    on_mask = hit & oval & ~holes
    albedo = _printed_albedo(face, uv, rng, params)
    diffuse, highlight = shade(albedo, normal, point, _light(rng), float(rng.uniform(0.3, 0.7)),
                               float(rng.uniform(0, 0.3)), float(rng.uniform(5, 60)))
    radiance = np.where(on_mask[..., None], diffuse * 1.4 + highlight, wearer)
    params.update(eye_holes=True, mouth_hole=mouth, outline=True, bend=round(pose.bend, 2))
    return _finish(radiance, ss, rng, params), params


ATTACKS = {"print": print_attack, "replay": replay_attack, "mask": mask_attack}
