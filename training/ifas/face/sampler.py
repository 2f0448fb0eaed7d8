"""Square-window resampler, the twin of src/image/affine-sample.ts (same pixels, same geometry).

Output pixel (u, v) of an N×N result comes from source point
    centre + R(angle) · (side / N) · (u + 0.5 − N/2, v + 0.5 − N/2)
sampled bilinearly (pixel i covers [i, i+1)); outside the image the fill value is used. A downscale by
k ≥ 2 first averages k×k blocks (integer k), so no source pixel is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SquareWindow:
    center_x: float
    center_y: float
    side: float
    angle: float = 0.0


def box_reduce(rgb: np.ndarray, k: int) -> np.ndarray:
    """(H, W, 3) uint8 → (⌊H/k⌋, ⌊W/k⌋, 3) uint8, each the rounded mean of a k×k block."""
    h, w = rgb.shape[0] // k, rgb.shape[1] // k
    blocks = rgb[: h * k, : w * k].astype(np.float64).reshape(h, k, w, k, 3)
    return np.floor(blocks.sum(axis=(1, 3)) / (k * k) + 0.5).astype(np.uint8)


def sample_window(rgb: np.ndarray, window: SquareWindow, size: int, fill: float = 0.0) -> np.ndarray:
    """(H, W, 3) uint8 → (size, size, 3) float32 in 0–255."""
    cx, cy, side = window.center_x, window.center_y, window.side
    k = int(side // size)
    if k >= 2 and rgb.shape[0] >= k and rgb.shape[1] >= k:
        rgb = box_reduce(rgb, k)
        cx, cy, side = cx / k, cy / k, side / k
    scale = side / size
    cos, sin = np.cos(window.angle) * scale, np.sin(window.angle) * scale
    offsets = np.arange(size, dtype=np.float64) + 0.5 - size / 2
    du, dv = np.meshgrid(offsets, offsets)  # (size, size): du varies along columns
    fx = cx + cos * du - sin * dv - 0.5
    fy = cy + sin * du + cos * dv - 0.5
    x0, y0 = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    wx, wy = (fx - x0)[..., None], (fy - y0)[..., None]

    height, width = rgb.shape[:2]
    source = rgb.astype(np.float64)

    def pixel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        inside = (x >= 0) & (y >= 0) & (x < width) & (y < height)
        values = source[np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)]
        return np.where(inside[..., None], values, fill)

    top = pixel(x0, y0) * (1 - wx) + pixel(x0 + 1, y0) * wx
    bottom = pixel(x0, y0 + 1) * (1 - wx) + pixel(x0 + 1, y0 + 1) * wx
    return (top * (1 - wy) + bottom * wy).astype(np.float32)


def centre_square(width: int, height: int) -> SquareWindow:
    return SquareWindow(width / 2, height / 2, min(width, height))


def letterbox_square(width: int, height: int) -> SquareWindow:
    return SquareWindow(width / 2, height / 2, max(width, height))
