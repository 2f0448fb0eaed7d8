"""Writes the cross-language test fixtures: a tiny untrained package, a fixed image, and PyTorch goldens.

  python -m ifas.goldens --source ../samples/grace-hopper.jpg --fixtures ../test/fixtures

The TypeScript tests run the package under onnxruntime-node on the image and compare with these
PyTorch numbers; the Python tests check the same file under Python onnxruntime. Run once and commit
the outputs; tests never regenerate them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .export import untrained_checkpoint
from .package_writer import IMAGE_MEAN, IMAGE_STD, write_package
from .tokenizer import eos_id, single_token_id
from .prompt import LIVE_WORD, SPOOF_WORD

GOLDEN_TOKENS = 12
HEAD = 8  # how many leading values of each tensor are pinned


@torch.no_grad()
def spread_weights(model: torch.nn.Module, std: float) -> None:
    """Re-draws every weight from N(0, std²): a 0.02-init model answers the same token forever, which
    would let a broken cache pass the greedy test."""
    for parameter in model.parameters():
        parameter.copy_(torch.randn_like(parameter) * std)


def square_crop(image: Image.Image, size: int) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)


def pixel_values_of(image: Image.Image) -> torch.Tensor:
    """RGB image already at model size → (1, 3, S, S), (x/255 − mean) / std."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0  # (S, S, 3)
    normalised = (rgb - np.array(IMAGE_MEAN, dtype=np.float32)) / np.array(IMAGE_STD, dtype=np.float32)
    return torch.from_numpy(normalised.transpose(2, 0, 1).copy()).unsqueeze(0)


@torch.no_grad()
def compute_goldens(ckpt, pixel_values: torch.Tensor, prefix_ids: list[int], suffix_ids: list[int]) -> dict:
    model = ckpt.model
    visual = model.encode_image(pixel_values)  # (1, Nv, d)
    logits = model.judgment_logits(pixel_values, prefix_ids, suffix_ids)[0]  # (V,)
    live_id = single_token_id(ckpt.tokenizer, LIVE_WORD)
    spoof_id = single_token_id(ckpt.tokenizer, SPOOF_WORD)
    liveness, judgment, rationale = model.generate(
        pixel_values, prefix_ids, suffix_ids, (live_id, spoof_id), GOLDEN_TOKENS, eos_id(ckpt.tokenizer)
    )
    return {
        "visualTokens": {
            "dims": list(visual.shape),
            "head": visual[0, 0, :HEAD].tolist(),
            "meanAbs": float(visual.abs().mean()),
        },
        "judgmentLogits": {"live": float(logits[live_id]), "spoof": float(logits[spoof_id])},
        "logitsHead": logits[:HEAD].tolist(),
        "liveness": liveness,
        "judgmentTokenId": judgment,
        "greedy": {"maxNewTokens": GOLDEN_TOKENS, "tokens": rationale},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="public-domain face photo")
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ckpt = untrained_checkpoint("tiny", args.seed)
    spread_weights(ckpt.model, std=0.6)
    package = args.fixtures / "models" / "ifas-tiny"
    manifest = write_package(ckpt, package, "ifas-tiny", "0.0.0-test", "Apache-2.0")

    size = manifest["image"]["size"]
    image = square_crop(Image.open(args.source), size)
    image_path = args.fixtures / "images" / f"face-{size}.png"
    image_path.parent.mkdir(parents=True, exist_ok=True)
    image.save(image_path)

    prompt = manifest["prompt"]
    goldens = {
        "package": "models/ifas-tiny",
        "image": f"images/{image_path.name}",
        "tolerance": {"absolute": 1e-4, "note": "PyTorch fp32 vs onnxruntime fp32"},
        **compute_goldens(ckpt, pixel_values_of(image), prompt["prefixIds"], prompt["suffixIds"]),
    }
    out = args.fixtures / "goldens" / "ifas-tiny.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(goldens, indent=2) + "\n")
    print(f"wrote {package}, {image_path}, {out}")


if __name__ == "__main__":
    main()
