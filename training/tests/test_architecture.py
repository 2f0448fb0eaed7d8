"""Shapes and invariants of the I-FAS components (vision encoder, GAC, MLP projector, config)."""

from __future__ import annotations

import torch

from ifas.config import PRESETS
from ifas.gac import GloballyAwareConnector
from ifas.ifas_model import IFASModel
from ifas.vision_encoder import VisionEncoder


def test_vision_encoder_returns_a_class_token_per_layer_and_last_patch_tokens() -> None:
    cfg = PRESETS["tiny"].vision
    layer_cls, patches = VisionEncoder(cfg)(torch.randn(2, 3, cfg.image_size, cfg.image_size))
    assert layer_cls.shape == (2, cfg.layers, cfg.width)
    assert patches.shape == (2, cfg.num_patches, cfg.width)


def test_per_layer_class_tokens_differ_between_layers() -> None:
    cfg = PRESETS["tiny"].vision
    layer_cls, _ = VisionEncoder(cfg)(torch.randn(1, 3, cfg.image_size, cfg.image_size))
    assert not torch.allclose(layer_cls[0, 0], layer_cls[0, 1])


def test_gac_outputs_queries_plus_layers_tokens_at_decoder_width() -> None:
    cfg = PRESETS["tiny"]
    gac = GloballyAwareConnector(cfg.vision, cfg.connector, llm_width=cfg.decoder.hidden_size)
    out = gac(torch.randn(3, cfg.vision.layers, cfg.vision.width), torch.randn(3, cfg.vision.num_patches, cfg.vision.width))
    assert out.shape == (3, cfg.connector.num_queries + cfg.vision.layers, cfg.decoder.hidden_size)
    assert cfg.num_visual_tokens == out.shape[1]


def test_gac_depends_on_every_layer_class_token() -> None:
    cfg = PRESETS["tiny"]
    gac = GloballyAwareConnector(cfg.vision, cfg.connector, llm_width=cfg.decoder.hidden_size)
    layer_cls = torch.randn(1, cfg.vision.layers, cfg.vision.width)
    patches = torch.randn(1, cfg.vision.num_patches, cfg.vision.width)
    base = gac(layer_cls, patches)
    for layer in range(cfg.vision.layers):
        changed = layer_cls.clone()
        changed[0, layer] += 1.0
        assert not torch.allclose(gac(changed, patches), base), f"layer {layer} ignored"


def test_mlp_projector_passes_one_token_per_patch() -> None:
    cfg = PRESETS["tiny"].with_connector("mlp")
    model = IFASModel(cfg)
    visual = model.encode_image(torch.randn(1, 3, cfg.vision.image_size, cfg.vision.image_size))
    assert visual.shape == (1, cfg.vision.num_patches, cfg.decoder.hidden_size)
    assert cfg.num_visual_tokens == cfg.vision.num_patches


def test_real_size_preset_describes_a_billion_parameter_decoder_behind_vit_large() -> None:
    cfg = PRESETS["large"]
    with torch.device("meta"):  # counts parameters without allocating 5 GB
        model = IFASModel(cfg)
    decoder = sum(p.numel() for p in model.decoder.parameters())
    vision = sum(p.numel() for p in model.vision.parameters())
    assert 0.9e9 < decoder < 1.3e9
    assert 0.25e9 < vision < 0.35e9
    assert cfg.num_visual_tokens == 64 + 24


def test_config_round_trips_through_a_dict() -> None:
    from ifas.config import IFASConfig

    for cfg in PRESETS.values():
        assert IFASConfig.from_dict(cfg.to_dict()) == cfg
