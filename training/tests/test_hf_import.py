"""Bring-your-own-model import (ifas.hf): refusals, the LLM → runtime decoder conversion, the parity gate.

Everything runs on tiny random checkpoint folders built from configs (ifas.hf.tiny_checkpoints).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from ifas.config import ConnectorConfig
from ifas.hf.chat_prompt import TokenizerContractError, build_chat_prompt
from ifas.hf.checkpoint_files import SUMS_FILE, CheckpointError, verify_checkpoint, write_sums
from ifas.hf.export import ParityError, check_parity
from ifas.hf.importer import Sources, import_model, load_tokenizer
from ifas.hf.language_model import UnsupportedModelError, to_runtime_decoder
from ifas.hf.tiny_checkpoints import CHATML_TEMPLATE, bpe_tokenizer, build_all

from .conftest import FIXTURES

CONNECTOR = ConnectorConfig(num_queries=4, heads=2)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("hf"), seed=3)


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def test_refuses_a_checkpoint_with_a_missing_shard(checkpoints, tmp_path):
    # Prepare: the Qwen2 weights in several shards, one of them deleted
    folder = tmp_path / "sharded"
    AutoModelForCausalLM.from_pretrained(checkpoints["qwen2"]).save_pretrained(folder, max_shard_size="100KB")
    shards = sorted(folder.glob("model-*.safetensors"))
    assert len(shards) > 1
    shards[1].unlink()
    # Act, Assess
    with pytest.raises(CheckpointError, match=shards[1].name):
        verify_checkpoint(folder)


def test_refuses_a_checkpoint_whose_weights_differ_from_sha256sums(checkpoints, tmp_path):
    # Prepare
    folder = copy_of(checkpoints["qwen2"], tmp_path)
    with (folder / "model.safetensors").open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\x01\x02\x03\x04")
    # Act, Assess
    with pytest.raises(CheckpointError, match="SHA-256 mismatch for model.safetensors"):
        verify_checkpoint(folder)


def test_accepts_the_folder_again_once_its_sums_are_rewritten(checkpoints, tmp_path):
    folder = copy_of(checkpoints["clip"], tmp_path)
    (folder / SUMS_FILE).unlink()
    write_sums(folder)
    assert len(verify_checkpoint(folder)) == 64


def test_refuses_an_unsupported_llm_architecture_by_name(checkpoints, tmp_path):
    # Prepare: a GPT-2 checkpoint with a working tokenizer
    folder = tmp_path / "gpt2"
    GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=512)).save_pretrained(folder)
    AutoTokenizer.from_pretrained(checkpoints["qwen2"]).save_pretrained(folder)
    # Act, Assess
    with pytest.raises(UnsupportedModelError, match="'gpt2'.*supported: llama, qwen2"):
        import_model(Sources(vision=checkpoints["clip"], llm=folder), CONNECTOR)


def test_refuses_a_vision_checkpoint_that_is_not_clip_or_siglip(checkpoints):
    with pytest.raises(UnsupportedModelError, match="vision architecture 'qwen2'"):
        import_model(Sources(vision=checkpoints["qwen2"], llm=checkpoints["qwen2"]), CONNECTOR)


def test_refuses_a_tokenizer_that_splits_the_judgment_word():
    # Prepare: a byte-level tokenizer with almost no merges, so "Yes" is several tokens
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], True, vocab_size=262),
        eos_token="<|im_end|>", chat_template=CHATML_TEMPLATE)
    # Act, Assess
    with pytest.raises(TokenizerContractError, match="'Yes' is not one token"):
        build_chat_prompt(tokenizer)


def test_refuses_a_tokenizer_larger_than_the_llm_vocabulary(checkpoints):
    with pytest.raises(TokenizerContractError, match="mismatched tokenizer"):
        load_tokenizer(checkpoints["qwen2"], vocab_size=100)


def test_reads_the_judgment_tokens_and_end_of_turn_from_the_chat_template(checkpoints):
    # Act
    prompt = build_chat_prompt(AutoTokenizer.from_pretrained(checkpoints["llama"]))
    tokenizer = AutoTokenizer.from_pretrained(checkpoints["llama"])
    # Assess: Llama-3 template, BOS first, answer after the assistant header
    assert prompt.template.startswith("<|begin_of_text|><|start_header_id|>user")
    assert prompt.template.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert (prompt.live_word, prompt.spoof_word) == ("Yes", "No")
    assert tokenizer.convert_ids_to_tokens(prompt.end_id) == "<|eot_id|>"
    answer = prompt.answer_ids(tokenizer, False, "a printed photo", 32)
    assert answer[0] == prompt.spoof_id and answer[-1] == prompt.end_id


@pytest.mark.parametrize("family", ["qwen2", "llama"])
def test_runtime_decoder_reproduces_the_transformers_llm(checkpoints, family):
    # Prepare: Qwen2 has q/k/v biases and tied embeddings; the LLaMA uses llama3 rope scaling
    llm = AutoModelForCausalLM.from_pretrained(checkpoints[family], attn_implementation="eager").eval()
    decoder = to_runtime_decoder(llm)
    embeds = torch.randn(1, 9, llm.config.hidden_size)
    # Act
    with torch.no_grad():
        expected = llm(inputs_embeds=embeds).logits
        actual, _ = decoder(embeds, torch.ones(1, 9, dtype=torch.long), torch.arange(9)[None], decoder.empty_cache(1))
    # Assess
    assert torch.allclose(actual, expected, atol=1e-4), float((actual - expected).abs().max())


def hf_fixture_pixels() -> tuple[Path, np.ndarray, dict]:
    package = FIXTURES / "models" / "ifas-hf-tiny"
    manifest = json.loads((package / "manifest.json").read_text())
    goldens = json.loads((FIXTURES / "goldens" / "ifas-hf-tiny.json").read_text())
    rgb = np.asarray(Image.open(FIXTURES / "goldens" / goldens["image"]).convert("RGB"), dtype=np.float32) / 255
    pixels = (rgb - np.array(manifest["image"]["mean"], np.float32)) / np.array(manifest["image"]["std"], np.float32)
    return package, torch.from_numpy(pixels.transpose(2, 0, 1).copy())[None], goldens


def test_parity_gate_accepts_the_committed_package_and_refuses_a_different_answer():
    # Prepare
    package, pixels, goldens = hf_fixture_pixels()
    reference = {"liveness": goldens["liveness"], "judgment": goldens["judgmentTokenId"],
                 "tokens": goldens["rationaleTokenIds"], "fp32Liveness": goldens["parity"]["fp32Liveness"]}
    # Act
    result = check_parity(package, pixels, reference, goldens["maxNewTokens"], goldens["tolerance"])
    # Assess
    assert result["absDiff"] <= goldens["tolerance"]
    with pytest.raises(ParityError):
        check_parity(package, pixels, {**reference, "tokens": reference["tokens"][::-1]}, goldens["maxNewTokens"], 1e-4)
    with pytest.raises(ParityError):
        check_parity(package, pixels, {**reference, "liveness": reference["liveness"] + 0.01},
                     goldens["maxNewTokens"], 1e-4)
