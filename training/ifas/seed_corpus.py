"""A small hand-written caption corpus for tokenizers of untrained packages.

Trained packages build their tokenizer from the SCF caption set instead. These sentences only make the
vocabulary cover the kind of text a rationale contains (faces, capture conditions, attack media).
"""

from __future__ import annotations

SUBJECTS = ["a man", "a woman", "a person", "an older man", "a young woman", "a smiling person"]
LIVE_SCENES = [
    "{s} looks straight at the camera in an indoor room with soft light.",
    "{s} with short hair stands outdoors; the skin shows natural texture and depth.",
    "{s} is photographed in daylight; shadows fall naturally across the face.",
    "{s} wears glasses and a dark jacket in front of a plain wall.",
]
SPOOF_SCENES = [
    "The face of {s} is printed on paper; the edge of the sheet and a halftone pattern are visible.",
    "The face of {s} is shown on a phone screen; moire and a bezel are visible.",
    "{s} appears on a tablet display with glare and a visible pixel grid.",
    "The photo of {s} is a glossy print held in front of the camera, slightly bent.",
    "{s} is a paper mask with cut-out eyes; the paper texture is flat.",
    "{s} is shown on a laptop monitor; the colours are shifted and the screen reflects light.",
    "A mannequin head with a painted face stands in front of the camera.",
]


def seed_corpus() -> list[str]:
    corpus = []
    for subject in SUBJECTS:
        corpus += [f"Yes. {line.format(s=subject)}" for line in LIVE_SCENES]
        corpus += [f"No. {line.format(s=subject)}" for line in SPOOF_SCENES]
    return corpus
