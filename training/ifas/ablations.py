"""Runs the I-FAS ablations with several seeds on a shorter schedule and writes a mean ± sd table.

  PYTHONPATH=training training/.venv/bin/python -m ifas.ablations --data training/runs/data/full \
      --out training/runs/ablations --steps 400 --seeds 0 1 2

Variants (each trained from scratch, evaluated on the held-out test identities at the dev threshold):
  I-FAS                GAC + L-LM (α 0.7) + spoof-aware captions
  MLP connector        the LLaVA-style projector instead of GAC
  plain LM loss        one token mean over the whole answer instead of L-LM
  α 0.5 / α 0.9        the α sweep around the paper's 0.7
  judgment only        answers are just "Yes." / "No." (no SCF)
  generic captions     the general captioner's unfiltered captions T_F instead of T_S
and, as the cross-domain analogue, leave-one-attack-family-out with the I-FAS settings (train without a
family, test on live + that family). Runs already finished are reused, so the command can be resumed.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from . import evaluate, train

VARIANTS: dict[str, list[str]] = {
    "I-FAS (GAC, L-LM α=0.7, spoof-aware captions)": [],
    "MLP connector instead of GAC": ["--connector", "mlp"],
    "plain LM loss instead of L-LM": ["--plain-lm"],
    "L-LM α=0.5": ["--alpha", "0.5"],
    "L-LM α=0.9": ["--alpha", "0.9"],
    "judgment only (no captions)": ["--captions", "judgment_only"],
    "generic captions T_F instead of T_S": ["--captions", "generic"],
}
FAMILIES = ("print", "replay", "mask")


def run(data: Path, out: Path, extra: list[str], steps: int, seed: int, family: str | None, threads: int,
        report_only: bool = False) -> dict | None:
    report = out / "eval" / "report.json"
    if report_only:
        return json.loads(report.read_text()) if report.exists() else None
    if not report.exists():
        train.main(["--data", str(data), "--out", str(out), "--steps", str(steps), "--seed", str(seed),
                    "--threads", str(threads),
                    "--eval-every", str(steps), "--save-every", str(steps), "--quiet", *extra,
                    *(["--exclude-family", family] if family else [])])
        evaluate.main(["--checkpoint", str(out / "final.pt"), "--data", str(data), "--split", "test",
                       "--rationales", "60", "--out", str(out / "eval"), *(["--family", family] if family else [])])
    return json.loads(report.read_text())


def mean_sd(values: list[float]) -> str:
    mean = statistics.mean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * mean:.2f} ± {100 * sd:.2f}"


def table_row(name: str, reports: list[dict]) -> str:
    if not reports:
        return f"| {name} | not run | | | |"
    at_dev = [r["atDevThreshold"] for r in reports]
    return (f"| {name} ({len(reports)} seeds) | {mean_sd([d['auc'] for d in at_dev])} | "
            f"{mean_sd([d['hter'] for d in at_dev])} | {mean_sd([d['eer'] for d in at_dev])} | "
            f"{mean_sd([r['interpretability']['correctMediumOnSpoofs'] for r in reports])} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="tabulate the runs that exist, train nothing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    # (row label, run folder prefix, extra train arguments, held-out family) for every table row
    experiments = [(name, f"v{i}", extra, None) for i, (name, extra) in enumerate(VARIANTS.items())]
    experiments += [(f"unseen {family}", f"lofo-{family}", [], family) for family in FAMILIES]
    rows = ["| variant | test AUC % | test HTER % (dev threshold) | test EER % | rationale names the right medium % |",
            "|---|---|---|---|---|"]
    results = {}
    for name, prefix, extra, family in experiments:
        if family == FAMILIES[0]:
            rows += ["", "| leave-one-attack-family-out (I-FAS settings) | test AUC % | test HTER % (dev threshold) | "
                     "test EER % | right medium % |", "|---|---|---|---|---|"]
        reports = [r for seed in args.seeds
                   if (r := run(args.data, args.out / f"{prefix}-s{seed}", extra, args.steps, seed, family,
                                args.threads, args.report_only)) is not None]
        results[name] = reports
        rows.append(table_row(name, reports))
    table = "\n".join(rows)
    header = f"{len(args.seeds)} seeds ({', '.join(map(str, args.seeds))}), {args.steps} steps each, mean ± sd\n\n"
    (args.out / "ablations.md").write_text(header + table + "\n")
    (args.out / "ablations.json").write_text(json.dumps(results, indent=1) + "\n")
    print(header + table)


if __name__ == "__main__":
    main()
