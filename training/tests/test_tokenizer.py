"""The trained tokenizer keeps the judgment words single tokens and round-trips text."""

from __future__ import annotations

import pytest

from ifas.prompt import LIVE_WORD, SPOOF_WORD, answer_text
from ifas.seed_corpus import seed_corpus
from ifas.tokenizer import encode, single_token_id, train_tokenizer


def test_yes_and_no_are_single_distinct_tokens() -> None:
    tokenizer = train_tokenizer(seed_corpus(), vocab_size=600)
    assert single_token_id(tokenizer, LIVE_WORD) != single_token_id(tokenizer, SPOOF_WORD)


def test_answer_starts_with_the_judgment_token() -> None:
    tokenizer = train_tokenizer(seed_corpus(), vocab_size=600)
    ids = encode(tokenizer, answer_text(False, "The face is shown on a phone screen."))
    assert ids[0] == single_token_id(tokenizer, SPOOF_WORD)
    assert tokenizer.decode(ids) == " No. The face is shown on a phone screen."


def test_single_token_check_rejects_multi_token_words() -> None:
    tokenizer = train_tokenizer(seed_corpus(), vocab_size=600)
    with pytest.raises(ValueError, match="must be one token"):
        single_token_id(tokenizer, " Yes. The face")
