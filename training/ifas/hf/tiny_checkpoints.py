"""Tiny random-initialised Hugging Face checkpoint folders, built offline from configs, for the tests.

  python -m ifas.hf.tiny_checkpoints --out /tmp/hf-tiny

writes, each a folder `save_pretrained` produced (config.json, model.safetensors, SHA256SUMS, and the
tokenizer or image-processor files the family ships with):
  clip/      CLIPVisionModel            3 layers, width 32, 32² input in 8-px patches
  siglip/    SiglipVisionModel          3 layers, width 32 (no class token)
  qwen2/     Qwen2ForCausalLM           2 layers, width 64, q/k/v biases, tied embeddings, ChatML template
  llama/     LlamaForCausalLM           2 layers, width 64, llama3 rope scaling, Llama-3-style template
  llava/     LlavaForConditionalGeneration with the clip tower and the qwen2 LLM inside
`--real-size` writes instead, for the GPU check (training/scripts/gpu-check.sh), random weights in real shapes:
  clip-l336/  CLIP ViT-L/14@336 vision tower (24 layers, width 1024, 576 patches; 303 M parameters)
  llama-1b/   a TinyLlama-1.1B-shaped LLaMA (22 layers, width 2048, 32 heads / 4 KV heads, 32 000 tokens)
              with the ChatML tokenizer above (its ids are a subset of the 32 000 embedding rows)
Tokenizers are byte-level BPE trained on the seed caption corpus; the Qwen2 one uses Qwen2's own
pre-tokenizer regex, so the TypeScript tokenizer is tested on the real pattern. Weights are drawn with
a wide initialiser (std 0.2) so that greedy decoding has clear winners to compare across runtimes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    CLIPImageProcessor,
    CLIPVisionConfig,
    CLIPVisionModel,
    LlamaConfig,
    LlamaForCausalLM,
    LlavaConfig,
    LlavaForConditionalGeneration,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    SiglipVisionConfig,
    SiglipVisionModel,
)

from ..prompt import QUESTION
from ..seed_corpus import seed_corpus
from .checkpoint_files import write_sums

INIT_STD = 0.2
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")
CHATML_TEMPLATE = (
    "{%- for message in messages %}{%- if loop.first and message['role'] != 'system' %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
LLAMA3_TEMPLATE = (
    "{{- bos_token }}{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
IMAGE_MEAN, IMAGE_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]


def bpe_tokenizer(specials: list[str], qwen_regex: bool, vocab_size: int = 480) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    if qwen_regex:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    anchors = [f"\n{QUESTION}", "Yes. No. Yes, No,", "assistant\n", "user\n"] * 20
    tokenizer.train_from_iterator([*anchors, *seed_corpus()], trainer=trainer)
    return tokenizer


def chatml_tokenizer() -> PreTrainedTokenizerFast:
    tok = bpe_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], qwen_regex=True)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=["<|im_start|>", "<|im_end|>"],
                                   chat_template=CHATML_TEMPLATE, clean_up_tokenization_spaces=False)


def llama3_tokenizer() -> PreTrainedTokenizerFast:
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    tok = bpe_tokenizer(specials, qwen_regex=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
                                   additional_special_tokens=specials[2:], chat_template=LLAMA3_TEMPLATE,
                                   clean_up_tokenization_spaces=False)


def clip_config() -> CLIPVisionConfig:
    return CLIPVisionConfig(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                            num_attention_heads=2, projection_dim=32, initializer_factor=1.0)


def qwen2_config(tok: PreTrainedTokenizerFast) -> Qwen2Config:
    return Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                       tie_word_embeddings=True, initializer_range=INIT_STD, eos_token_id=tok.eos_token_id,
                       bos_token_id=None, pad_token_id=tok.pad_token_id)


def save(model, folder: Path, extra=()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    for item in extra:
        item.save_pretrained(folder)
    write_sums(folder)
    return folder


def processor(size: int) -> CLIPImageProcessor:
    return CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size},
                              image_mean=IMAGE_MEAN, image_std=IMAGE_STD)


def build_all(out: Path, seed: int = 0) -> dict[str, Path]:
    torch.manual_seed(seed)
    paths = {}
    clip = CLIPVisionModel(clip_config())
    paths["clip"] = save(clip, out / "clip", [processor(32)])
    siglip = SiglipVisionModel(SiglipVisionConfig(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                                                  num_hidden_layers=3, num_attention_heads=2))
    paths["siglip"] = save(siglip, out / "siglip", [processor(32)])

    chatml = chatml_tokenizer()
    qwen = Qwen2ForCausalLM(qwen2_config(chatml))
    paths["qwen2"] = save(qwen, out / "qwen2", [chatml])

    llama_tok = llama3_tokenizer()
    llama = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(llama_tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, rope_theta=50000.0, tie_word_embeddings=False,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 64},
        initializer_range=INIT_STD, bos_token_id=llama_tok.bos_token_id, eos_token_id=llama_tok.eos_token_id))
    paths["llama"] = save(llama, out / "llama", [llama_tok])

    llava = LlavaForConditionalGeneration(LlavaConfig(vision_config=clip_config(), text_config=qwen2_config(chatml),
                                                      image_token_index=chatml.pad_token_id))
    llava.vision_tower.load_state_dict(clip.state_dict())
    llava.language_model.load_state_dict(qwen.state_dict())
    paths["llava"] = save(llava, out / "llava", [chatml, processor(32)])
    return paths


def build_real_size(out: Path, seed: int = 0) -> dict[str, Path]:
    torch.manual_seed(seed)
    clip = CLIPVisionModel(CLIPVisionConfig(image_size=336, patch_size=14, hidden_size=1024, intermediate_size=4096,
                                            num_hidden_layers=24, num_attention_heads=16, projection_dim=768))
    paths = {"clip-l336": save(clip, out / "clip-l336", [processor(336)])}
    del clip
    tok = chatml_tokenizer()
    llama = LlamaForCausalLM(LlamaConfig(
        vocab_size=32000, hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
        num_key_value_heads=4, max_position_embeddings=2048, tie_word_embeddings=False,
        bos_token_id=None, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id))
    paths["llama-1b"] = save(llama, out / "llama-1b", [tok])
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-size", action="store_true", help="CLIP ViT-L/14@336 + 1.1B LLaMA (GPU check)")
    args = parser.parse_args(argv)
    build = build_real_size if args.real_size else build_all
    for name, path in build(args.out, args.seed).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
