"""dlib's ResNet face-recognition network (150×150 aligned face chip → 128-d descriptor) as ONNX.

The architecture is dlib's `anet_type` from examples/dnn_face_recognition_ex.cpp, input side first:

    chip (N,150,150,3) RGB 0–255 → (x − mean RGB) / 256 → NCHW
    conv 32 7×7 /2 → affine → relu → max-pool 3×3 /2                    150 → 72 → 35
    3 × residual(32)                                                    35
    residual_down(64), 3 × residual(64)                                 17
    residual_down(128), 2 × residual(128)                               8
    residual_down(256), 2 × residual(256)                               4
    residual_down(256)                                                  2
    global average → fully connected 256 → 128, no bias                 (N,128)

residual(n):      y = relu(x + B(x)),  B = affine∘conv3×3 ∘ relu∘affine∘conv3×3 (stride 1, padding 1)
residual_down(n): y = relu(avgpool2×2/2(x) ⊕ B₂(x)), B₂ as B but its first conv has stride 2, no padding.
dlib's defaults give a strided conv or pool no padding. ⊕ is dlib's add_prev: tensors of different
shapes are added over the larger shape with the smaller one zero-padded at the end of each axis
(channels 32 → 64, and 3×3 conv output against the 4×4 pooled skip at the 8 → 4 step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .dlib_dat import DlibTensor

CHIP_SIZE = 150
MEAN_RGB = (122.782, 117.001, 104.298)  # dlib input_rgb_image's defaults
SCALE = 1 / 256
DESCRIPTOR_SIZE = 128

# (channels, stride of the first block, blocks) per stage, input side first.
STAGES = [(32, 1, 3), (64, 2, 4), (128, 2, 3), (256, 2, 3), (256, 2, 1)]
STEM_CHANNELS = 32


def expected_parameter_sizes() -> list[int]:
    """Element counts of the parameter tensors in file order: conv (filters + biases), affine (γ, β)."""
    sizes = [STEM_CHANNELS * 3 * 7 * 7 + STEM_CHANNELS, 2 * STEM_CHANNELS]
    channels = STEM_CHANNELS
    for out, _, blocks in STAGES:
        for _ in range(blocks):
            sizes += [out * channels * 9 + out, 2 * out, out * out * 9 + out, 2 * out]
            channels = out
    return [*sizes, channels * DESCRIPTOR_SIZE]


def conv_out(size: int, kernel: int, stride: int, pad: int) -> int:
    return 1 + (size + 2 * pad - kernel) // stride


@dataclass
class GraphBuilder:
    params: list[DlibTensor]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    counter: int = 0
    cursor: int = 0

    def name(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"

    def const(self, base: str, value: np.ndarray) -> str:
        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def next_params(self) -> np.ndarray:
        tensor = self.params[self.cursor]
        self.cursor += 1
        return tensor.values

    def conv(self, x: str, cin: int, cout: int, kernel: int, stride: int, pad: int) -> str:
        """(N,cin,H,W) → (N,cout,H',W'); dlib stores filters (cout,cin,kh,kw) then cout biases."""
        values = self.next_params()
        weights = values[: cout * cin * kernel * kernel].reshape(cout, cin, kernel, kernel)
        bias = values[cout * cin * kernel * kernel :]
        return self.node("Conv", [x, self.const("W", weights.copy()), self.const("B", bias.copy())],
                         kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4)

    def affine(self, x: str, channels: int) -> str:
        """(N,C,H,W) → γ·x + β per channel (dlib's inference-time batch norm)."""
        values = self.next_params()
        gamma = values[:channels].reshape(1, channels, 1, 1).copy()
        beta = values[channels:].reshape(1, channels, 1, 1).copy()
        return self.node("Add", [self.node("Mul", [x, self.const("gamma", gamma)]), self.const("beta", beta)])

    def pad_to(self, x: str, have: tuple[int, int], want: tuple[int, int]) -> str:
        """Zero-pads channels and height/width at their ends: (C,H) = have → want (H = W here)."""
        if have == want:
            return x
        dc, dh = want[0] - have[0], want[1] - have[1]
        pads = np.array([0, 0, 0, 0, 0, dc, dh, dh], dtype=np.int64)
        return self.node("Pad", [x, self.const("pads", pads)], mode="constant")

    def residual(self, x: str, cin: int, cout: int, stride: int, size: int) -> tuple[str, int]:
        pad = 1 if stride == 1 else 0
        branch_size = conv_out(size, 3, stride, pad)
        y = self.conv(x, cin, cout, 3, stride, pad)
        y = self.node("Relu", [self.affine(y, cout)])
        y = self.affine(self.conv(y, cout, cout, 3, 1, 1), cout)
        if stride == 1:
            skip, skip_size = x, size
        else:
            skip = self.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
            skip_size = conv_out(size, 2, 2, 0)
        out_size = max(branch_size, skip_size)
        y = self.pad_to(y, (cout, branch_size), (cout, out_size))
        skip = self.pad_to(skip, (cin, skip_size), (cout, out_size))
        return self.node("Relu", [self.node("Add", [y, skip])]), out_size


def build_model(params: list[DlibTensor]) -> onnx.ModelProto:
    sizes = [p.values.size for p in params]
    if sizes != expected_parameter_sizes():
        raise ValueError("the parameter tensors do not fit dlib's ResNet face-recognition architecture")
    g = GraphBuilder(params)
    mean = np.array(MEAN_RGB, dtype=np.float32).reshape(1, 1, 1, 3)
    x = g.node("Mul", [g.node("Sub", ["chip", g.const("mean", mean)]), g.const("scale", np.array(SCALE, np.float32))])
    x = g.node("Transpose", [x], perm=[0, 3, 1, 2])  # (N,150,150,3) → (N,3,150,150)

    x = g.node("Relu", [g.affine(g.conv(x, 3, STEM_CHANNELS, 7, 2, 0), STEM_CHANNELS)])
    size = conv_out(CHIP_SIZE, 7, 2, 0)
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    size = conv_out(size, 3, 2, 0)
    channels = STEM_CHANNELS
    for out, stride, blocks in STAGES:
        for block in range(blocks):
            x, size = g.residual(x, channels, out, stride if block == 0 else 1, size)
            channels = out

    pooled = g.node("Flatten", [g.node("GlobalAveragePool", [x])], axis=1)  # (N, 256)
    fc = g.next_params().reshape(channels, DESCRIPTOR_SIZE)  # dlib fc: (inputs, outputs)
    g.nodes.append(helper.make_node("MatMul", [pooled, g.const("fc", fc.copy())], ["descriptor"]))
    assert g.cursor == len(params)

    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["N", CHIP_SIZE, CHIP_SIZE, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", DESCRIPTOR_SIZE])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="ifas-guard dlib_resnet_onnx")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model
