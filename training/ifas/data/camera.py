"""Simulator A's camera: what photographs every scene, bona fide or attack, so that camera degradation is
never itself the cue. Works on 2-D images (scene (H, W, 3) float32 0–255 → capture (size, size, 3)).

Steps, each drawn from a wide range and recorded in `params`:
  1. perspective   a random homography (corners moved by up to 7 % of the side)
  2. white balance per-channel gains and exposure
  3. defocus       Gaussian blur of random radius
  4. motion blur   a straight-line kernel of random length and angle
  5. resizing      down to the model size with a random filter (nearest and bilinear alias fine
                   periodic patterns into moiré, as a phone camera's sampling does)
  6. sensor noise  signal-dependent (shot) plus read noise
  7. codec         JPEG or WebP at a random quality
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

Params = dict[str, float | int | str | bool]
RESAMPLERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
              "lanczos": Image.LANCZOS, "box": Image.BOX}


def to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def encode(pixels: np.ndarray, codec: str, quality: int) -> np.ndarray:
    """Round trip through a lossy codec."""
    buffer = io.BytesIO()
    to_image(pixels).save(buffer, format=codec, quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32)


def perspective(pixels: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Moves each corner by up to `amount`·side; the border is filled by edge replication."""
    h, w, _ = pixels.shape
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    moved = corners + rng.uniform(-amount, amount, corners.shape) * np.array([w, h])
    # PIL wants the coefficients mapping output → input: solve the 8-unknown homography.
    rows, rhs = [], []
    for (x, y), (u, v) in zip(corners, moved):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    coefficients = np.linalg.solve(np.array(rows), np.array(rhs))
    padded = np.pad(pixels, ((h // 4, h // 4), (w // 4, w // 4), (0, 0)), mode="edge")
    shift = np.array([[1, 0, w // 4], [0, 1, h // 4], [0, 0, 1]], dtype=np.float64)
    matrix = shift @ np.append(coefficients, 1).reshape(3, 3)
    warped = to_image(padded).transform((w, h), Image.PERSPECTIVE, tuple((matrix / matrix[2, 2]).ravel()[:8]),
                                        Image.BILINEAR)
    return np.asarray(warped, dtype=np.float32)


def motion_blur(pixels: np.ndarray, length: int, angle: float) -> np.ndarray:
    """Mean of `length` copies shifted along a line."""
    if length < 2:
        return pixels
    out = np.zeros_like(pixels)
    for step in np.linspace(-(length - 1) / 2, (length - 1) / 2, length):
        dy, dx = int(round(step * np.sin(angle))), int(round(step * np.cos(angle)))
        out += np.roll(pixels, (dy, dx), axis=(0, 1))
    return out / length


def capture(scene: np.ndarray, rng: np.random.Generator, params: Params, size: int) -> np.ndarray:
    out = scene.astype(np.float32)
    warp = float(rng.uniform(0.0, 0.07))
    out = perspective(out, rng, warp)
    gains = rng.uniform(0.85, 1.15, 3).astype(np.float32)
    exposure = float(rng.uniform(0.7, 1.3))
    out = out * gains * exposure
    defocus = float(rng.uniform(0.0, 1.8)) if rng.random() < 0.6 else 0.0
    if defocus > 0:
        out = np.asarray(to_image(out).filter(ImageFilter.GaussianBlur(defocus)), dtype=np.float32)
    motion = int(rng.integers(2, 9)) if rng.random() < 0.3 else 0
    motion_angle = float(rng.uniform(0, np.pi))
    out = motion_blur(out, motion, motion_angle)
    resampler = str(rng.choice(sorted(RESAMPLERS)))
    out = np.asarray(to_image(out).resize((size, size), RESAMPLERS[resampler]), dtype=np.float32)
    shot, read = float(rng.uniform(0.0, 0.8)), float(rng.uniform(0.0, 4.0))
    out = out + rng.normal(0, 1, out.shape).astype(np.float32) * np.sqrt(shot * np.clip(out, 0, 255) + read**2)
    codec = "JPEG" if rng.random() < 0.7 else "WEBP"
    quality = int(rng.integers(35, 96))
    params.update(warp=round(warp, 3), wb_gains=",".join(f"{g:.2f}" for g in gains), exposure=round(exposure, 3),
                  defocus=round(defocus, 2), motion_px=motion, resampler=resampler, shot_noise=round(shot, 2),
                  read_noise=round(read, 2), sensor_noise=round(float(np.sqrt(shot * 128 + read**2)), 2), codec=codec.lower(), jpeg_quality=quality)
    return encode(out, codec, quality)
