"""A tiny ray caster: pinhole camera at the origin looking along +z, one surface z' = bend · x'² in its own
frame (a flat or cylindrically bent sheet), posed by yaw/pitch/roll at some distance.

  rays(size, fov)               unit directions (S, S, 3), barrel distortion k1 applied
  intersect(rays, pose)         texture coordinates (S, S, 2) in [0, 1]² where hit, hit mask (S, S),
                                world normal (S, S, 3) and hit point (S, S, 3)
  shade(...)                    Lambert diffuse + Blinn-Phong specular under a point light
Sampling is per pixel centre (optionally supersampled by the caller), so fine texture aliases exactly as a
real sensor point-samples it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pose:
    yaw: float  # radians, about the sheet's vertical axis
    pitch: float
    roll: float
    distance: float  # sheet centre on the optical axis
    bend: float  # curvature coefficient of z' = bend · x'²
    half_width: float = 0.5  # sheet extent in world units (square)


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def rays(size: int, tan_half_fov: float, k1: float) -> np.ndarray:
    """(S, S, 3) unit ray directions through pixel centres; k1 > 0 barrel, < 0 pincushion."""
    centres = (np.arange(size) + 0.5) / size * 2 - 1  # −1…1
    x, y = np.meshgrid(centres, centres)
    r2 = x**2 + y**2
    x, y = x * (1 + k1 * r2), y * (1 + k1 * r2)
    d = np.stack([x * tan_half_fov, y * tan_half_fov, np.ones_like(x)], axis=-1)
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def intersect(directions: np.ndarray, pose: Pose) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r = rotation(pose.yaw, pose.pitch, pose.roll)
    centre = np.array([0.0, 0.0, pose.distance])
    a = directions @ r  # ray directions in the sheet's frame: Rᵀ·d, (S, S, 3)
    c = r.T @ centre  # sheet centre seen from the sheet's frame
    # Solve t·a_z − c_z = bend·(t·a_x − c_x)² by Newton from the flat sheet's t.
    t = c[2] / np.where(np.abs(a[..., 2]) < 1e-6, 1e-6, a[..., 2])
    for _ in range(6):
        qx = t * a[..., 0] - c[0]
        f = t * a[..., 2] - c[2] - pose.bend * qx**2
        df = a[..., 2] - 2 * pose.bend * qx * a[..., 0]
        t = t - f / np.where(np.abs(df) < 1e-6, 1e-6, df)
    q = t[..., None] * a - c  # hit point in the sheet's frame
    uv = np.stack([q[..., 0], q[..., 1]], axis=-1) / (2 * pose.half_width) + 0.5
    hit = (t > 0) & np.all((uv >= 0) & (uv <= 1), axis=-1)
    normal_local = np.stack([-2 * pose.bend * q[..., 0], np.zeros_like(t), np.ones_like(t)], axis=-1)
    normal = normal_local @ r.T
    normal = normal / np.linalg.norm(normal, axis=-1, keepdims=True)
    normal = np.where((np.sum(normal * directions, axis=-1) > 0)[..., None], -normal, normal)  # face the camera
    return uv, hit, normal, t[..., None] * directions


def shade(albedo: np.ndarray, normal: np.ndarray, point: np.ndarray, light: np.ndarray, ambient: float,
          specular: float, shininess: float) -> tuple[np.ndarray, np.ndarray]:
    """→ (diffuse radiance albedo·(ambient + n·l), specular highlight (S, S, 1)); linear units."""
    to_light = light - point
    to_light = to_light / np.linalg.norm(to_light, axis=-1, keepdims=True)
    to_eye = -point / np.linalg.norm(point, axis=-1, keepdims=True)
    half = to_light + to_eye
    half = half / np.linalg.norm(half, axis=-1, keepdims=True)
    lambert = np.clip(np.sum(normal * to_light, axis=-1, keepdims=True), 0, None)
    highlight = specular * np.clip(np.sum(normal * half, axis=-1, keepdims=True), 0, None) ** shininess
    return albedo * (ambient + (1 - ambient) * lambert), highlight
