"""I-FAS over pretrained parts: Hugging Face vision tower → GAC → Hugging Face causal LLM.

The same operations as `ifas.ifas_model.IFASModel`, over transformers modules so that training gets
their efficient attention, gradient checkpointing and LoRA:
  - `answer_logits`: teacher forcing over [prefix | visual | suffix | answer[:-1]] → (B, A, V), the
    logits that predict each answer token (position 0 predicts the judgment word);
  - `judgment_logits`: one prefill → (B, V) at the first answer position;
  - `generate`: the runtime's answer procedure (judgment word, then greedy on the KV cache), the
    PyTorch reference the exported package is checked against. `round_cache_fp16` mirrors a package
    whose KV cache is stored in fp16.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import DynamicCache, PreTrainedModel

from ..config import ConnectorConfig
from ..gac import GloballyAwareConnector
from .chat_prompt import ChatPrompt
from .vision_tower import HfVisionTower


class HfIfas(nn.Module):
    def __init__(self, tower: HfVisionTower, llm: PreTrainedModel, connector: ConnectorConfig,
                 prompt: ChatPrompt) -> None:
        super().__init__()
        self.tower = tower
        self.llm = llm
        # GAC reads only `width` and `layers` of its vision argument: the tower's shape supplies them.
        self.connector = GloballyAwareConnector(tower.shape, connector, llm.config.hidden_size)
        self.connector_cfg = connector
        self.prompt = prompt

    @property
    def embed_dtype(self) -> torch.dtype:
        return self.llm.get_input_embeddings().weight.dtype

    def encode_image(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(B, C, S, S) → visual tokens (B, |Q_P|+L, d_llm). The tower runs without a graph when frozen."""
        tower_trains = self.training and any(p.requires_grad for p in self.tower.parameters())
        with torch.set_grad_enabled(torch.is_grad_enabled() and tower_trains):
            layer_tokens, patch_tokens = self.tower(pixel_values.to(next(self.tower.parameters()).dtype))
        dtype = self.connector.output_projection.weight.dtype
        return self.connector(layer_tokens.to(dtype), patch_tokens.to(dtype)).to(self.embed_dtype)

    def embed(self, ids: list[int] | torch.Tensor) -> torch.Tensor:
        device = self.connector.output_projection.weight.device
        ids = torch.as_tensor(ids, dtype=torch.long, device=device)
        return self.llm.get_input_embeddings()(ids)

    def prompt_embeds(self, visual: torch.Tensor) -> torch.Tensor:
        """[prefix | visual | suffix] → (B, Lp, d)."""
        b = visual.shape[0]
        prefix = self.embed(self.prompt.prefix_ids).unsqueeze(0).expand(b, -1, -1)
        suffix = self.embed(self.prompt.suffix_ids).unsqueeze(0).expand(b, -1, -1)
        return torch.cat([prefix, visual, suffix], dim=1)

    def answer_logits(self, pixel_values: torch.Tensor, answer_ids: torch.Tensor,
                      answer_mask: torch.Tensor) -> torch.Tensor:
        """answer_ids (B, A) right-padded, answer_mask (B, A) 1 on real tokens → logits (B, A, V)."""
        prompt = self.prompt_embeds(self.encode_image(pixel_values))  # (B, Lp, d)
        answer = self.embed(answer_ids[:, :-1])  # (B, A-1, d): the last token predicts nothing
        mask = torch.cat([torch.ones(prompt.shape[:2], dtype=torch.long, device=prompt.device),
                          answer_mask[:, :-1].long()], dim=1)
        out = self.llm(inputs_embeds=torch.cat([prompt, answer], dim=1), attention_mask=mask, use_cache=False,
                       num_logits_to_keep=answer_ids.shape[1])  # logits of the last A positions only
        return out.logits

    def forward(self, pixel_values: torch.Tensor, answer_ids: torch.Tensor, answer_mask: torch.Tensor) -> torch.Tensor:
        """Training entry point (DDP / DeepSpeed wrap `forward`): the teacher-forced answer logits."""
        return self.answer_logits(pixel_values, answer_ids, answer_mask)

    def judgment_logits(self, pixel_values: torch.Tensor) -> torch.Tensor:
        embeds = self.prompt_embeds(self.encode_image(pixel_values))
        return self.llm(inputs_embeds=embeds, use_cache=False, num_logits_to_keep=1).logits[:, -1]

    @torch.no_grad()
    def generate(self, pixel_values: torch.Tensor, max_new_tokens: int,
                 round_cache_fp16: bool = False) -> tuple[float, int, list[int]]:
        """(liveness, judgment token, rationale ids) for one image, as the runtime computes them."""
        embeds = self.prompt_embeds(self.encode_image(pixel_values))
        out = self.llm(inputs_embeds=embeds, past_key_values=DynamicCache(), use_cache=True)
        cache = out.past_key_values
        live_id, spoof_id = self.prompt.live_id, self.prompt.spoof_id
        logits = out.logits[0, -1].float()
        liveness = float(torch.softmax(torch.stack([logits[live_id], logits[spoof_id]]), dim=0)[0])
        current = live_id if logits[live_id] >= logits[spoof_id] else spoof_id
        judgment, tokens = current, []
        while len(tokens) < max_new_tokens:
            if round_cache_fp16:
                for store in (cache.key_cache, cache.value_cache):
                    for i, tensor in enumerate(store):
                        store[i] = tensor.half().to(tensor.dtype)
            out = self.llm(inputs_embeds=self.embed([[current]]), past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            current = int(out.logits[0, -1].argmax())
            if current == self.prompt.end_id:
                break
            tokens.append(current)
        return liveness, judgment, tokens
