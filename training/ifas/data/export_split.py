"""Writes one split of a built dataset as an evaluation folder the TypeScript `ifas eval` reads:
PNG face crops (lossless, so both languages see the same pixels), labels.jsonl
({"file", "label": "live"|"attack", "type"}) and meta.json (the simulator and split it came from).

  PYTHONPATH=training training/.venv/bin/python -m ifas.data.export_split --data training/runs/data/full \
      --split test --out training/runs/eval-test
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from .dataset import load_records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--family", help="only live + this attack family")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pixels = np.load(args.data / "pixels.npy", mmap_mode="r")
    records = [r for r in load_records(args.data) if r.split == args.split
               and (args.family is None or r.family in ("live", args.family))]
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "labels.jsonl").open("w") as handle:
        for n, record in enumerate(records):
            name = f"{n:05d}-{record.family}.png"
            Image.fromarray(np.asarray(pixels[record.index])).save(args.out / name)
            handle.write(json.dumps({"file": name, "label": "live" if record.family == "live" else "attack",
                                     "type": record.family, "id": record.sample_id}) + "\n")
    summary_path = args.data / "summary.json"
    simulator = json.loads(summary_path.read_text()).get("simulator", "a") if summary_path.exists() else None
    (args.out / "meta.json").write_text(json.dumps({"simulator": simulator, "split": args.split,
                                                    "family": args.family}) + "\n")
    print(f"wrote {len(records)} samples to {args.out}")


if __name__ == "__main__":
    main()
