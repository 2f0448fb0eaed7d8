"""Runs a model package with Python onnxruntime, following the same procedure as the TypeScript runtime.

Used by the parity tests (PyTorch vs onnxruntime) and as the Python baseline of the benchmark.
Image preparation is left to the caller: it takes normalised `pixel_values`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort


@dataclass
class Answer:
    liveness: float
    judgment_id: int
    judgment_logits: np.ndarray  # (V,) at the first answer position
    rationale_ids: list[int]


class OrtPackage:
    def __init__(self, folder: Path, vision_threads: int | None = None, decoder_threads: int | None = None) -> None:
        """Session settings mirror the TypeScript engine: only the vision encoder has a (spinning) pool."""
        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text())

        def session(name: str, threads: int | None, spinning: bool = False) -> ort.InferenceSession:
            options = ort.SessionOptions()
            if threads is not None:
                options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
            path = folder / self.manifest["graphs"][name]
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        self.vision = session("visionEncoder", vision_threads, spinning=True)
        self.embed = session("embedTokens", decoder_threads)
        self.decoder = session("decoder", decoder_threads)
        dec = self.manifest["decoder"]
        self.layers, self.kv_heads, self.head_dim = dec["layers"], dec["kvHeads"], dec["headDim"]
        prompt = self.manifest["prompt"]
        self.prefix_embeds = self.embed_ids(prompt["prefixIds"])
        self.suffix_embeds = self.embed_ids(prompt["suffixIds"])

    def embed_ids(self, ids: list[int]) -> np.ndarray:
        """(len(ids), d)"""
        if not ids:
            return np.zeros((0, self.manifest["decoder"]["hiddenSize"]), dtype=np.float32)
        return self.embed.run(None, {"input_ids": np.array([ids], dtype=np.int64)})[0][0]

    def visual_tokens(self, pixel_values: np.ndarray) -> np.ndarray:
        """(1, C, S, S) → (1, Nv, d)"""
        return self.vision.run(None, {"pixel_values": pixel_values.astype(np.float32)})[0]

    def step(self, embeds: np.ndarray, past: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """embeds (1, T, d) after a cache of P positions → last logits (V,), new cache."""
        p, t = past[0].shape[2], embeds.shape[1]
        feeds = {
            "inputs_embeds": embeds.astype(np.float32),
            "attention_mask": np.ones((1, p + t), dtype=np.int64),
            "position_ids": np.arange(p, p + t, dtype=np.int64)[None],
        }
        for i in range(self.layers):
            feeds[f"past_key_values.{i}.key"] = past[2 * i]
            feeds[f"past_key_values.{i}.value"] = past[2 * i + 1]
        logits, *presents = self.decoder.run(None, feeds)
        return logits[0, -1], presents

    def empty_cache(self) -> list[np.ndarray]:
        shape = (1, self.kv_heads, 0, self.head_dim)
        return [np.zeros(shape, dtype=np.float32) for _ in range(2 * self.layers)]

    def prefill(self, pixel_values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vision encoder, then one decoder pass over [prefix | visual | suffix] → last logits, cache."""
        visual = self.visual_tokens(pixel_values)[0]
        prompt = np.concatenate([self.prefix_embeds, visual, self.suffix_embeds])[None]
        return self.step(prompt, self.empty_cache())

    def answer(self, pixel_values: np.ndarray, max_new_tokens: int, suppress_eos: bool = False) -> Answer:
        """Judgment word, then greedy rationale; `suppress_eos` decodes exactly `max_new_tokens` (benchmarks)."""
        logits, cache = self.prefill(pixel_values)
        live_id = self.manifest["judgment"]["live"]["tokenId"]
        spoof_id = self.manifest["judgment"]["spoof"]["tokenId"]
        temperature = float(self.manifest.get("calibration", {}).get("temperature", 1.0))  # as the runtime
        pair = np.array([logits[live_id], logits[spoof_id]], dtype=np.float64) / temperature
        pair = np.exp(pair - pair.max())
        liveness = float(pair[0] / pair.sum())
        current = live_id if logits[live_id] >= logits[spoof_id] else spoof_id
        judgment, judgment_logits = current, logits.copy()
        eos = self.manifest["decoder"]["eosTokenId"]
        tokens: list[int] = []
        while len(tokens) < max_new_tokens:
            step_logits, cache = self.step(self.embed_ids([current])[None], cache)
            if suppress_eos:
                step_logits[eos] = -np.inf
            current = int(step_logits.argmax())
            if current == eos:
                break
            tokens.append(current)
        return Answer(liveness, judgment, judgment_logits, tokens)
