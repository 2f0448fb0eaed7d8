"""One configuration object for every I-FAS size.

`IFASConfig` describes the whole model (vision encoder → connector → decoder). The same dataclasses
describe the small reference size trained here and real-size variants (a CLIP ViT-L/14@336 behind a
1B-parameter LLaMA-style decoder); nothing in the model code depends on the size. Presets live in
`PRESETS` and are looked up by name from the command line.

Settings the paper does not publish (see docs/method.md §2 and §5) carry this
project's reimplementation defaults and are marked [INFERRED].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

ConnectorKind = Literal["gac", "mlp"]
BackboneKind = Literal["vit", "efficientnet_lite0"]


@dataclass(frozen=True)
class VisionConfig:
    # "vit": the from-scratch ViT (vision_encoder.py); "efficientnet_lite0": the ImageNet-pretrained CNN
    # (cnn_stage_encoder.py), whose stages stand in for layers (layers = 7, patch_size = its stride 32).
    backbone: BackboneKind = "vit"
    frozen_stages: int = 0  # efficientnet_lite0 only: stem + this many stages keep their ImageNet weights
    image_size: int = 64  # square input side in pixels
    patch_size: int = 8  # (image_size / patch_size)² patch tokens
    channels: int = 3
    width: int = 128  # D, token width of the ViT
    layers: int = 4  # L, number of transformer blocks = number of per-layer class tokens
    heads: int = 4
    mlp_ratio: float = 4.0
    layer_norm_eps: float = 1e-5

    @property
    def num_patches(self) -> int:
        side = self.image_size // self.patch_size
        return side * side

    @property
    def num_context_tokens(self) -> int:
        """Tokens the connector's cross-attention (or the MLP projector) sees: the patches, plus the stage
        tokens for the CNN encoder."""
        return self.num_patches + (self.layers if self.backbone == "efficientnet_lite0" else 0)

    def __post_init__(self) -> None:
        assert self.image_size % self.patch_size == 0, "image_size must be a multiple of patch_size"
        assert self.width % self.heads == 0, "width must divide evenly into heads"


@dataclass(frozen=True)
class ConnectorConfig:
    kind: ConnectorKind = "gac"
    num_queries: int = 8  # |Q_P|, learnable queries [INFERRED: paper does not say; 64–96 at real size]
    depth: int = 1  # GAC blocks; the paper's equations show one
    heads: int = 4
    mlp_ratio: float = 4.0
    layer_norm_eps: float = 1e-5
    # The MLP projector (ablation baseline) passes every patch token through a 2-layer MLP.


@dataclass(frozen=True)
class DecoderConfig:
    vocab_size: int = 2048
    hidden_size: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2  # grouped-query attention: heads share kv_heads key/value heads
    intermediate_size: int = 344  # SwiGLU inner width (≈ 8/3 · hidden, rounded)
    max_positions: int = 256
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6
    tie_word_embeddings: bool = True

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.heads

    def __post_init__(self) -> None:
        assert self.hidden_size % self.heads == 0, "hidden_size must divide evenly into heads"
        assert self.heads % self.kv_heads == 0, "heads must be a multiple of kv_heads"


@dataclass(frozen=True)
class IFASConfig:
    name: str = "ifas-mini"
    vision: VisionConfig = field(default_factory=VisionConfig)
    connector: ConnectorConfig = field(default_factory=ConnectorConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)

    @property
    def num_visual_tokens(self) -> int:
        """How many tokens the connector hands the decoder."""
        if self.connector.kind == "gac":
            return self.connector.num_queries + self.vision.layers  # |Q_P| + L
        return self.vision.num_context_tokens  # MLP projector: one token per patch (and stage)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict) -> "IFASConfig":
        return IFASConfig(
            name=data["name"],
            vision=VisionConfig(**data["vision"]),
            connector=ConnectorConfig(**data["connector"]),
            decoder=DecoderConfig(**data["decoder"]),
        )

    def with_vocab_size(self, vocab_size: int) -> "IFASConfig":
        return replace(self, decoder=replace(self.decoder, vocab_size=vocab_size))

    def with_connector(self, kind: ConnectorKind) -> "IFASConfig":
        return replace(self, connector=replace(self.connector, kind=kind))

    def with_image_size(self, size: int) -> "IFASConfig":
        return replace(self, vision=replace(self.vision, image_size=size))

    def with_frozen_stages(self, stages: int) -> "IFASConfig":
        return replace(self, vision=replace(self.vision, frozen_stages=stages))


PRESETS: dict[str, IFASConfig] = {
    # CI and unit tests: seconds to build, export and run.
    "tiny": IFASConfig(
        name="ifas-tiny",
        vision=VisionConfig(image_size=32, patch_size=8, width=32, layers=2, heads=2),
        connector=ConnectorConfig(num_queries=4, heads=2),
        decoder=DecoderConfig(
            vocab_size=512, hidden_size=32, layers=2, heads=4, kv_heads=2, intermediate_size=88,
            max_positions=128,
        ),
    ),
    # The reference model trained on the 2-core machine: 96² input in 12-px patches (halftone and
    # subpixel periods of 2–5 px fall inside a patch), sized so the full training fits in an hour.
    "mini": IFASConfig(
        name="ifas-mini",
        vision=VisionConfig(image_size=96, patch_size=12, width=144, layers=4, heads=4),
        connector=ConnectorConfig(num_queries=12, heads=4),
        decoder=DecoderConfig(
            vocab_size=1024, hidden_size=128, layers=3, heads=4, kv_heads=2, intermediate_size=344,
            max_positions=160,
        ),
    ),
    # The pretrained reference model: EfficientNet-Lite0 (ImageNet) at its native 224², GAC over 7 stage
    # tokens + 12 queries, the mini decoder. The whole backbone stays frozen (its outputs are cached during
    # training, which is what a 2-core machine affords); `--frozen-stages 3` fine-tunes stages 4–7.
    "lite0": IFASConfig(
        name="ifas-lite0",
        vision=VisionConfig(backbone="efficientnet_lite0", frozen_stages=7, image_size=224, patch_size=32,
                            width=128, layers=7, heads=4),
        connector=ConnectorConfig(num_queries=12, heads=4),
        decoder=DecoderConfig(
            vocab_size=1024, hidden_size=128, layers=3, heads=4, kv_heads=2, intermediate_size=344,
            max_positions=160,
        ),
    ),
    # Tests: the same encoder at 64², a tiny decoder.
    "lite0-tiny": IFASConfig(
        name="ifas-lite0-tiny",
        vision=VisionConfig(backbone="efficientnet_lite0", frozen_stages=3, image_size=64, patch_size=32,
                            width=32, layers=7, heads=2),
        connector=ConnectorConfig(num_queries=4, heads=2),
        decoder=DecoderConfig(
            vocab_size=512, hidden_size=32, layers=2, heads=4, kv_heads=2, intermediate_size=88,
            max_positions=128,
        ),
    ),
    # Between the two: a ViT-S/16 at 224² behind an 8-layer decoder, for benchmarks where compute dominates.
    "small": IFASConfig(
        name="ifas-small",
        vision=VisionConfig(image_size=224, patch_size=16, width=384, layers=12, heads=6),
        connector=ConnectorConfig(num_queries=32, heads=6),
        decoder=DecoderConfig(
            vocab_size=8192, hidden_size=512, layers=8, heads=8, kv_heads=2, intermediate_size=1408,
            max_positions=512,
        ),
    ),
    # Real size: CLIP ViT-L/14@336 (24 layers, D=1024, 576 patches) behind a TinyLlama-1.1B-shaped decoder.
    "large": IFASConfig(
        name="ifas-large",
        vision=VisionConfig(image_size=336, patch_size=14, width=1024, layers=24, heads=16),
        connector=ConnectorConfig(num_queries=64, heads=16),
        decoder=DecoderConfig(
            vocab_size=32000, hidden_size=2048, layers=22, heads=32, kv_heads=4,
            intermediate_size=5632, max_positions=2048,
        ),
    ),
}
