"""Command line: write a model package from a checkpoint, or an untrained package from a preset.

  python -m ifas.export --checkpoint runs/mini/last.pt --out ../models/ifas-mini --version 1.0.0
  python -m ifas.export --untrained mini --seed 0 --out ../models/ifas-mini-untrained
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .checkpoint import Checkpoint
from .config import PRESETS
from .ifas_model import IFASModel
from .package_writer import write_package
from .seed_corpus import seed_corpus
from .tokenizer import train_tokenizer

UNTRAINED_THRESHOLD_PROVENANCE = (
    "placeholder 0.5: the weights are random, so no threshold can be calibrated; do not use for decisions"
)


def untrained_checkpoint(preset: str, seed: int) -> Checkpoint:
    """Randomly initialised weights (seeded) with a tokenizer trained on the seed corpus."""
    torch.manual_seed(seed)
    base = PRESETS[preset]
    tokenizer = train_tokenizer(seed_corpus(), vocab_size=base.decoder.vocab_size)
    cfg = base.with_vocab_size(tokenizer.get_vocab_size())
    model = IFASModel(cfg).eval()
    return Checkpoint(
        model=model,
        tokenizer=tokenizer,
        status="untrained",
        threshold=0.5,
        threshold_provenance=UNTRAINED_THRESHOLD_PROVENANCE,
        training={"seed": seed, "preset": preset, "note": "random initialisation, no training"},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", type=Path, help="checkpoint written by training")
    source.add_argument("--untrained", choices=sorted(PRESETS), help="export random weights of a preset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="package folder (replaced)")
    parser.add_argument("--name", help="package name (default: folder name)")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--licence", default="Apache-2.0")
    parser.add_argument("--card-extra", type=Path, help="markdown appended to the model card (data, metrics, ablations)")
    parser.add_argument("--card-asset", type=Path, action="append", default=[], help="file the card shows (e.g. roc.png)")
    args = parser.parse_args(argv)

    ckpt = Checkpoint.load(args.checkpoint) if args.checkpoint else untrained_checkpoint(args.untrained, args.seed)
    extra = args.card_extra.read_text() if args.card_extra else ""
    manifest = write_package(ckpt, args.out, args.name or args.out.name, args.version, args.licence, extra,
                             tuple(args.card_asset))
    total = sum((args.out / f).stat().st_size for f in manifest["files"])
    print(f"wrote {args.out} ({manifest['status']}, {len(manifest['files'])} files, {total / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
