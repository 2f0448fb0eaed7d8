"""Writes a model package from a fine-tuned run (or untrained imported parts), gated on parity.

  python -m ifas.hf.export --run runs/hf-qwen --out ../models/ifas-qwen --version 1.0.0
  python -m ifas.hf.export --untrained --vision ckpt/clip --llm ckpt/qwen2 --out /tmp/pkg

Steps: 1. import the base checkpoints (verified), load the trained GAC, merge the LoRA adapters;
2. PyTorch reference on the parity image: liveness, judgment and greedy tokens, with parameters (and the
KV cache, step by step) rounded to fp16 exactly as the package stores them — and, for the record, the
unrounded fp32 liveness; 3. export the three graphs (ifas.onnx_graphs) with the LLM converted to the
runtime decoder, rewrite them to fp16 weights / fp16 cache with external data (onnx_precision);
4. tokenizer.json of the checkpoint, config, card, manifest (format 2: `precision`, `externalData`);
5. run the package under onnxruntime and refuse it (exit 1, nothing left at --out) unless it reproduces
the reference: |Δliveness| ≤ --tolerance, same judgment, same greedy tokens. `--goldens` writes the
reference for the TypeScript runtime (training/scripts/hf-smoke.sh compares `ifas check` with it).
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file
from torch import nn

from ..config import ConnectorConfig, DecoderConfig
from ..files import sha256_file
from ..goldens import square_crop
from ..onnx_graphs import export_decoder, export_embed, export_vision
from ..ort_runner import OrtPackage
from ..package_writer import FACE_CROP_MARGIN, write_json
from ..prompt import IMAGE_PLACEHOLDER, QUESTION
from .hf_ifas import HfIfas
from .importer import IMPORT_ERRORS, Sources, import_model
from .language_model import to_runtime_decoder
from .onnx_precision import rewrite_graph
from .vision_tower import TowerShape

FORMAT_VERSION = 2
GRAPHS = {"visionEncoder": "vision_encoder.onnx", "embedTokens": "embed_tokens.onnx",
          "decoder": "decoder_model_merged.onnx"}
UNTRAINED_PROVENANCE = "placeholder 0.5: untrained GAC on imported weights; do not use for decisions"
REPO = Path(__file__).resolve().parents[3]


class ParityError(RuntimeError):
    """The exported package does not reproduce the PyTorch model."""


@dataclass(frozen=True)
class ExportShape:
    """The `cfg` fields ifas.onnx_graphs reads: vision.image_size/channels and the decoder config."""

    vision: TowerShape
    decoder: DecoderConfig


class ExportModel(nn.Module):
    """Tower + GAC → visual tokens, and the LLM as the runtime decoder: what the graphs contain."""

    def __init__(self, model: HfIfas) -> None:
        super().__init__()
        self.tower, self.connector = model.tower, model.connector
        self.decoder = to_runtime_decoder(model.llm)
        self.cfg = ExportShape(model.tower.shape, self.decoder.cfg)

    def encode_image(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.connector(*self.tower(pixel_values))


@contextmanager
def without_onnx_shape_inference() -> Iterator[None]:
    """torch 2.5's TorchScript exporter runs ONNX shape inference on the whole in-memory graph, weights
    included, and fails once they pass protobuf's 2 GB limit ("The serialized model is larger than the
    2GiB limit"), before it ever writes external data. `torch.onnx.export` has no switch for that pass;
    its internal `_export` has one, so the export runs through it with the pass off. onnxruntime infers
    shapes itself at load, and the parity gate checks the result."""
    original = torch.onnx.utils._export
    torch.onnx.utils._export = functools.partial(original, onnx_shape_inference=False)
    try:
        yield
    finally:
        torch.onnx.utils._export = original


class HfOrtPackage(OrtPackage):
    """The Python onnxruntime runner, feeding the KV cache in the manifest's precision."""

    def empty_cache(self) -> list[np.ndarray]:
        dtype = np.float16 if self.manifest.get("precision", {}).get("kvCache") == "float16" else np.float32
        return [array.astype(dtype) for array in super().empty_cache()]


