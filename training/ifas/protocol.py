"""The reference model's evaluation protocol over several seeds, tabulated as mean ± sd.

  PYTHONPATH=training training/.venv/bin/python -m ifas.protocol --data-a training/runs/data/sim-a \
      --data-b training/runs/data/sim-b --out training/runs/protocol --steps 1200 --seeds 0 1 2

Per seed (each run trained from scratch with the default recipe, `ifas.train --preset lite0`):
  A → A   train on simulator A, test on A's held-out identities at the threshold fixed on A's dev split
  A → B   the same model on simulator B's test split (cross-simulator)
  B → A   the twin trained on simulator B, tested on A's test split (cross-simulator, other direction)
  unseen print / replay / mask   leave-one-attack-family-out on A: train without the family (its dev
          samples do not choose the threshold either), test on live + that family
Runs and reports already on disk are reused, so the command resumes; `--report-only` tabulates what exists.
Writes protocol.md (the table) and protocol.json (every report) under `--out`.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from . import evaluate, train

FAMILIES = ("print", "replay", "mask")


def trained(data: Path, out: Path, preset: str, steps: int, batch: int, seed: int, threads: int,
            extra: list[str]) -> Path:
    if not (out / "final.pt").exists():
        train.main(["--data", str(data), "--out", str(out), "--preset", preset, "--steps", str(steps),
                    "--batch", str(batch), "--seed", str(seed), "--threads", str(threads),
                    "--eval-every", str(steps), "--save-every", str(steps), "--quiet", *extra])
    return out / "final.pt"


def evaluated(checkpoint: Path, data: Path, out: Path, rationales: int, family: str | None = None) -> dict:
    report = out / "report.json"
    if not report.exists():
        evaluate.main(["--checkpoint", str(checkpoint), "--data", str(data), "--split", "test",
                       "--rationales", str(rationales), "--out", str(out),
                       *(["--family", family] if family else [])])
    return json.loads(report.read_text())


def stored(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def mean_sd(values: list[float], scale: float = 100, digits: int = 2) -> str:
    mean = statistics.mean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{scale * mean:.{digits}f} ± {scale * sd:.{digits}f}"


def row(name: str, reports: list[dict]) -> str:
    if not reports:
        return f"| {name} | not run | | | | | | |"
    d = [r["atDevThreshold"] for r in reports]
    interp = [r["interpretability"] for r in reports]
    return (f"| {name} | {len(reports)} | {mean_sd([x['auc'] for x in d])} | {mean_sd([x['hter'] for x in d])} | "
            f"{mean_sd([x['eer'] for x in d])} | {mean_sd([x['ece'] for x in d], 1, 4)} | "
            f"{mean_sd([i['consistency'] for i in interp])} | {mean_sd([i['correctMediumOnSpoofs'] for i in interp])} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-a", type=Path, required=True)
    parser.add_argument("--data-b", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--preset", default="lite0", help="model preset (tests use lite0-tiny)")
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rationales", type=int, default=300, help="generated rationales per evaluation")
    parser.add_argument("--skip-lofo", action="store_true", help="main protocol only")
    parser.add_argument("--report-only", action="store_true", help="tabulate the reports that exist, run nothing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    results: dict[str, list[dict]] = {"A → A": [], "A → B": [], "B → A": []}
    results |= {f"unseen {family} (A, leave-one-family-out)": [] for family in FAMILIES}
    for seed in args.seeds:
        run = lambda name: args.out / f"{name}-s{seed}"  # noqa: E731
        if args.report_only:
            found = [("A → A", run("a") / "eval"), ("A → B", run("a") / "eval-b"), ("B → A", run("b") / "eval-a")]
            found += [(f"unseen {f} (A, leave-one-family-out)", run(f"lofo-{f}") / "eval") for f in FAMILIES]
            for name, folder in found:
                if (report := stored(folder / "report.json")) is not None:
                    results[name].append(report)
            continue
        a = trained(args.data_a, run("a"), args.preset, args.steps, args.batch, seed, args.threads, [])
        results["A → A"].append(evaluated(a, args.data_a, run("a") / "eval", args.rationales))
        results["A → B"].append(evaluated(a, args.data_b, run("a") / "eval-b", args.rationales))
        b = trained(args.data_b, run("b"), args.preset, args.steps, args.batch, seed, args.threads, [])
        results["B → A"].append(evaluated(b, args.data_a, run("b") / "eval-a", args.rationales))
        if args.skip_lofo:
            continue
        for family in FAMILIES:
            lofo = trained(args.data_a, run(f"lofo-{family}"), args.preset, args.steps, args.batch, seed, args.threads,
                           ["--exclude-family", family])
            results[f"unseen {family} (A, leave-one-family-out)"].append(
                evaluated(lofo, args.data_a, run(f"lofo-{family}") / "eval", args.rationales, family))

    header = ("| protocol | seeds | test AUC % | HTER % (dev threshold) | EER % | ECE | rationale/judgment "
              "consistency % | right medium % |")
    lines = [f"Seeds {', '.join(map(str, args.seeds))}; {args.steps} steps each; mean ± sd over seeds "
             "(sd 0 with one seed). Thresholds and calibration are fixed on the training simulator's dev split.", "",
             header, "|---|---|---|---|---|---|---|---|"]
    lines += [row(name, reports) for name, reports in results.items()]
    (args.out / "protocol.md").write_text("\n".join(lines) + "\n")
    (args.out / "protocol.json").write_text(json.dumps(results, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
