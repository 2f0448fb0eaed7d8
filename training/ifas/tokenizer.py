"""Byte-level BPE tokenizer trained with Hugging Face `tokenizers` on a caption corpus.

The judgment words " Yes" and " No" must each be a single token at answer position 0; `train_tokenizer`
refuses to return a tokenizer where they are not. The saved tokenizer.json is what the TypeScript
runtime and @huggingface/transformers load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from .prompt import EOS, LIVE_WORD, SPECIAL_TOKENS, SPOOF_WORD, SUFFIX_TEXT


def train_tokenizer(corpus: Iterable[str], vocab_size: int) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # The prompt and both judgment words are always in the corpus so they tokenise compactly.
    anchors = ([SUFFIX_TEXT] + [f"{word}." for word in (LIVE_WORD, SPOOF_WORD)]) * 50
    tokenizer.train_from_iterator([*anchors, *corpus], trainer=trainer)
    for word in (LIVE_WORD, SPOOF_WORD):
        single_token_id(tokenizer, word)
    return tokenizer


def single_token_id(tokenizer: Tokenizer, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    if len(ids) != 1:
        raise ValueError(f"{text!r} must be one token, got {len(ids)}: {ids}")
    return ids[0]


def encode(tokenizer: Tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text, add_special_tokens=False).ids


def special_id(tokenizer: Tokenizer, token: str) -> int:
    token_id = tokenizer.token_to_id(token)
    if token_id is None:
        raise ValueError(f"special token {token!r} missing from the tokenizer")
    return token_id


def eos_id(tokenizer: Tokenizer) -> int:
    return special_id(tokenizer, EOS)


def load_tokenizer(path: Path) -> Tokenizer:
    return Tokenizer.from_file(str(path))