def load_run(run: Path | None, sources: Sources | None, num_queries: int = 64) -> tuple[HfIfas, object, dict, dict]:
    """→ (merged fp32 model with eager attention, tokenizer, import record, run facts)."""
    facts = json.loads((run / "run.json").read_text()) if run else {
        "status": "untrained", "threshold": {"value": 0.5, "provenance": UNTRAINED_PROVENANCE},
        "connector": ConnectorConfig(num_queries=num_queries, heads=16).__dict__, "training": {}}
    if run:
        sources = Sources(**{k: Path(v) if v else None for k, v in facts["sources"].items()})
    model, tokenizer, record = import_model(sources, ConnectorConfig(**facts["connector"]), attn="eager")
    if run:
        if record != facts["import"]:
            raise ValueError("the base checkpoints differ from those the run was trained on: "
                             f"{record} vs {facts['import']}")
        model.connector.load_state_dict(load_file(str(run / "gac.safetensors")))
        from peft import PeftModel  # only runs with adapters need peft

        if (run / "lora-llm").is_dir():
            model.llm = PeftModel.from_pretrained(model.llm, run / "lora-llm").merge_and_unload()
        if (run / "lora-vision").is_dir():
            model.tower.model = PeftModel.from_pretrained(model.tower.model, run / "lora-vision").merge_and_unload()
    return model.eval(), tokenizer, record, facts


