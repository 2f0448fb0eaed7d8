"""Runs the I-FAS ablations with several seeds on a shorter schedule and writes a mean ± sd table.

  PYTHONPATH=training training/.venv/bin/python -m ifas.ablations --data training/runs/data/sim-a \
      --data-b training/runs/data/sim-b --out training/runs/ablations --steps 600 --seeds 0 1 2

Variants (each trained from scratch on simulator A, evaluated on A's held-out test identities at the dev
threshold and, with `--data-b`, on simulator B's test split — the cross-simulator column):
  I-FAS                pretrained EfficientNet-Lite0 encoder, GAC, L-LM (α 0.7), spoof-aware captions
  scratch encoder      the from-scratch ViT of the `mini` preset (96², no pretrained weights) instead
  MLP connector        the LLaVA-style projector instead of GAC
  plain LM loss        one token mean over the whole answer instead of L-LM
  α 0.5 / α 0.9        the α sweep around the paper's 0.7
  judgment only        answers are just "Yes." / "No." (no SCF)
  generic captions     the general captioner's unfiltered captions T_F instead of T_S
`--lofo` adds leave-one-attack-family-out with the I-FAS settings (ifas.protocol runs it at full length).
Runs already finished are reused, so the command can be resumed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import evaluate, train
from .protocol import mean_sd

VARIANTS: dict[str, list[str]] = {
    "I-FAS (Lite0 pretrained, GAC, L-LM α=0.7, spoof-aware captions)": [],
    "scratch ViT encoder (mini preset, 96²) instead of pretrained Lite0": ["--preset", "mini"],
    "MLP connector instead of GAC": ["--connector", "mlp"],
    "plain LM loss instead of L-LM": ["--plain-lm"],
    "L-LM α=0.5": ["--alpha", "0.5"],
    "L-LM α=0.9": ["--alpha", "0.9"],
    "judgment only (no captions)": ["--captions", "judgment_only"],
    "generic captions T_F instead of T_S": ["--captions", "generic"],
}
FAMILIES = ("print", "replay", "mask")
RATIONALES = 150  # generated rationales per own-test evaluation, evenly spaced over the split


def run(data: Path, data_b: Path | None, out: Path, extra: list[str], steps: int, seed: int, family: str | None,
        threads: int, report_only: bool = False) -> dict | None:
    """The run's own-test report, with the cross-simulator report under "crossSimulator" when there is one."""
    report, cross = out / "eval" / "report.json", out / "eval-b" / "report.json"
    if not report_only:
        if not (out / "final.pt").exists():
            train.main(["--data", str(data), "--out", str(out), "--preset", "lite0", "--batch", "16",
                        "--steps", str(steps), "--seed", str(seed), "--threads", str(threads),
                        "--eval-every", str(steps), "--save-every", str(steps), "--quiet", *extra,
                        *(["--exclude-family", family] if family else [])])
        if not report.exists():
            evaluate.main(["--checkpoint", str(out / "final.pt"), "--data", str(data), "--split", "test",
                           "--rationales", str(RATIONALES), "--out", str(out / "eval"),
                           *(["--family", family] if family else [])])
        if data_b is not None and family is None and not cross.exists():
            evaluate.main(["--checkpoint", str(out / "final.pt"), "--data", str(data_b), "--split", "test",
                           "--rationales", "0", "--out", str(out / "eval-b")])
    if not report.exists():
        return None
    result = json.loads(report.read_text())
    if cross.exists():
        result["crossSimulator"] = json.loads(cross.read_text())["atDevThreshold"]
    return result


def table_row(name: str, reports: list[dict]) -> str:
    if not reports:
        return f"| {name} | not run | | | | | |"
    at_dev = [r["atDevThreshold"] for r in reports]
    cross = [r["crossSimulator"]["auc"] for r in reports if "crossSimulator" in r]
    return (f"| {name} ({len(reports)} seeds) | {mean_sd([d['auc'] for d in at_dev])} | "
            f"{mean_sd([d['hter'] for d in at_dev])} | {mean_sd([d['eer'] for d in at_dev])} | "
            f"{mean_sd(cross) if cross else '–'} | "
            f"{mean_sd([r['interpretability']['consistency'] for r in reports])} | "
            f"{mean_sd([r['interpretability']['correctMediumOnSpoofs'] for r in reports])} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--data-b", type=Path, help="the other simulator's set: adds the A → B AUC column")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lofo", action="store_true", help="also leave-one-attack-family-out")
    parser.add_argument("--report-only", action="store_true", help="tabulate the runs that exist, train nothing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    # (row label, run folder prefix, extra train arguments, held-out family) for every table row
    experiments = [(name, f"v{i}", extra, None) for i, (name, extra) in enumerate(VARIANTS.items())]
    if args.lofo:
        experiments += [(f"unseen {family}", f"lofo-{family}", [], family) for family in FAMILIES]
    rows = ["| variant | test AUC % | test HTER % (dev threshold) | test EER % | A → B AUC % | "
            "consistency % | rationale names the right medium % |", "|---|---|---|---|---|---|---|"]
    results = {}
    for name, prefix, extra, family in experiments:
        if family == FAMILIES[0]:
            rows += ["", "| leave-one-attack-family-out (I-FAS settings) | test AUC % | test HTER % (dev threshold) | "
                     "test EER % | – | consistency % | right medium % |", "|---|---|---|---|---|---|---|"]
        reports = [r for seed in args.seeds
                   if (r := run(args.data, args.data_b, args.out / f"{prefix}-s{seed}", extra, args.steps, seed,
                                family, args.threads, args.report_only)) is not None]
        results[name] = reports
        rows.append(table_row(name, reports))
    table = "\n".join(rows)
    header = (f"Seeds {', '.join(map(str, args.seeds))}, {args.steps} steps each, mean ± sd over the seeds that ran "
              f"(the row says how many); trained on simulator A, {RATIONALES} rationales per evaluation\n\n")
    (args.out / "ablations.md").write_text(header + table + "\n")
    (args.out / "ablations.json").write_text(json.dumps(results, indent=1) + "\n")
    print(header + table)


if __name__ == "__main__":
    main()
