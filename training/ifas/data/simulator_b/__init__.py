"""Simulator B: an independently written attack simulator — the medium is a textured (possibly bent) surface
in 3-D, lit by a point light and ray-cast by a pinhole camera with lens distortion and a Bayer sensor.
Nothing is shared with simulator A (ifas.data.attacks / ifas.data.camera) but the face crops."""
