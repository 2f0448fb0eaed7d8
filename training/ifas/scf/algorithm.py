"""Spoof-aware Captioning and Filtering (SCF), Algorithm 1 of I-FAS (docs/method.md §3).

  1. T_F = C_G(I_F)                       caption every fake with the general captioner
  2. D_S = {(I_F, Y_F, T_F) : ∃k ∈ K, k in T_F and K[k] = Y_F}
                                          keep captions that name the sample's own medium
                                          (no keyword, or only a wrong one → dropped; kept once)
  3. C_S = fine-tune(C_G, D_S)
  4. T_R = C_G(I_R) for live images, T_S = C_S(I_F) for fakes
Run it on training identities only (the captioner must not see evaluation data).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .captioner import FineTunableCaptioner, Sample
from .keywords import media_named


@dataclass
class ScfResult:
    captions: dict[str, str]  # sample_id → T_R or T_S
    general_captions: dict[str, str]  # sample_id → T_F (fakes) or T_R (live): the "generic captions" ablation
    kept: Counter = field(default_factory=Counter)  # per attack type: captions in D_S
    dropped: Counter = field(default_factory=Counter)
    wrong_medium: Counter = field(default_factory=Counter)  # dropped because only another medium was named

    def report(self) -> str:
        lines = ["SCF filter (general captions of fakes that name their own medium):"]
        for family in sorted(set(self.kept) | set(self.dropped)):
            total = self.kept[family] + self.dropped[family]
            lines.append(f"  {family:8s} kept {self.kept[family]:5d} / {total:5d} "
                         f"({100 * self.kept[family] / max(1, total):5.1f} %), dropped {self.dropped[family]} "
                         f"(of which naming a wrong medium: {self.wrong_medium[family]})")
        return "\n".join(lines)


def keep_caption(family: str, caption: str) -> bool:
    """The SCF filter: does the caption name the sample's own medium?"""
    return family in media_named(caption)


def run_scf(samples: list[Sample], general: FineTunableCaptioner) -> ScfResult:
    fakes = [s for s in samples if not s.is_live]
    live = [s for s in samples if s.is_live]
    result = ScfResult(captions={}, general_captions={})

    kept: list[tuple[Sample, str]] = []
    for sample in fakes:  # 1–2
        caption = general.caption(sample)
        result.general_captions[sample.sample_id] = caption
        if keep_caption(sample.family, caption):
            kept.append((sample, caption))
            result.kept[sample.family] += 1
        else:
            result.dropped[sample.family] += 1
            if media_named(caption):
                result.wrong_medium[sample.family] += 1

    spoof_aware = general.fine_tune(kept)  # 3
    for sample in live:  # 4
        caption = general.caption(sample)
        result.captions[sample.sample_id] = caption
        result.general_captions[sample.sample_id] = caption
    for sample in fakes:
        result.captions[sample.sample_id] = spoof_aware.caption(sample)
    return result
