"""Writes the measured sections of a reference model's card: data and licences, protocol, test metrics,
interpretability, ablations and limitations — from the files the pipeline produced, never by hand.

  PYTHONPATH=training training/.venv/bin/python -m ifas.model_card --data training/runs/data/sim-a \
      --run training/runs/lite0-a --protocol "A → B=training/runs/lite0-a/eval-b/report.json" \
      --protocol "B → A=training/runs/lite0-b/eval-a/report.json" --out training/runs/lite0-a/card.md

`--protocol LABEL=REPORT` adds one row per cross-simulator (or other) evaluation to the generalisation table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def protocol_rows(protocols: list[tuple[str, Path]]) -> list[str]:
    rows = ["| protocol | trained on | tested on | AUC | HTER (dev threshold) | EER | APCER | BPCER | ECE |",
            "|---|---|---|---|---|---|---|---|---|"]
    for label, path in protocols:
        r = json.loads(path.read_text())
        d, sim = r["atDevThreshold"], r.get("simulator", {})
        rows.append(f"| {label} | {sim.get('trainedOn', '?')} | {sim.get('testedOn', '?')} | {pct(d['auc'])} | "
                    f"{pct(d['hter'])} | {pct(d['eer'])} | {pct(d['apcer'])} | {pct(d['bpcer'])} | {d['ece']:.4f} |")
    return rows


def calibration_section(report: dict, run: Path) -> list[str]:
    cal = report.get("calibration")
    if not cal:
        return []
    out = ["## Calibration", "",
           f"Temperature scaling fitted on dev: T = {cal['temperature']}. On the test split the calibrated liveness "
           f"has ECE {cal['ece']:.4f} (15 equal-width bins); {pct(cal['inUncertainBand'] or 0)} of test samples fall "
           f"in the dev-set uncertain band {cal['uncertainBand']}.", ""]
    if (run / "eval" / "reliability.png").exists():
        out += ["![Reliability diagram](reliability.png)", ""]
    return out


def sections(data: Path, run: Path, ablations: Path | None, commands: str,
             protocols: list[tuple[str, Path]] | None = None, seeds_table: Path | None = None) -> str:
    summary = json.loads((data / "summary.json").read_text())
    scf = (data / "scf_report.txt").read_text().strip() if (data / "scf_report.txt").exists() else "(not run)"
    report = json.loads((run / "eval" / "report.json").read_text())
    at_dev, at_eer = report["atDevThreshold"], report["atTestEerThreshold (benchmark convention, optimistic)"]
    interp = report["interpretability"]
    out = ["## Data", "",
           f"{summary['faces']} face crops of at least {summary['identityGroups']} identity groups, split by identity "
           "(faces: " + ", ".join(f"{k} {v}" for k, v in summary["facesBySplit"].items()) + "). Each crop is expanded into bona fide captures and simulated "
           "print, replay (screen) and paper-mask attacks (training/ifas/data/attacks.py). Sources:", "",
           "| source | package | faces | licence |", "|---|---|---|---|"]
    for name, source in summary["sources"].items():
        out.append(f"| {name} | `{source['package']}` | {source['faces']} | {source['licence']} |")
    out += ["", "Photos of unknown licence were used on the build machine only; none is in this repository.",
            "", "SCF (offline captioner, keyword filter on the training split):", "", "```", scf, "```", "",
            "## Test metrics (held-out identities)", "",
            f"{report['samples']['live']} live and {report['samples']['attack']} attack samples.", "",
            "| threshold | AUC | EER | HTER | APCER | BPCER | TPR@FPR=1% |", "|---|---|---|---|---|---|---|",
            f"| {at_dev['threshold']} (fixed on dev) | {pct(at_dev['auc'])} | {pct(at_dev['eer'])} | {pct(at_dev['hter'])} | "
            f"{pct(at_dev['apcer'])} | {pct(at_dev['bpcer'])} | {pct(at_dev['tpr_at_fpr_1'])} |",
            f"| {at_eer['threshold']} (test EER, benchmark convention — optimistic) | {pct(at_eer['auc'])} | "
            f"{pct(at_eer['eer'])} | {pct(at_eer['hter'])} | {pct(at_eer['apcer'])} | {pct(at_eer['bpcer'])} | "
            f"{pct(at_eer['tpr_at_fpr_1'])} |", "",
            "APCER per attack type at the dev threshold: "
            + ", ".join(f"{k} {pct(v)}" for k, v in at_dev["apcer_by_type"].items()) + ".", "",
            "## Interpretability", "",
            f"On {interp['rationales']} generated rationales: consistency (names an attack medium exactly when "
            f"the answer is No) {pct(interp['consistency'])}; on {interp['attacksJudgedSpoof']} attacks answered No, "
            f"the rationale names the correct medium {pct(interp['correctMediumOnSpoofs'])}.", "", "Examples:", ""]
    for example in interp["examples"]:
        out.append(f"- {example['family']} → {example['judgment']}: “{example['rationale']}”")
    out += ["", "![ROC](roc.png)" if (run / "eval" / "roc.png").exists() else "", ""]
    out += calibration_section(report, run)
    if protocols:
        out += ["## Generalisation: cross-simulator protocol", "",
                "Simulator A (2-D image operations, training/ifas/data/attacks.py + camera.py) and simulator B (a "
                "ray-cast textured plane under a point light with a Bayer sensor, training/ifas/data/simulator_b/) "
                "are independent code with different techniques; both expand the same face crops and identity "
                "splits. Each row trains on one simulator's training split and tests on the named simulator's test "
                "split, at the threshold fixed on the training simulator's dev split.", ""]
        out += protocol_rows(protocols) + [""]
    if seeds_table and seeds_table.exists():
        out += ["## Over seeds: own split, cross-simulator, unseen attack families", "",
                "The same recipe retrained from scratch per seed (`python -m ifas.protocol`); this package is the "
                "seed-0 A model. Leave-one-family-out trains on simulator A without one attack family and tests on "
                "live + that family.", "", seeds_table.read_text().strip(), ""]
    if ablations and ablations.exists():
        out += ["## Ablations", "", ablations.read_text().strip(), ""]
        reading = ablations.parent / "reading.md"  # the authors' reading of the table, when written
        if reading.exists():
            out += [reading.read_text().strip(), ""]
    else:
        out += ["## Ablations", "", "Not run for this package (`python -m ifas.ablations`); docs/ablations.md says what "
                "was measured and which of the paper's claims it supports.", ""]
    out += ["## Limitations", "",
            f"- Trained on {summary['faces']} real face crops (≈{summary['identityGroups']} identity groups) with "
            "**simulated** attacks. This says nothing about real attacks: real prints, screens and masks differ "
            "from these simulations in ways no test here measures. **Do not deploy without retraining on real "
            "PAD data.**",
            "- The simulated attacks leave strong, regular cues (halftone, subpixel grid, mask outline); high test "
            "scores mainly show the model learned those cues.",
            "- Calibration (temperature, uncertain band) was fitted on simulated dev data; recalibrate on your own "
            "data before reading the liveness as a probability of a real capture.",
            "- Faces come from a few public photo sets (mostly adults, many press photos); no demographic "
            "evaluation was possible.",
            "- Rationales come from an offline template captioner refined by SCF; their vocabulary is small.",
            "- The cross-simulator and leave-one-family-out rows rest on as many seeds as their tables say; a "
            "different seed moves the threshold, the calibration and the cross-simulator HTER noticeably.",
            "- The `uncertain` band and the threshold sit at low calibrated liveness (a few %): the dev split holds "
            "twice as many attacks as live captures, and the band is where either class still errs on dev.",
            "", "## How this package was made", "", "```", commands.strip(), "```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--ablations", type=Path)
    parser.add_argument("--commands", type=Path, help="file with the commands that built the package")
    parser.add_argument("--protocol", action="append", default=[], help="LABEL=report.json (generalisation table)")
    parser.add_argument("--seeds-table", type=Path, help="protocol.md of ifas.protocol (mean ± sd over seeds)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    commands = args.commands.read_text() if args.commands else ""
    protocols = [(p.split("=", 1)[0], Path(p.split("=", 1)[1])) for p in args.protocol]
    args.out.write_text(sections(args.data, args.run, args.ablations, commands, protocols, args.seeds_table))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
