"""The fixed I-FAS question in the LLM's own chat template, and the judgment tokens as it tokenizes them.

The runtime splices visual tokens into one prompt: [prefix ids | visual tokens | suffix ids], then reads
the next-token logits of the two judgment words (docs/model-package.md). With a pretrained chat LLM
the prompt is its chat template rendered around one user turn `<image>\\n<question>` with the
generation prompt appended, cut at the placeholder:

  ChatML (Qwen2, SmolLM2):  <|im_start|>system\\n…<|im_end|>\\n<|im_start|>user\\n | <image> | \\nIs this
                            photo of a real person?<|im_end|>\\n<|im_start|>assistant\\n
  answer:                   Yes. <rationale><|im_end|>

The judgment word is whatever single token starts the assistant's answer: "Yes"/"No" after a
template's newline, " Yes"/" No" after the plain fallback prompt ("… Answer:") used when the
tokenizer has no chat template. `build_chat_prompt` refuses a tokenizer where a judgment word is more
than one token, where the two words share their token, or where the prompt/answer boundary does not
tokenize the same way alone and together (the runtime scores one token at one position). The answer
ends with the template's end-of-turn token (e.g. <|im_end|>), which becomes the package's EOS.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from transformers import PreTrainedTokenizerBase

from ..prompt import IMAGE_PLACEHOLDER, QUESTION

JUDGMENT_WORDS = ("Yes", "No")
PLAIN_SUFFIX = f"Question: {QUESTION} Answer:"


class TokenizerContractError(ValueError):
    """The tokenizer cannot honour the I-FAS prompt contract; the message says which part fails."""


@dataclass(frozen=True)
class ChatPrompt:
    template: str  # the whole prompt with IMAGE_PLACEHOLDER where the visual tokens go
    prefix_ids: list[int]
    suffix_ids: list[int]
    live_word: str
    live_id: int
    spoof_word: str
    spoof_id: int
    end_id: int  # end of the assistant turn: where a rationale stops (the package's EOS)
    chat_template: bool  # False: the plain fallback prompt

    @property
    def suffix_text(self) -> str:
        return self.template.split(IMAGE_PLACEHOLDER, 1)[1]

    def answer_ids(self, tokenizer: PreTrainedTokenizerBase, is_live: bool, rationale: str | None,
                   max_tokens: int) -> list[int]:
        """Judgment token, then '. <rationale>' as the tokenizer continues it, then the end-of-turn token."""
        word = (self.live_word if is_live else self.spoof_word).strip()
        text = f"{word}." if not rationale else f"{word}. {rationale.strip()}"
        ids = encode_after(tokenizer, self.suffix_text, text, len(self.suffix_ids))
        return ids[: max_tokens - 1] + [self.end_id]

    def to_dict(self) -> dict:
        return asdict(self)


def encode(tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def encode_after(tokenizer: PreTrainedTokenizerBase, context: str, text: str, context_len: int) -> list[int]:
    """Ids of `text` as the tokenizer splits it right after `context` (merges across the boundary refused)."""
    both = encode(tokenizer, context + text)
    if both[:context_len] != encode(tokenizer, context):
        raise TokenizerContractError(f"the tokenizer merges the prompt's end with the answer {text[:12]!r}…")
    return both[context_len:]


def render(tokenizer: PreTrainedTokenizerBase) -> tuple[str, bool]:
    """(prompt text with the placeholder, whether the chat template was used)."""
    user = f"{IMAGE_PLACEHOLDER}\n{QUESTION}"
    if tokenizer.chat_template:
        text = tokenizer.apply_chat_template([{"role": "user", "content": user}], tokenize=False,
                                             add_generation_prompt=True)
    else:
        text = f"{IMAGE_PLACEHOLDER}{PLAIN_SUFFIX}"
    if text.count(IMAGE_PLACEHOLDER) != 1:
        raise TokenizerContractError(f"the chat template must keep {IMAGE_PLACEHOLDER!r} exactly once")
    bos = tokenizer.bos_token
    adds_bos = bos is not None and tokenizer("a")["input_ids"][:1] == [tokenizer.bos_token_id]
    if adds_bos and not text.startswith(bos):
        text = bos + text  # the model was trained with BOS first; the template text leaves it to encode()
    return text, bool(tokenizer.chat_template)


def end_of_turn_id(tokenizer: PreTrainedTokenizerBase, prompt_text: str, chat: bool) -> int:
    """The token the template writes after an assistant answer, else the tokenizer's EOS."""
    if chat:
        user = f"{IMAGE_PLACEHOLDER}\n{QUESTION}"
        full = tokenizer.apply_chat_template(
            [{"role": "user", "content": user}, {"role": "assistant", "content": "Yes."}], tokenize=False)
        generation = prompt_text.removeprefix(tokenizer.bos_token or "\0")
        start = full.find(generation.split(IMAGE_PLACEHOLDER, 1)[1])
        tail = full[full.find("Yes.", start) + len("Yes."):] if start >= 0 else ""
        ids = encode(tokenizer, tail) if tail.strip() else []
        if ids and ids[0] in set(tokenizer.all_special_ids) | set(tokenizer.added_tokens_decoder):
            return ids[0]
    if tokenizer.eos_token_id is None:
        raise TokenizerContractError("the tokenizer has no EOS token and its template no end-of-turn token")
    return tokenizer.eos_token_id


def build_chat_prompt(tokenizer: PreTrainedTokenizerBase) -> ChatPrompt:
    text, chat = render(tokenizer)
    prefix_text, suffix_text = text.split(IMAGE_PLACEHOLDER, 1)
    prefix_ids, suffix_ids = encode(tokenizer, prefix_text), encode(tokenizer, suffix_text)
    if not suffix_ids:
        raise TokenizerContractError("the prompt after the image is empty")
    words = []
    for word in JUDGMENT_WORDS:
        ids = encode_after(tokenizer, suffix_text, f"{word}. a face", len(suffix_ids))
        first = ids[0]
        spelled = tokenizer.decode([first])
        if spelled.strip() != word:
            pieces = [tokenizer.decode([i]) for i in ids[:3]]
            raise TokenizerContractError(
                f"judgment word {word!r} is not one token after the prompt (starts {pieces}); I-FAS scores "
                "one token at the first answer position, so this tokenizer cannot be used")
        if encode(tokenizer, spelled) != [first]:
            raise TokenizerContractError(f"judgment token {spelled!r} does not encode back to id {first} alone")
        words.append((spelled, first))
    (live_word, live_id), (spoof_word, spoof_id) = words
    if live_id == spoof_id:
        raise TokenizerContractError("'Yes' and 'No' share a token")
    return ChatPrompt(text, prefix_ids, suffix_ids, live_word, live_id, spoof_word, spoof_id,
                      end_of_turn_id(tokenizer, text, chat), chat)
