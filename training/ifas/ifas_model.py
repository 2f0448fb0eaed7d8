"""I-FAS: vision encoder → connector (GAC or MLP) → LLaMA-style decoder, as one module.

`IFASModel` owns the three components and the two operations the product needs:
  - `judgment_logits`: one prefill over [prefix, visual tokens, suffix] → next-token logits at the first
    answer position, from which liveness = P(Yes)/(P(Yes)+P(No));
  - `generate`: the judgment word, then greedy decoding of the rationale with the key/value cache
    (the reference the ONNX runtime is checked against).
It knows token ids, not text; `prompt.py` and `tokenizer.py` turn text into ids.
"""

from __future__ import annotations

import torch
from torch import nn

from .cnn_stage_encoder import CnnStageEncoder
from .config import IFASConfig
from .gac import GloballyAwareConnector
from .llama_decoder import KVCache, LlamaDecoder
from .mlp_projector import MLPProjector
from .vision_encoder import VisionEncoder


class IFASModel(nn.Module):
    def __init__(self, cfg: IFASConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.vision: nn.Module = (
            CnnStageEncoder(cfg.vision) if cfg.vision.backbone == "efficientnet_lite0" else VisionEncoder(cfg.vision)
        )
        llm_width = cfg.decoder.hidden_size
        if cfg.connector.kind == "gac":
            self.connector: nn.Module = GloballyAwareConnector(cfg.vision, cfg.connector, llm_width)
        else:
            self.connector = MLPProjector(cfg.vision, llm_width)
        self.decoder = LlamaDecoder(cfg.decoder)

    def encode_image(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """pixel_values (B, C, S, S) → visual tokens (B, Nv, d_llm)."""
        layer_cls, patch_tokens = self.vision(pixel_values)
        return self.connector(layer_cls, patch_tokens)

    def prompt_embeds(
        self, visual_tokens: torch.Tensor, prefix_ids: list[int], suffix_ids: list[int]
    ) -> torch.Tensor:
        """[prefix | visual | suffix] → (B, len(prefix)+Nv+len(suffix), d_llm)."""
        b = visual_tokens.shape[0]
        embed = self.decoder.embed_tokens
        prefix = embed(torch.tensor(prefix_ids, dtype=torch.long)).unsqueeze(0).expand(b, -1, -1)
        suffix = embed(torch.tensor(suffix_ids, dtype=torch.long)).unsqueeze(0).expand(b, -1, -1)
        return torch.cat([prefix, visual_tokens, suffix], dim=1)

    def prefill(self, inputs_embeds: torch.Tensor) -> tuple[torch.Tensor, KVCache]:
        """Run a whole unpadded prompt with an empty cache → logits (B, T, V), cache."""
        b, t, _ = inputs_embeds.shape
        mask = torch.ones(b, t, dtype=torch.long)
        positions = torch.arange(t, dtype=torch.long).unsqueeze(0).expand(b, -1)
        return self.decoder(inputs_embeds, mask, positions, self.decoder.empty_cache(b))

    def answer_logits(
        self,
        pixel_values: torch.Tensor,
        prefix_ids: list[int],
        suffix_ids: list[int],
        answer_ids: torch.Tensor,
    ) -> torch.Tensor:
        """Teacher forcing: answer_ids (B, A), right-padded → logits (B, A, V), where logits[:, k]
        predicts answer_ids[:, k] (position 0 is the judgment word, predicted from the prompt's end)."""
        return self.answer_logits_from_tokens(self.encode_image(pixel_values), prefix_ids, suffix_ids, answer_ids)

    def answer_logits_from_tokens(
        self,
        visual_tokens: torch.Tensor,
        prefix_ids: list[int],
        suffix_ids: list[int],
        answer_ids: torch.Tensor,
    ) -> torch.Tensor:
        """`answer_logits` after the vision side: visual_tokens (B, Nv, d_llm) → logits (B, A, V)."""
        prompt = self.prompt_embeds(visual_tokens, prefix_ids, suffix_ids)  # (B, Lp, d)
        answer = self.decoder.embed_tokens(answer_ids[:, :-1])  # (B, A-1, d): the last token predicts nothing
        logits, _ = self.prefill(torch.cat([prompt, answer], dim=1))  # (B, Lp+A-1, V)
        return logits[:, prompt.shape[1] - 1 :]

    def judgment_logits(
        self, pixel_values: torch.Tensor, prefix_ids: list[int], suffix_ids: list[int]
    ) -> torch.Tensor:
        """Next-token logits at the first answer position, (B, V)."""
        embeds = self.prompt_embeds(self.encode_image(pixel_values), prefix_ids, suffix_ids)
        logits, _ = self.prefill(embeds)
        return logits[:, -1]

    @torch.no_grad()
    def generate(
        self,
        pixel_values: torch.Tensor,
        prefix_ids: list[int],
        suffix_ids: list[int],
        judgment_ids: tuple[int, int],
        max_new_tokens: int,
        eos_id: int,
    ) -> tuple[float, int, list[int]]:
        """The runtime's answer procedure for one image (B = 1), as reference for parity tests.

        1. prefill; liveness = softmax over the (live, spoof) judgment logits;
        2. the first answer token is the likelier judgment word (not a free argmax over the vocabulary);
        3. greedy continuation on the cache until EOS (excluded) or `max_new_tokens` rationale tokens.
        Returns (liveness, judgment token, rationale token ids).
        """
        embeds = self.prompt_embeds(self.encode_image(pixel_values), prefix_ids, suffix_ids)
        logits, cache = self.prefill(embeds)
        live_id, spoof_id = judgment_ids
        pair = torch.stack([logits[0, -1, live_id], logits[0, -1, spoof_id]])
        liveness = float(torch.softmax(pair, dim=0)[0])
        current = live_id if pair[0] >= pair[1] else spoof_id
        judgment = current
        length = embeds.shape[1]
        tokens: list[int] = []
        while len(tokens) < max_new_tokens:
            step = self.decoder.embed_tokens(torch.tensor([[current]]))  # (1, 1, d)
            mask = torch.ones(1, length + 1, dtype=torch.long)
            logits, cache = self.decoder(step, mask, torch.tensor([[length]]), cache)
            length += 1
            current = int(logits[0, -1].argmax())
            if current == eos_id:
                break
            tokens.append(current)
        return liveness, judgment, tokens
