"""Reads the learned tensors out of dlib's serialized ResNet face-recognition network
(`dlib_face_recognition_resnet_model_v1.dat`, CC0, PyPI package face_recognition_models).

dlib writes every layer's parameters as a `tensor` record: the integer 2 (format version), then the
dimensions num_samples, k, nr, nc as dlib "packed" integers, then num_samples·k·nr·nc little-endian
float32 values. A packed integer is one header byte (low 4 bits: byte count, bit 7: negative) and that
many little-endian bytes. The layers' other fields (strides, learning-rate multipliers, …) use dlib's
own float and string encodings, which we do not need: the architecture is fixed (dlib's
dnn_face_recognition_ex.cpp) and is checked against the tensor sizes found, in file order (input side
first), so a different network cannot be read as this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

TENSOR_VERSION = 2


@dataclass(frozen=True)
class DlibTensor:
    offset: int  # byte offset of the record in the file
    end: int  # byte offset just after its values
    shape: tuple[int, int, int, int]  # num_samples, k, nr, nc
    values: np.ndarray  # float32, flat


def unpack_int(data: bytes, at: int) -> tuple[int, int]:
    """dlib's packed integer at `at` → (value, offset after it)."""
    header = data[at]
    size = header & 0x0F
    if size == 0 or size > 8 or at + 1 + size > len(data):
        raise ValueError("not a packed integer")
    value = int.from_bytes(data[at + 1 : at + 1 + size], "little")
    return (-value if header & 0x80 else value), at + 1 + size


def read_tensor(data: bytes, at: int) -> DlibTensor | None:
    """The tensor record starting at `at`, or None when the bytes there are not one."""
    try:
        version, cursor = unpack_int(data, at)
        if version != TENSOR_VERSION:
            return None
        dims = []
        for _ in range(4):
            value, cursor = unpack_int(data, cursor)
            dims.append(value)
    except (ValueError, IndexError):
        return None
    count = int(np.prod(dims))
    if min(dims) <= 0 or count < 2 or cursor + 4 * count > len(data):
        return None
    values = np.frombuffer(data, dtype="<f4", count=count, offset=cursor).astype(np.float32)
    if not np.all(np.isfinite(values)):
        return None
    return DlibTensor(at, cursor + 4 * count, (dims[0], dims[1], dims[2], dims[3]), values)


def parameter_tensors(path: Path, expected_sizes: list[int]) -> list[DlibTensor]:
    """Finds, in file order, one tensor record per expected size (input-side layers first).

    Parameter tensors are written as whole records between the layers' scalar fields; a record is
    accepted only where its element count is the next one the architecture expects, so scalar bytes
    that happen to look like a small header cannot be taken for weights.
    """
    data = path.read_bytes()
    found: list[DlibTensor] = []
    cursor = 0
    for size in expected_sizes:
        while True:
            at = data.find(b"\x01\x02", cursor)
            if at < 0:
                raise ValueError(f"{path.name}: parameter tensor {len(found)} of {size} values not found")
            tensor = read_tensor(data, at)
            if tensor is not None and tensor.values.size == size:
                found.append(tensor)
                cursor = tensor.end
                break
            cursor = at + 1
    return found