def parity_pixels(image: Path, size: int, mean: list[float], std: list[float], save_to: Path | None) -> torch.Tensor:
    """Centre square at model size (what the runtime samples from an image already that size)."""
    square = square_crop(Image.open(image), size).convert("RGB")
    if save_to is not None:
        square.save(save_to)
    rgb = np.asarray(square, dtype=np.float32) / 255.0
    normalised = (rgb - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return torch.from_numpy(normalised.transpose(2, 0, 1).copy()).unsqueeze(0)


@torch.no_grad()
def round_parameters_fp16(model: nn.Module) -> None:
    for parameter in model.parameters():
        parameter.copy_(parameter.half().to(parameter.dtype))


def manifest_of(model: HfIfas, tokenizer, record: dict, facts: dict, name: str, version: str, licence: str,
                precision: dict, external: dict, files: dict) -> dict:
    prompt, dcfg = model.prompt, model.llm.config
    shape = model.tower.shape
    end = prompt.end_id
    return {
        "formatVersion": FORMAT_VERSION, "name": name, "version": version, "status": facts["status"],
        "licence": licence, "modelCard": "MODEL_CARD.md",
        "image": {"size": shape.image_size, "channels": shape.channels, "mean": record["image"]["mean"],
                  "std": record["image"]["std"], "resize": "center-crop", "faceCropMargin": FACE_CROP_MARGIN},
        "prompt": {"question": QUESTION, "template": prompt.template, "imagePlaceholder": IMAGE_PLACEHOLDER,
                   "prefixIds": prompt.prefix_ids, "suffixIds": prompt.suffix_ids},
        "judgment": {"live": {"word": prompt.live_word, "tokenId": prompt.live_id},
                     "spoof": {"word": prompt.spoof_word, "tokenId": prompt.spoof_id}},
        "connector": {"type": "gac", "visualTokens": model.connector.num_tokens,
                      "learnableQueries": model.connector_cfg.num_queries, "encoderLayers": shape.layers},
        "decoder": {"layers": dcfg.num_hidden_layers, "heads": dcfg.num_attention_heads,
                    "kvHeads": dcfg.num_key_value_heads, "headDim": dcfg.hidden_size // dcfg.num_attention_heads,
                    "hiddenSize": dcfg.hidden_size, "vocabSize": dcfg.vocab_size,
                    "maxPositions": dcfg.max_position_embeddings,
                    "bosTokenId": tokenizer.bos_token_id if tokenizer.bos_token_id is not None else end,
                    "eosTokenId": end,
                    "padTokenId": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else end},
        "tokenizer": "tokenizer.json", "graphs": dict(GRAPHS), "precision": precision, "externalData": external,
        "threshold": facts["threshold"], "files": files,
    }


def model_card(name: str, version: str, record: dict, facts: dict, parity: dict, params: int) -> str:
    lines = [f"# {name} {version}", ""]
    if facts["status"] == "untrained":
        lines += ["**UNTRAINED.** Imported weights with a random GAC (and no fine-tuning): liveness and rationales",
                  "are noise. Never use it to decide anything about a real person.", ""]
    lines += ["## Architecture", "", "Imported from Hugging Face checkpoints (verified digests):", "",
              "```json", json.dumps(record, indent=2), "```", "",
              f"GAC replaces any projector; LoRA adapters are merged. Parameters: {params:,}.", "",
              "## Parity (PyTorch vs this package under onnxruntime)", "", "```json", json.dumps(parity, indent=2),
              "```", "", "## Decision threshold", "", f"{facts['threshold']['value']} — {facts['threshold']['provenance']}",
              ""]
    if facts.get("training"):
        lines += ["## Training record", "", "```json", json.dumps(facts["training"], indent=2), "```", ""]
    return "\n".join(lines)


def check_parity(package: Path, pixels: torch.Tensor, reference: dict, tokens: int, tolerance: float) -> dict:
    ort_answer = HfOrtPackage(package).answer(pixels.numpy(), tokens)
    result = {"referenceLiveness": reference["liveness"], "onnxLiveness": ort_answer.liveness,
              "absDiff": abs(ort_answer.liveness - reference["liveness"]), "tolerance": tolerance,
              "referenceTokens": reference["tokens"], "onnxTokens": ort_answer.rationale_ids,
              "fp32Liveness": reference["fp32Liveness"]}
    if (result["absDiff"] > tolerance or ort_answer.judgment_id != reference["judgment"]
            or ort_answer.rationale_ids != reference["tokens"]):
        raise ParityError(f"exported package does not reproduce PyTorch: {json.dumps(result)}")
    return result


def export_package(model: HfIfas, tokenizer, record: dict, facts: dict, out: Path, name: str, version: str,
                   licence: str, fp16_weights: bool, fp16_cache: bool, image: Path, tokens: int,
                   tolerance: float, goldens: Path | None) -> dict:
    size = model.tower.shape.image_size
    out.parent.mkdir(parents=True, exist_ok=True)
    # Work beside --out (the fp32 graphs of a 1.5 B model take 8 GB), so the finished package is renamed
    # into place rather than copied.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp_name:
        tmp = Path(tmp_name)
        pixels = parity_pixels(image, size, record["image"]["mean"], record["image"]["std"], tmp / "parity.png")
        fp32_liveness = model.generate(pixels, 0)[0]
        if fp16_weights:
            round_parameters_fp16(model)
        liveness, judgment, reference_tokens = model.generate(pixels, tokens, round_cache_fp16=fp16_cache)
        reference = {"liveness": liveness, "judgment": judgment, "tokens": reference_tokens,
                     "fp32Liveness": fp32_liveness}

        graphs_dir, package = tmp / "graphs", tmp / "package"
        graphs_dir.mkdir()
        exportable = ExportModel(model).eval()
        with torch.no_grad(), without_onnx_shape_inference():
            export_vision(exportable, graphs_dir / GRAPHS["visionEncoder"])
            export_embed(exportable, graphs_dir / GRAPHS["embedTokens"])
            export_decoder(exportable, graphs_dir / GRAPHS["decoder"], with_embedding=False)
        external = {}
        for graph in GRAPHS.values():
            data = rewrite_graph(graphs_dir / graph, package / graph, fp16_weights,
                                 fp16_cache and graph == GRAPHS["decoder"])
            external[graph] = data
        shutil.copyfile(Path(tokenizer.name_or_path) / "tokenizer.json", package / "tokenizer.json")
        write_json(package / "config.json", {"import": record, "connector": model.connector_cfg.__dict__,
                                             "decoder": exportable.cfg.decoder.__dict__,
                                             "prompt": model.prompt.to_dict()})
        precision = {"weights": "float16" if fp16_weights else "float32",
                     "kvCache": "float16" if fp16_cache else "float32"}
        params = sum(p.numel() for p in model.parameters())
        (package / "MODEL_CARD.md").write_text("pending parity\n")  # rewritten with the figures below

        def files() -> dict[str, str]:
            return {p.relative_to(package).as_posix(): sha256_file(p)
                    for p in sorted(package.rglob("*")) if p.is_file() and p.name != "manifest.json"}

        write_json(package / "manifest.json", manifest_of(model, tokenizer, record, facts, name, version, licence,
                                                          precision, external, files()))
        parity = check_parity(package, pixels, reference, tokens, tolerance)  # 5: raises ParityError
        (package / "MODEL_CARD.md").write_text(model_card(name, version, record, facts, parity, params))
        manifest = manifest_of(model, tokenizer, record, facts, name, version, licence, precision, external, files())
        write_json(package / "manifest.json", manifest)
        if out.exists():
            shutil.rmtree(out)
        package.rename(out)
        if goldens is not None:
            goldens.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp / "parity.png", goldens.with_suffix(".png"))
            write_json(goldens, {"image": goldens.with_suffix(".png").name, "liveness": liveness,
                                 "judgment": "live" if judgment == model.prompt.live_id else "spoof",
                                 "judgmentTokenId": judgment, "maxNewTokens": tokens,
                                 "rationaleTokenIds": reference_tokens, "tolerance": tolerance, "parity": parity})
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="folder written by ifas.hf.train")
    source.add_argument("--untrained", action="store_true", help="imported parts with a random GAC")
    parser.add_argument("--vision", type=Path)
    parser.add_argument("--llm", type=Path)
    parser.add_argument("--vlm", type=Path)
    parser.add_argument("--num-queries", type=int, default=64, help="GAC queries (--untrained only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--licence", default="Apache-2.0", help="SPDX id; must allow the base checkpoints' terms")
    parser.add_argument("--weights", choices=["float16", "float32"], default="float16")
    parser.add_argument("--kv-cache", choices=["float16", "float32"], default="float16")
    parser.add_argument("--parity-image", type=Path, default=REPO / "samples" / "grace-hopper.jpg")
    parser.add_argument("--parity-tokens", type=int, default=12)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--goldens", type=Path, help="write the PyTorch reference here (and the image beside it)")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    try:  # ValueError: incomplete sources, or base checkpoints other than the run's
        sources = None if args.run else Sources(args.vision, args.llm, args.vlm)
        model, tokenizer, record, facts = load_run(args.run, sources, args.num_queries)
    except (*IMPORT_ERRORS, ValueError) as error:
        raise SystemExit(f"refused: {error}") from error
    try:
        manifest = export_package(model, tokenizer, record, facts, args.out, args.name or args.out.name, args.version,
                                  args.licence, args.weights == "float16", args.kv_cache == "float16",
                                  args.parity_image, args.parity_tokens, args.tolerance, args.goldens)
    except ParityError as error:
        raise SystemExit(f"refused: {error}") from error
    total = sum((args.out / f).stat().st_size for f in manifest["files"])
    print(f"wrote {args.out} ({manifest['status']}, {len(manifest['files'])} files, {total / 1e6:.1f} MB); "
          f"parity ok")


if __name__ == "__main__":
    main()
