"""SCF's keyword dictionary K: keyword → attack medium, organised by type.

The dictionary lives in src/inference/attack-keywords.json, the same file the TypeScript runtime uses
to name the attack medium of a rationale, so a caption the filter keeps names its medium exactly as the
runtime will read it. Matching: whole words or phrases, case-insensitive, plurals accepted; the medium
named first wins, and at the same position the longer phrase ("paper mask" is a mask, not a print).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

KEYWORDS_FILE = Path(__file__).resolve().parents[3] / "src" / "inference" / "attack-keywords.json"


@lru_cache(maxsize=1)
def keyword_dictionary() -> dict[str, list[str]]:
    return json.loads(KEYWORDS_FILE.read_text())


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (medium, re.compile(rf"(?<![^\W_]){re.escape(keyword)}(?:e?s)?(?![^\W_])", re.IGNORECASE))
        for medium, keywords in keyword_dictionary().items()
        for keyword in keywords
    ]


def media_named(text: str) -> set[str]:
    """Every medium some keyword of K names in `text`."""
    return {medium for medium, pattern in _patterns() if pattern.search(text)}


def medium_named(text: str | None) -> str | None:
    """The medium named first (the runtime's `attackMediumOf`)."""
    if not text:
        return None
    best: tuple[int, int, str] | None = None  # (position, −length, medium)
    for medium, pattern in _patterns():
        match = pattern.search(text)
        if match:
            candidate = (match.start(), -(match.end() - match.start()), medium)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None
