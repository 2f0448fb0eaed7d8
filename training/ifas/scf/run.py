"""Command line: caption a built dataset with SCF and write captions.jsonl beside it.

  PYTHONPATH=training training/.venv/bin/python -m ifas.scf.run --data training/runs/data/full
  ... --captioner openai --url http://127.0.0.1:8000/v1 --model some-vlm   (optional external captioner)

SCF runs on the training split only (the captioner must not see dev/test identities). Each row holds
the spoof-aware caption (T_R for live, T_S for attacks) and the general captioner's (T_R / T_F), so the
caption-type ablation can train on either. The filter's kept/dropped statistics are printed and saved.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..data.dataset import load_records
from .algorithm import run_scf
from .captioner import Sample
from .offline_captioner import OfflineGeneralCaptioner
from .openai_captioner import OpenAICompatibleCaptioner


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--captioner", choices=["offline", "openai"], default="offline")
    parser.add_argument("--url", help="OpenAI-compatible base URL (with --captioner openai)")
    parser.add_argument("--model", default="vision-model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    records = [r for r in load_records(args.data) if r.split == "train"]
    pixels = np.load(args.data / "pixels.npy", mmap_mode="r") if args.captioner == "openai" else None
    samples = [Sample(r.sample_id, r.identity, r.family, r.params,
                      None if pixels is None else np.asarray(pixels[r.index])) for r in records]
    general = (OfflineGeneralCaptioner(seed=args.seed) if args.captioner == "offline"
               else OpenAICompatibleCaptioner(args.url, args.model))
    result = run_scf(samples, general)
    with (args.data / "captions.jsonl").open("w") as handle:
        for sample in samples:
            handle.write(json.dumps({"id": sample.sample_id, "spoof_aware": result.captions[sample.sample_id],
                                     "generic": result.general_captions[sample.sample_id]}) + "\n")
    report = result.report()
    (args.data / "scf_report.txt").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
