"""The VQA prompt and answer format, shared by training, export and (through the manifest) the runtime.

Sequence layout (one sample):
  <s> [visual tokens × Nv] Question: Is this photo of a real person? Answer: ␣Yes. <rationale></s>
  └ prefix ┘└── image ───┘└──────────────── suffix ─────────────────┘└──────── answer ────────┘

The judgment word is the first answer token (" Yes" = live, " No" = spoof); liveness is
P(Yes)/(P(Yes)+P(No)) at the last suffix position. Separator "Yes. " is [INFERRED]; see
docs/method.md §1.1.
"""

from __future__ import annotations

QUESTION = "Is this photo of a real person?"
IMAGE_PLACEHOLDER = "<image>"
BOS, EOS, PAD = "<s>", "</s>", "<pad>"
SPECIAL_TOKENS = [PAD, BOS, EOS, IMAGE_PLACEHOLDER]

PREFIX_TEXT = BOS
SUFFIX_TEXT = f"Question: {QUESTION} Answer:"
TEMPLATE = f"{PREFIX_TEXT}{IMAGE_PLACEHOLDER}{SUFFIX_TEXT}"

LIVE_WORD = " Yes"
SPOOF_WORD = " No"


def answer_text(is_live: bool, rationale: str | None) -> str:
    """' Yes. <rationale>' / ' No. <rationale>'; judgment only when there is no rationale."""
    word = LIVE_WORD if is_live else SPOOF_WORD
    return f"{word}." if not rationale else f"{word}. {rationale.strip()}"
