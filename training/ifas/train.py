"""Trains I-FAS on a built, SCF-captioned dataset with the lopsided LM loss.

  PYTHONPATH=training training/.venv/bin/python -m ifas.train --data training/runs/data/full \
      --out training/runs/mini --steps 3000

Seeded and resumable: `--out` holds `last.pt` (weights, optimiser, step, random states) written every
`--save-every` steps; running the same command again continues from it. `log.jsonl` records losses,
learning rate and dev metrics; `final.pt` is the exporter's checkpoint, with the decision threshold
fixed at the dev split's EER point of the temperature-calibrated liveness (T fitted on dev, ifas.calibration),
with the `uncertain` band from dev. `--preset lite0` starts from the ImageNet EfficientNet-Lite0 weights and
caches the frozen stages' outputs (ifas.frozen_cache). Options cover the paper's ablations: `--connector mlp`,
`--plain-lm` or `--alpha`, `--captions generic|judgment_only`, and `--exclude-family` for
leave-one-attack-family-out.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from .calibration import apply_temperature, fit_temperature, uncertain_band
from .checkpoint import Checkpoint
from .cnn_stage_encoder import CnnStageEncoder
from .config import PRESETS
from .data.dataset import CAPTION_MODES, VqaBatches, load_captions, load_records
from .frozen_cache import FrozenPrefixCache
from .ifas_model import IFASModel
from .lopsided_loss import DEFAULT_ALPHA, lopsided_lm_loss
from .metrics import eer_threshold, report
from .package_writer import IMAGE_MEAN, IMAGE_STD
from .prompt import LIVE_WORD, PREFIX_TEXT, SPOOF_WORD, SUFFIX_TEXT
from .tokenizer import encode, single_token_id, train_tokenizer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--preset", default="mini", choices=sorted(PRESETS))
    parser.add_argument("--connector", choices=["gac", "mlp"], default="gac")
    parser.add_argument("--image-size", type=int, help="model input side (default: the preset's); captures are resized")
    parser.add_argument("--frozen-stages", type=int, help="pretrained backbone: stages kept frozen (default: preset's)")
    parser.add_argument("--backbone-lr-scale", type=float, default=0.1,
                        help="learning-rate factor for the trained stages of a pretrained backbone")
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--plain-lm", action="store_true", help="plain LM loss instead of L-LM")
    parser.add_argument("--captions", choices=CAPTION_MODES, default="spoof_aware")
    parser.add_argument("--exclude-family", help="leave this attack family out of training")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--vocab", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--save-every", type=int, default=250)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def learning_rate(step: int, args: argparse.Namespace) -> float:
    """Warm-up then cosine decay; each parameter group scales it by its own `lr_scale`."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def liveness_scores(model: IFASModel, batches: VqaBatches, records, prefix, suffix, judgment_ids,
                    size: int = 64, temperature: float = 1.0, cache: FrozenPrefixCache | None = None) -> np.ndarray:
    """σ((logit_Yes − logit_No) / T) at the first answer position, one prefill per image (T = 1: the raw
    P(Yes)/(P(Yes)+P(No)))."""
    model.eval()
    scores = []
    for start in range(0, len(records), size):
        rows = [r.index for r in records[start : start + size]]
        if cache is not None:  # the frozen part of the encoder, computed once
            layer_cls, patch_tokens = model.vision.from_prefix(*cache.fetch(rows, np.zeros(len(rows), bool)))
            embeds = model.prompt_embeds(model.connector(layer_cls, patch_tokens), prefix, suffix)
            logits = model.prefill(embeds)[0][:, -1]
        else:
            logits = model.judgment_logits(batches.to_pixel_values(rows), prefix, suffix)
        pair = torch.stack([logits[:, judgment_ids[0]], logits[:, judgment_ids[1]]], dim=1)
        scores.append(torch.softmax(pair / temperature, dim=1)[:, 0].numpy())
    model.train()
    return np.concatenate(scores) if scores else np.zeros(0)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. Data: training identities only for training; dev for the threshold.
    records = load_records(args.data)
    captions = load_captions(args.data)
    keep = (lambda r: r.family != args.exclude_family) if args.exclude_family else (lambda r: True)
    train_records = [r for r in records if r.split == "train" and keep(r)]
    # The threshold is fixed on dev samples of the families seen in training: the unseen family of a
    # leave-one-family-out run must not choose its own threshold.
    dev_records = [r for r in records if r.split == "dev" and keep(r)]

    # 2. Tokenizer from the caption corpus of the training split.
    corpus = [row[mode] for row in captions.values() for mode in ("spoof_aware", "generic")]
    tokenizer = train_tokenizer(corpus, vocab_size=args.vocab)
    cfg = PRESETS[args.preset].with_vocab_size(tokenizer.get_vocab_size()).with_connector(args.connector)
    if args.image_size:
        cfg = cfg.with_image_size(args.image_size)
    if args.frozen_stages is not None:
        cfg = cfg.with_frozen_stages(args.frozen_stages)
    model = IFASModel(cfg)
    pretrained = isinstance(model.vision, CnnStageEncoder)
    if pretrained:
        model.vision.load_pretrained()
    prefix, suffix = encode(tokenizer, PREFIX_TEXT), encode(tokenizer, SUFFIX_TEXT)
    judgment_ids = (single_token_id(tokenizer, LIVE_WORD), single_token_id(tokenizer, SPOOF_WORD))
    # Dev images are only scored (no captions: SCF never sees them).
    size = cfg.vision.image_size
    batches = VqaBatches(args.data, dev_records, {}, "judgment_only", tokenizer, IMAGE_MEAN, IMAGE_STD, image_size=size)
    train_batches = VqaBatches(args.data, train_records, captions, args.captions, tokenizer, IMAGE_MEAN, IMAGE_STD,
                               image_size=size)
    backbone = [p for n, p in model.named_parameters() if n.startswith("vision.backbone.") and p.requires_grad]
    rest = [p for n, p in model.named_parameters() if not n.startswith("vision.backbone.") and p.requires_grad]
    optimizer = torch.optim.AdamW([{"params": rest, "lr_scale": 1.0},
                                   {"params": backbone, "lr_scale": args.backbone_lr_scale}],
                                  lr=args.lr, weight_decay=args.weight_decay)
    cache = dev_cache = None
    if pretrained and cfg.vision.frozen_stages > 0:
        folder = args.data / "cache"
        # Every train and dev row, whatever --exclude-family drops: one cache per split serves all the
        # runs on this dataset (seeds, ablations, leave-one-family-out).
        split_rows = {split: [r.index for r in records if r.split == split] for split in ("train", "dev")}
        cache = FrozenPrefixCache(model.vision, train_batches, split_rows["train"], folder=folder)
        train_batches.need_pixels = False
        dev_cache = FrozenPrefixCache(model.vision, batches, split_rows["dev"], folder=folder)
        print(f"cached the frozen stem and {cfg.vision.frozen_stages} stages for {len(split_rows['train'])} training "
              f"images ({cache.megabytes:.0f} MB) and {len(split_rows['dev'])} dev images")

    # 3. Resume if a run with the same settings left a state behind.
    state_path, log_path = args.out / "last.pt", args.out / "log.jsonl"
    settings = {k: str(v) for k, v in vars(args).items() if k not in ("quiet", "eval_every", "save_every", "threads")}
    step, elapsed_before = 0, 0.0
    rng = np.random.default_rng(args.seed)
    if state_path.exists():
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        if state["settings"] != settings:
            raise SystemExit(f"{state_path} was written with other settings; use another --out")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed_before = state["step"], state["elapsed"]
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resuming {args.out} at step {step}")

    labels = np.array([1 if r.family == "live" else 0 for r in dev_records])

    def evaluate_dev():
        """Dev scores → (EER threshold, EER, report at that threshold, raw scores)."""
        scores = liveness_scores(model, batches, dev_records, prefix, suffix, judgment_ids, cache=dev_cache)
        threshold, eer = eer_threshold(scores, labels)
        return threshold, eer, report(scores, labels, [r.family for r in dev_records], threshold), scores

    final_dev = None
    started = time.time()
    alpha = None if args.plain_lm else args.alpha
    progress = tqdm(total=args.steps, initial=step, desc="train", disable=args.quiet, smoothing=0.05)
    model.train()
    with log_path.open("a") as log:
        while step < args.steps:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, args) * group["lr_scale"]
            batch = train_batches.batch(rng, args.batch)
            if cache is not None:
                layer_cls, patch_tokens = model.vision.from_prefix(*cache.fetch(batch["rows"], batch["flip"]))
                visual = model.connector(layer_cls, patch_tokens)
                logits = model.answer_logits_from_tokens(visual, prefix, suffix, batch["answer_ids"])
            else:
                logits = model.answer_logits(batch["pixel_values"], prefix, suffix, batch["answer_ids"])
            parts = lopsided_lm_loss(logits, batch["answer_ids"], batch["judgment_mask"],
                                     batch["interpretation_mask"], alpha)
            optimizer.zero_grad(set_to_none=True)
            parts.total.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            progress.update(1)
            if step % 20 == 0 or step == args.steps:
                entry = {"step": step, "loss": round(parts.total.item(), 5), "judgment": round(parts.judgment.item(), 5),
                         "interpretation": round(parts.interpretation.item(), 5), "lr": round(learning_rate(step, args), 7),
                         "elapsed_s": round(elapsed_before + time.time() - started, 1)}
                progress.set_postfix(loss=entry["loss"], j=entry["judgment"])
                if step % args.eval_every == 0 or step == args.steps:
                    final_dev = evaluate_dev()
                    threshold, eer, dev, _ = final_dev
                    entry["dev"] = {"auc": round(dev.auc, 4), "eer": round(eer, 4), "threshold": threshold}
                log.write(json.dumps(entry) + "\n")
                log.flush()
            if step % args.save_every == 0 or step == args.steps:
                torch.save({"settings": settings, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "step": step, "elapsed": elapsed_before + time.time() - started,
                            "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}, state_path)
    progress.close()

    # 4. Calibration on dev (temperature, then the EER threshold and the uncertain band of the calibrated
    #    liveness), then the exporter's checkpoint.
    _, _, raw_dev, raw_scores = final_dev if final_dev is not None else evaluate_dev()
    temperature = fit_temperature(raw_scores, labels)
    scores = apply_temperature(raw_scores, temperature)
    threshold, eer = eer_threshold(scores, labels)
    dev = report(scores, labels, [r.family for r in dev_records], threshold)
    band = uncertain_band(scores, labels, threshold)
    dev_counts = f"{int(labels.sum())} live, {int((1 - labels).sum())} attack samples"
    summary = json.loads((args.data / "summary.json").read_text())
    ckpt = Checkpoint(
        model=model.eval(), tokenizer=tokenizer, status="reference", threshold=threshold,
        threshold_provenance=(f"EER point of the calibrated liveness on the dev split ({dev_counts}, identities "
                              f"disjoint from training); dev EER {eer:.4f}"),
        training={"settings": settings, "steps": step, "train_seconds": round(elapsed_before + time.time() - started),
                  "data": {k: summary[k] for k in ("faces", "identityGroups", "facesBySplit")}
                  | {"simulator": summary.get("simulator", "a")},
                  "dev": dev.as_dict(), "devUncalibrated": raw_dev.as_dict()},
        calibration={"method": "temperature", "temperature": temperature, "uncertainBand": list(band),
                     "provenance": (f"fitted on the dev split ({dev_counts}) by minimising the negative "
                                    "log-likelihood"),
                     "devEceBefore": round(raw_dev.ece, 4), "devEceAfter": round(dev.ece, 4)},
    )
    ckpt.save(args.out / "final.pt")
    print(json.dumps({"dev": dev.as_dict(), "threshold": threshold, "calibration": ckpt.calibration}, indent=2))


if __name__ == "__main__":
    main()
