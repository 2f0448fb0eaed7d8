"""An offline captioner that writes varied natural sentences from what is visible in a sample.

It stands in for the general captioner C_G of SCF (no vision-language model can be downloaded here).
What it "sees" is what the sample records: capture conditions for every image, and for attacks the
cues the simulation drew (halftone period, bezel, glare…). As a general captioner it mostly describes
the scene and mentions cues vaguely; only sometimes does it name the medium, and sometimes the wrong
one — which is the noise SCF's keyword filter exists to remove.

`fine_tune(kept)` builds the spoof-aware captioner C_S from the filtered set D_S: it learns, per attack
type, the medium-naming sentences of the kept captions and always uses one of them, plus precise cue
descriptions. Nothing is learned for a type whose captions were all dropped.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass

from .captioner import Sample

SUBJECTS = ["A person", "Someone", "An adult", "A person with glasses", "A face"]
POSES = ["looks at the camera", "faces the viewer", "is shown head and shoulders", "fills most of the frame",
         "appears in a close-up"]
LIGHT = {"dim": ["in dim light", "in a dark room", "with low light"],
         "even": ["under even light", "in soft indoor light", "in natural light"],
         "bright": ["in bright light", "with strong lighting", "in a brightly lit room"]}
QUALITY = {"noisy": ["The picture is grainy.", "There is visible noise in the image."],
           "compressed": ["Compression blocks are visible.", "The photo looks heavily compressed."],
           "clean": ["The image is sharp.", "The details are clear.", ""]}

# Cue → (vague phrases a general captioner uses, phrases that name the medium).
CUES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "print": {
        "halftone": (["A fine dot pattern covers the skin.", "The skin looks speckled."],
                     ["The face is printed on paper; halftone dots are visible.", "It is a printed photo with a dot pattern."]),
        "gloss": (["A bright reflection sits on the image.", "There is a shiny patch."],
                  ["The glossy paper of the print reflects light."]),
        "visible_edge": (["A straight border crosses the frame.", "Part of the background shows at one side."],
                         ["The edge of the paper sheet is visible.", "The border of the printed photo is visible."]),
        "colour": (["The colours look washed out.", "The colours are faded."],
                   ["The faded colours suggest a paper print.", "It looks like a photo of a photo."]),
    },
    "replay": {
        "grid": (["Fine stripes run across the image.", "A regular pattern overlays the face."],
                 ["A pixel grid shows the face is on a screen.", "The face is displayed on a monitor; its pixel grid is visible."]),
        "moire": (["Wavy bands cross the face.", "There are rippling colour bands."],
                  ["Moire bands show it is a recaptured screen.", "The face is shown on a phone screen with moire."]),
        "bezel": (["A dark frame runs along one side.", "A black bar borders the picture."],
                  ["The bezel of a tablet frames the face.", "The dark bezel of a phone is visible."]),
        "glare": (["A bright streak crosses the image.", "There is a reflection on the picture."],
                  ["Glare from a glossy screen covers part of the face."]),
    },
    "mask": {
        "outline": (["A dark line circles the face.", "The face has a sharp outline."],
                    ["The person wears a paper mask with a cut edge.", "A mask covers the face; its edge is visible."]),
        "eye_holes": (["The eyes look different from the rest of the face.", "The skin around the eyes does not match."],
                      ["The eyes show through holes cut in a mask.", "Real eyes look out of a cut-out paper face."]),
    },
}
# A general captioner sometimes names the wrong medium.
CONFUSIONS = {"print": "replay", "replay": "print", "mask": "print"}
GENERAL_NAMES_MEDIUM = 0.3
GENERAL_CONFUSES = 0.1
GENERAL_MENTIONS_CUE = 0.5


def _light(params: dict) -> str:
    exposure = float(params.get("exposure", 1.0))
    return "dim" if exposure < 0.9 else "bright" if exposure > 1.1 else "even"


def _quality(params: dict) -> str:
    if float(params.get("sensor_noise", 0)) > 4:
        return "noisy"
    if int(params.get("jpeg_quality", 95)) < 70:
        return "compressed"
    return "clean"


def visible_cues(sample: Sample) -> list[str]:
    """The cues of the sample's attack that its recorded parameters say are visible."""
    p = sample.params
    if sample.family == "print":
        cues = ["halftone", "colour"]
        cues += ["gloss"] if p.get("gloss") else []
        cues += ["visible_edge"] if p.get("visible_edge") else []
        return cues
    if sample.family == "replay":
        cues = ["grid", "moire"]
        cues += ["bezel"] if p.get("bezel") else []
        cues += ["glare"] if p.get("glare") else []
        return cues
    if sample.family == "mask":
        return ["outline", "eye_holes"]
    return []


def _scene(sample: Sample, rng: random.Random) -> str:
    quality = rng.choice(QUALITY[_quality(sample.params)])
    scene = f"{rng.choice(SUBJECTS)} {rng.choice(POSES)} {rng.choice(LIGHT[_light(sample.params)])}."
    return f"{scene} {quality}".strip()


@dataclass
class OfflineGeneralCaptioner:
    """C_G: describes the scene; mentions cues vaguely; names the medium only sometimes, not always rightly."""

    seed: int = 0
    name: str = "offline-general"

    def caption(self, sample: Sample) -> str:
        rng = random.Random(f"{self.seed}:{sample.sample_id}")
        parts = [_scene(sample, rng)]
        if sample.family in CUES:
            for cue in visible_cues(sample):
                if rng.random() > GENERAL_MENTIONS_CUE:
                    continue
                vague, naming = CUES[sample.family][cue]
                roll = rng.random()
                if roll < GENERAL_CONFUSES:
                    wrong = CONFUSIONS[sample.family]
                    parts.append(rng.choice(next(iter(CUES[wrong].values()))[1]))
                elif roll < GENERAL_CONFUSES + GENERAL_NAMES_MEDIUM:
                    parts.append(rng.choice(naming))
                else:
                    parts.append(rng.choice(vague))
        return " ".join(parts)

    def fine_tune(self, kept: list[tuple[Sample, str]]) -> "OfflineSpoofAwareCaptioner":
        """Learns C_S from D_S: per attack type, the kept sentences that name that type's medium."""
        from .keywords import media_named

        learned: dict[str, list[str]] = defaultdict(list)
        for sample, caption in kept:
            for sentence in re.split(r"(?<=[.!?])\s+", caption):
                if sample.family in media_named(sentence) and sentence not in learned[sample.family]:
                    learned[sample.family].append(sentence)
        return OfflineSpoofAwareCaptioner(seed=self.seed, medium_sentences=dict(learned))


@dataclass
class OfflineSpoofAwareCaptioner:
    """C_S: leads with a learned medium-naming sentence, then describes the cues it sees precisely."""

    seed: int
    medium_sentences: dict[str, list[str]]
    name: str = "offline-spoof-aware"

    def caption(self, sample: Sample) -> str:
        rng = random.Random(f"cs:{self.seed}:{sample.sample_id}")
        learned = self.medium_sentences.get(sample.family, [])
        if not learned:
            return _scene(sample, rng)  # nothing was learned for this type: fall back to the scene
        parts = [rng.choice(learned)]
        cues = visible_cues(sample)
        rng.shuffle(cues)
        for cue in cues[: rng.randint(1, 2)]:
            vague, _ = CUES[sample.family][cue]
            parts.append(rng.choice(vague))
        return " ".join(dict.fromkeys(parts))
