"""The package writer's manifest: complete, hashed, and honest about an untrained model."""

from __future__ import annotations

import json
from pathlib import Path

from ifas.files import sha256_file

REQUIRED_GRAPHS = {"visionEncoder", "embedTokens", "decoder", "textDecoder"}


def test_manifest_hashes_every_file_and_nothing_else(tiny_package: Path) -> None:
    manifest = json.loads((tiny_package / "manifest.json").read_text())
    on_disk = {p.relative_to(tiny_package).as_posix() for p in tiny_package.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    for relative, digest in manifest["files"].items():
        assert sha256_file(tiny_package / relative) == digest


def test_manifest_describes_prompt_judgment_connector_and_decoder(tiny_package: Path) -> None:
    manifest = json.loads((tiny_package / "manifest.json").read_text())
    assert manifest["prompt"]["question"] == "Is this photo of a real person?"
    assert manifest["prompt"]["template"].count(manifest["prompt"]["imagePlaceholder"]) == 1
    assert set(manifest["graphs"]) == REQUIRED_GRAPHS
    assert manifest["connector"]["type"] == "gac"
    assert manifest["connector"]["visualTokens"] == manifest["connector"]["learnableQueries"] + manifest["connector"]["encoderLayers"]
    decoder = manifest["decoder"]
    assert decoder["heads"] * decoder["headDim"] == decoder["hiddenSize"]
    assert manifest["judgment"]["live"]["word"] == " Yes" and manifest["judgment"]["spoof"]["word"] == " No"


def test_untrained_package_says_so(tiny_package: Path) -> None:
    manifest = json.loads((tiny_package / "manifest.json").read_text())
    assert manifest["status"] == "untrained"
    assert "UNTRAINED" in (tiny_package / manifest["modelCard"]).read_text()
    assert "do not use" in manifest["threshold"]["provenance"]
