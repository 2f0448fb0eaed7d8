"""I-FAS: vision encoder → connector (GAC or MLP) → LLaMA-style decoder, as one module.

`IFASModel` owns the three components and the two operations the product needs:
  - `judgment_logits`: one prefill over [prefix, visual tokens, suffix] → next-token logits at the first
    answer position, from which liveness = P(Yes)/(P(Yes)+P(No));
  - `generate`: greedy decoding of the rationale with the key/value cache (the reference the ONNX
    runtime is checked against).
It knows token ids, not text; `prompt.py` and `tokenizer.py` turn text into ids.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import IFASConfig
from .gac import GloballyAwareConnector
from .llama_decoder import KVCache, LlamaDecoder
from .mlp_projector import MLPProjector
from .vision_encoder import VisionEncoder


class IFASModel(nn.Module):
    def __init__(self, cfg: IFASConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.vision = VisionEncoder(cfg.vision)
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
        max_new_tokens: int,
        eos_id: int,
    ) -> list[int]:
        """Greedy answer tokens for one image (B = 1), stopping at EOS (excluded) or the token limit."""
        embeds = self.prompt_embeds(self.encode_image(pixel_values), prefix_ids, suffix_ids)
        logits, cache = self.prefill(embeds)
        length = embeds.shape[1]
        tokens: list[int] = []
        for _ in range(max_new_tokens):
            next_id = int(logits[0, -1].argmax())
            if next_id == eos_id:
                break
            tokens.append(next_id)
            step = self.decoder.embed_tokens(torch.tensor([[next_id]]))  # (1, 1, d)
            mask = torch.ones(1, length + 1, dtype=torch.long)
            logits, cache = self.decoder(step, mask, torch.tensor([[length]]), cache)
            length += 1
        return tokens
