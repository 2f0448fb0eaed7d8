"""Precision and storage rewrites of exported ONNX graphs: fp16 weights, fp16 KV cache, external data.

fp16 weights: every float32 initializer (≥ 2 elements) whose values are exactly representable in fp16 is
stored as fp16 and cast back to float32 by a Cast node that onnxruntime folds at session start. The
exporter rounds the model's parameters to fp16 in PyTorch first, so exactly the weights become fp16
and the graph computes what the rounded PyTorch model computes; constants that fp16 cannot hold
(rotary frequencies, the −1e38 attention mask) stay float32. Files halve; compute stays fp32, which
every execution provider runs.

fp16 KV cache: `past_key_values.*` inputs and `present.*` outputs become float16 with casts inside the
graph, halving cache memory and the bytes moved per decode step; the runtime feeds what the manifest's
`precision.kvCache` says. Graph I/O otherwise stays float32 (pixels, embeddings, logits).

External data: weights go to `<graph>.data` beside the graph (required above protobuf's 2 GB limit,
used at every size so one code path is tested); onnxruntime loads it from the graph's folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CACHE_PREFIXES = ("past_key_values.", "present.")


def weights_to_fp16(model: onnx.ModelProto) -> int:
    """Stores exactly-representable float32 initializers as fp16 behind a Cast; returns how many."""
    graph = model.graph
    converted, keep, casts = 0, [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            keep.append(init)
            continue
        values = numpy_helper.to_array(init)
        half = values.astype(np.float16)
        if values.size < 2 or not np.array_equal(half.astype(np.float32), values):
            keep.append(init)
            continue
        stored = numpy_helper.from_array(half, f"{init.name}__fp16")
        keep.append(stored)
        casts.append(helper.make_node("Cast", [stored.name], [init.name], to=TensorProto.FLOAT,
                                      name=f"{init.name}__cast"))
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(keep)
    for node in reversed(casts):
        graph.node.insert(0, node)
    return converted


def cache_to_fp16(model: onnx.ModelProto) -> None:
    """float32 past_key_values.* inputs / present.* outputs → float16, cast at the graph boundary."""
    graph = model.graph
    front, renames = [], {}
    for value in graph.input:
        if value.name.startswith(CACHE_PREFIXES[0]):
            inner = f"{value.name}__f32"
            renames[value.name] = inner
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
            front.append(helper.make_node("Cast", [value.name], [inner], to=TensorProto.FLOAT))
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
    back = []
    for value in graph.output:
        if value.name.startswith(CACHE_PREFIXES[1]):
            inner = f"{value.name}__f32"
            for node in graph.node:
                node.output[:] = [inner if name == value.name else name for name in node.output]
                node.input[:] = [inner if name == value.name else name for name in node.input]
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
            back.append(helper.make_node("Cast", [inner], [value.name], to=TensorProto.FLOAT16))
    for node in reversed(front):
        graph.node.insert(0, node)
    graph.node.extend(back)
    kept = [v for v in graph.value_info if v.name not in renames and not v.name.startswith(CACHE_PREFIXES)]
    del graph.value_info[:]
    graph.value_info.extend(kept)


def rewrite_graph(source: Path, target: Path, fp16_weights: bool, fp16_cache: bool) -> list[str]:
    """Loads `source` (with its external data), rewrites it and saves it to `target` with its weights in
    `<target name>.data`; returns the data file names written beside `target`."""
    model = onnx.load(str(source), load_external_data=True)
    if fp16_weights:
        weights_to_fp16(model)
    if fp16_cache:
        cache_to_fp16(model)
    data_name = f"{target.name}.data"
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(target), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=256)
    onnx.checker.check_model(str(target))
    return [data_name] if (target.parent / data_name).is_file() else []
