"""Evaluates a trained checkpoint on a split of a built dataset: PAD metrics, ROC curve, interpretability.

  PYTHONPATH=training training/.venv/bin/python -m ifas.evaluate --checkpoint training/runs/mini/final.pt \
      --data training/runs/data/full --split test --out training/runs/mini/eval

Metrics (ifas.metrics, identical in TypeScript): AUC, EER, HTER/APCER/BPCER at the threshold fixed on
dev (the checkpoint's), the same at the test split's own EER threshold (the benchmark line's optimistic
convention, labelled as such), TPR@FPR=1 %, APCER per attack type. Interpretability on generated
rationales: consistency (a rationale names an attack medium exactly when the judgment is spoof) and,
on attacks judged spoof, whether it names the correct medium. Calibration: the liveness is the checkpoint's
temperature-calibrated probability; ECE and a reliability diagram (reliability.png) are reported.

Cross-simulator protocol: `--data` may be a set built by the other simulator (build_dataset --simulator b);
the report names the simulator the checkpoint was trained on and the one tested, e.g. train on A, test on B:
  ... ifas.evaluate --checkpoint runs/lite0-a/final.pt --data training/runs/data/sim-b --split test --out …
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from .calibration import reliability_bins, reliability_diagram
from .checkpoint import Checkpoint
from .data.dataset import VqaBatches, load_records
from .metrics import eer_threshold, report
from .package_writer import IMAGE_MEAN, IMAGE_STD
from .prompt import LIVE_WORD, PREFIX_TEXT, SPOOF_WORD, SUFFIX_TEXT
from .scf.keywords import medium_named
from .tokenizer import encode, eos_id, single_token_id
from .train import liveness_scores


def roc_image(scores: np.ndarray, labels: np.ndarray, path: Path, title: str) -> None:
    """A 480×480 ROC curve (bona fide acceptance vs attack acceptance) drawn with PIL."""
    size, pad = 480, 50
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    plot = size - 2 * pad
    draw.rectangle([pad, pad, size - pad, size - pad], outline="black")
    draw.line([pad, size - pad, size - pad, pad], fill=(200, 200, 200))
    thresholds = np.concatenate([[np.inf], np.sort(np.unique(scores))[::-1], [-np.inf]])
    points = []
    for t in thresholds:
        fpr = float((scores[labels == 0] >= t).mean())
        tpr = float((scores[labels == 1] >= t).mean())
        points.append((pad + fpr * plot, size - pad - tpr * plot))
    draw.line(points, fill=(200, 30, 30), width=2)
    draw.text((pad, 15), title, fill="black")
    draw.text((size // 2 - 60, size - 30), "attack accepted (APCER)", fill="black")
    draw.text((5, pad - 20), "bona fide accepted (1 - BPCER)", fill="black")
    image.save(path)


def spread(records: list, limit: int | None) -> list:
    """`limit` records evenly spaced over the split (all when None), so every identity and family is sampled."""
    if limit is None or limit >= len(records):
        return list(records)
    return [records[i * len(records) // limit] for i in range(limit)]


@torch.no_grad()
def rationales(ckpt: Checkpoint, batches: VqaBatches, records) -> list[tuple[str, str]]:
    """(judgment, rationale text) per record, greedy as the runtime decodes."""
    tok, model = ckpt.tokenizer, ckpt.model
    prefix, suffix = encode(tok, PREFIX_TEXT), encode(tok, SUFFIX_TEXT)
    ids = (single_token_id(tok, LIVE_WORD), single_token_id(tok, SPOOF_WORD))
    out = []
    for record in records:
        x = batches.to_pixel_values([record.index])
        _, judgment_id, tokens = model.generate(x, prefix, suffix, ids, 48, eos_id(tok))
        text = tok.decode([judgment_id, *tokens]).strip()
        judgment = "live" if judgment_id == ids[0] else "spoof"
        rationale = text.split(".", 1)[1].strip() if "." in text else ""
        out.append((judgment, rationale))
    return out


def _band_share(scores: np.ndarray, band: list[float] | None) -> float | None:
    """Fraction of samples whose liveness falls in the uncertain band [low, high)."""
    if not band:
        return None
    return round(float(((scores >= band[0]) & (scores < band[1])).mean()), 4)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--family", help="evaluate on live + this attack family only (leave-one-family-out)")
    parser.add_argument("--rationales", type=int, default=None,
                        help="how many samples (evenly spaced over the split) get a generated rationale; default all")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    ckpt = Checkpoint.load(args.checkpoint)
    records = [r for r in load_records(args.data) if r.split == args.split
               and (args.family is None or r.family in ("live", args.family))]
    batches = VqaBatches(args.data, records, {}, "judgment_only", ckpt.tokenizer, IMAGE_MEAN, IMAGE_STD,
                         image_size=ckpt.model.cfg.vision.image_size)
    tok = ckpt.tokenizer
    scores = liveness_scores(ckpt.model, batches, records, encode(tok, PREFIX_TEXT), encode(tok, SUFFIX_TEXT),
                             (single_token_id(tok, LIVE_WORD), single_token_id(tok, SPOOF_WORD)),
                             temperature=ckpt.temperature)
    labels = np.array([1 if r.family == "live" else 0 for r in records])
    types = [r.family for r in records]
    if any(r.video for r in records):  # benchmark convention: one score per video, the mean of its frames
        videos: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            videos.setdefault(r.video or r.sample_id, []).append(i)
        scores = np.array([scores[idx].mean() for idx in videos.values()])
        labels = np.array([labels[idx[0]] for idx in videos.values()])
        types = [types[idx[0]] for idx in videos.values()]
    at_dev = report(scores, labels, types, ckpt.threshold)
    test_eer_threshold, _ = eer_threshold(scores, labels)
    at_test_eer = report(scores, labels, types, test_eer_threshold)

    explained = spread(records, args.rationales)
    generated = rationales(ckpt, batches, explained)
    consistent = sum((judgment == "spoof") == (medium_named(text) is not None) for judgment, text in generated)
    spoof_hits = [(r, g) for r, g in zip(explained, generated) if r.family != "live" and g[0] == "spoof"]
    correct_medium = sum(medium_named(text) == r.family for r, (_, text) in spoof_hits)

    args.out.mkdir(parents=True, exist_ok=True)
    trained_on = ckpt.training.get("data", {}).get("simulator", "a")
    summary_path = args.data / "summary.json"
    tested_on = json.loads(summary_path.read_text()).get("simulator", "a") if summary_path.exists() else "?"
    roc_image(scores, labels, args.out / "roc.png", f"ROC, {args.split} split, AUC {at_dev.auc:.4f}")
    reliability_diagram(scores, labels, args.out / "reliability.png",
                        f"Reliability, {args.split} split (simulator {tested_on}), T = {ckpt.temperature}")
    result = {
        "split": args.split,
        "family": args.family,
        "simulator": {"trainedOn": trained_on, "testedOn": tested_on,
                      "protocol": "same simulator" if trained_on == tested_on else "cross-simulator"},
        "calibration": {"temperature": ckpt.temperature, "ece": round(at_dev.ece, 6),
                        "uncertainBand": (ckpt.calibration or {}).get("uncertainBand"),
                        "inUncertainBand": _band_share(scores, (ckpt.calibration or {}).get("uncertainBand")),
                        "bins": reliability_bins(scores, labels)},
        "samples": {"live": int(labels.sum()), "attack": int((1 - labels).sum())},
        "atDevThreshold": at_dev.as_dict(),
        "atTestEerThreshold (benchmark convention, optimistic)": at_test_eer.as_dict(),
        "interpretability": {
            "rationales": len(generated),
            "consistency": round(consistent / max(1, len(generated)), 4),
            "attacksJudgedSpoof": len(spoof_hits),
            "correctMediumOnSpoofs": round(correct_medium / max(1, len(spoof_hits)), 4),
            "examples": [{"family": r.family, "judgment": j, "rationale": t}
                         for r, (j, t) in list(zip(explained, generated))[:: max(1, len(generated) // 8)][:8]],
        },
    }
    (args.out / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    with (args.out / "scores.jsonl").open("w") as handle:
        for record, score in zip(records, scores):
            handle.write(json.dumps({"id": record.sample_id, "family": record.family, "score": float(score)}) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "interpretability"} | {
        "interpretability": {k: v for k, v in result["interpretability"].items() if k != "examples"}}, indent=2))


if __name__ == "__main__":
    main()
