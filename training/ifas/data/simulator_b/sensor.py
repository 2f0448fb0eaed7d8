"""Simulator B's camera sensor, applied to linear radiance (S, S, 3) in [0, 1]:
vignetting → lateral chromatic aberration → RGGB Bayer mosaic → shot and read noise → bilinear demosaic
→ white balance → sRGB-like gamma → optional sharpening → JPEG with random chroma subsampling."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def _conv3(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    padded = np.pad(x, ((1, 1), (1, 1)), mode="reflect")
    h, w = x.shape
    return sum(kernel[i, j] * padded[i : i + h, j : j + w] for i in range(3) for j in range(3))


def _scale_about_centre(channel: np.ndarray, scale: float) -> np.ndarray:
    """Nearest-neighbour magnification of one channel about the centre (lateral chromatic aberration)."""
    h, w = channel.shape
    ys = np.clip(np.round((np.arange(h) - h / 2 + 0.5) / scale + h / 2 - 0.5), 0, h - 1).astype(int)
    xs = np.clip(np.round((np.arange(w) - w / 2 + 0.5) / scale + w / 2 - 0.5), 0, w - 1).astype(int)
    return channel[np.ix_(ys, xs)]


def demosaic(raw: np.ndarray) -> np.ndarray:
    """RGGB mosaic (H, W) → (H, W, 3) by normalised bilinear interpolation."""
    h, w = raw.shape
    yy, xx = np.mgrid[0:h, 0:w]
    masks = [((yy % 2 == 0) & (xx % 2 == 0)), ((yy + xx) % 2 == 1), ((yy % 2 == 1) & (xx % 2 == 1))]
    kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float64)
    out = [np.where(m, raw, _conv3(raw * m, kernel) / np.maximum(_conv3(m.astype(np.float64), kernel), 1e-6))
           for m in masks]
    return np.stack(out, axis=-1)


def expose(radiance: np.ndarray, rng: np.random.Generator, params: dict) -> np.ndarray:
    """Linear radiance → 8-bit-range sRGB-like image (float32 0–255), parameters recorded."""
    h, w, _ = radiance.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((yy + 0.5) / h - 0.5) ** 2 + ((xx + 0.5) / w - 0.5) ** 2
    vignette = float(rng.uniform(0.0, 0.9))
    exposure = float(rng.uniform(0.6, 1.5))
    x = radiance * exposure * (1 - vignette * r2)[..., None]
    aberration = float(rng.uniform(0.0, 0.012))
    x = np.stack([_scale_about_centre(x[..., 0], 1 + aberration), x[..., 1],
                  _scale_about_centre(x[..., 2], 1 - aberration)], axis=-1)
    mosaic = np.zeros((h, w))
    mosaic[0::2, 0::2] = x[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = x[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = x[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = x[1::2, 1::2, 2]
    full_well = float(rng.uniform(150, 4000))  # electrons at white: fewer = more shot noise
    read = float(rng.uniform(0.0, 0.012))
    mosaic = rng.poisson(np.clip(mosaic, 0, 2) * full_well) / full_well + rng.normal(0, read, mosaic.shape)
    rgb = demosaic(mosaic)
    gains = rng.uniform(0.8, 1.25, 3)
    rgb = np.clip(rgb * gains, 0, 1) ** (1 / float(rng.uniform(1.8, 2.6)))
    out = rgb * 255
    sharpen = float(rng.uniform(0, 0.8)) if rng.random() < 0.5 else 0.0
    if sharpen:
        blur = np.stack([_conv3(out[..., c], np.full((3, 3), 1 / 9)) for c in range(3)], axis=-1)
        out = out + sharpen * (out - blur)
    quality = int(rng.integers(30, 97))
    subsampling = int(rng.choice([0, 1, 2]))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=quality,
                                                                          subsampling=subsampling)
    params.update(exposure=round(exposure, 3), vignette=round(vignette, 2), aberration=round(aberration, 4),
                  full_well=round(full_well), sensor_noise=round(float(255 * np.sqrt(0.5 / full_well + read**2)), 2),
                  jpeg_quality=quality, chroma_subsampling=subsampling, sharpen=round(sharpen, 2))
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32)
