"""Converts a TensorFlow.js graph model (model.json + weight shards) to ONNX, for the face detector.

  python -m ifas.tfjs_to_onnx --model node_modules/@vladmandic/human/models/blazeface.json \
      --out models/face-detector/blazeface-back.onnx --rename Identity=scores_16 ...

Only the operators BlazeFace-style convolutional detectors use are mapped: Placeholder, Const,
_FusedConv2D (+BiasAdd/Relu/Relu6), Conv2D, DepthwiseConv2dNative, AddV2/Add, Relu, Relu6, MaxPool,
Pad, Reshape, Identity. Anything else stops the conversion with an "unsupported op" error rather than
producing a wrong graph. Tensors stay NHWC as in TensorFlow; each convolution and pooling is wrapped in
a Transpose pair (NHWC→NCHW→NHWC) that onnxruntime's transpose optimiser cancels between neighbours.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
DTYPES = {"float32": np.float32, "int32": np.int32}


def load_weights(model_json: Path, manifest: dict) -> dict[str, np.ndarray]:
    """Reads every weight group's shards in order and slices them by the manifest's shapes."""
    weights: dict[str, np.ndarray] = {}
    for group in manifest["weightsManifest"]:
        data = b"".join((model_json.parent / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            quantization = spec.get("quantization")
            if quantization:
                qtype = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}[quantization["dtype"]]
                raw = np.frombuffer(data, dtype=qtype, count=count, offset=offset)
                offset += raw.nbytes
                if quantization["dtype"] == "float16":
                    values = raw.astype(np.float32)
                else:
                    values = raw.astype(np.float32) * quantization["scale"] + quantization["min"]
            else:
                dtype = DTYPES[spec["dtype"]]
                values = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                offset += values.nbytes
            weights[spec["name"]] = values.reshape(spec["shape"]).copy()
    return weights


def attr_ints(node: dict, name: str) -> list[int]:
    return [int(v) for v in node["attr"][name]["list"].get("i", [])]


def attr_str(node: dict, name: str) -> str:
    return base64.b64decode(node["attr"][name]["s"]).decode()


def attr_strs(node: dict, name: str) -> list[str]:
    return [base64.b64decode(v).decode() for v in node["attr"].get(name, {}).get("list", {}).get("s", [])]


def clean_input(name: str) -> str:
    return name.split(":")[0]


class Converter:
    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.counter = 0

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}__{self.counter}"

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers[name] = value
        return name

    def padding_attrs(self, node: dict) -> dict:
        padding = attr_str(node, "padding")
        if padding == "SAME":
            return {"auto_pad": "SAME_UPPER"}
        if padding == "VALID":
            return {"auto_pad": "VALID"}
        raise ValueError(f"{node['name']}: unsupported padding {padding}")

    def nchw_op(self, node: dict, op_type: str, inputs: list[str], **attrs) -> str:
        """x (NHWC) → Transpose → op (NCHW) → Transpose → (NHWC)."""
        x_nchw = self.fresh(node["name"] + "/nchw")
        self.nodes.append(helper.make_node("Transpose", [inputs[0]], [x_nchw], perm=NHWC_TO_NCHW))
        y_nchw = self.fresh(node["name"] + "/out_nchw")
        self.nodes.append(helper.make_node(op_type, [x_nchw, *inputs[1:]], [y_nchw], **attrs))
        y = self.fresh(node["name"] + "/nhwc")
        self.nodes.append(helper.make_node("Transpose", [y_nchw], [y], perm=NCHW_TO_NHWC))
        return y

    def activation(self, name: str, x: str, kind: str, out: str) -> None:
        if kind == "Relu":
            self.nodes.append(helper.make_node("Relu", [x], [out]))
        elif kind == "Relu6":
            self.nodes.append(helper.make_node("Clip", [x, self.constant(name + "/lo", np.array(0, np.float32)),
                                                        self.constant(name + "/hi", np.array(6, np.float32))], [out]))
        else:
            raise ValueError(f"{name}: unsupported fused activation {kind}")

    def convert(self, node: dict) -> None:
        op, name = node["op"], node["name"]
        inputs = [clean_input(i) for i in node.get("input", []) if not i.startswith("^")]
        if op in ("Const", "Placeholder"):
            return
        if op in ("_FusedConv2D", "Conv2D"):
            filt = self.weights[inputs[1]]  # (kh, kw, cin, cout)
            weight = self.constant(name + "/W", filt.transpose(3, 2, 0, 1).copy())  # (cout, cin, kh, kw)
            fused = attr_strs(node, "fused_ops") if op == "_FusedConv2D" else []
            conv_inputs = [inputs[0], weight]
            if fused and fused[0] == "BiasAdd":
                conv_inputs.append(self.constant(name + "/B", self.weights[inputs[2]].astype(np.float32)))
                fused = fused[1:]
            strides = attr_ints(node, "strides")[1:3]
            dilations = attr_ints(node, "dilations")[1:3] or [1, 1]
            y = self.nchw_op(node, "Conv", conv_inputs, strides=strides, dilations=dilations,
                             **self.padding_attrs(node))
            if fused:
                self.activation(name, y, fused[0], name)
            else:
                self.nodes.append(helper.make_node("Identity", [y], [name]))
        elif op == "DepthwiseConv2dNative":
            filt = self.weights[inputs[1]]  # (kh, kw, cin, multiplier)
            kh, kw, cin, mult = filt.shape
            weight = filt.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).copy()
            y = self.nchw_op(node, "Conv", [inputs[0], self.constant(name + "/W", weight)], group=cin,
                             strides=attr_ints(node, "strides")[1:3],
                             dilations=attr_ints(node, "dilations")[1:3] or [1, 1], **self.padding_attrs(node))
            self.nodes.append(helper.make_node("Identity", [y], [name]))
        elif op in ("AddV2", "Add"):
            operands = [self.constant(i, self.weights[i].astype(np.float32)) if i in self.weights else i for i in inputs]
            self.nodes.append(helper.make_node("Add", operands, [name]))
        elif op in ("Relu", "Relu6"):
            self.activation(name, inputs[0], op, name)
        elif op == "MaxPool":
            y = self.nchw_op(node, "MaxPool", [inputs[0]], kernel_shape=attr_ints(node, "ksize")[1:3],
                             strides=attr_ints(node, "strides")[1:3], **self.padding_attrs(node))
            self.nodes.append(helper.make_node("Identity", [y], [name]))
        elif op == "Pad":
            paddings = self.weights[inputs[1]].astype(np.int64)  # (rank, 2): [begin, end] per axis
            pads = self.constant(name + "/pads", np.concatenate([paddings[:, 0], paddings[:, 1]]))
            self.nodes.append(helper.make_node("Pad", [inputs[0], pads], [name], mode="constant"))
        elif op == "Reshape":
            shape = self.constant(name + "/shape", self.weights[inputs[1]].astype(np.int64))
            self.nodes.append(helper.make_node("Reshape", [inputs[0], shape], [name]))
        elif op == "Identity":
            self.nodes.append(helper.make_node("Identity", [inputs[0]], [name]))
        else:
            raise ValueError(f"unsupported op {op} ({name})")


def convert(model_json: Path, renames: dict[str, str]) -> onnx.ModelProto:
    manifest = json.loads(model_json.read_text())
    weights = load_weights(model_json, manifest)
    topology = manifest["modelTopology"]["node"]
    converter = Converter(weights)
    for node in topology:
        converter.convert(node)

    placeholders = [n for n in topology if n["op"] == "Placeholder"]
    graph_inputs = []
    for placeholder in placeholders:
        dims = [int(d["size"]) for d in placeholder["attr"]["shape"]["shape"]["dim"]]
        graph_inputs.append(helper.make_tensor_value_info(
            renames.get(placeholder["name"], placeholder["name"]), TensorProto.FLOAT, dims))
        if placeholder["name"] in renames:
            converter.nodes.insert(0, helper.make_node("Identity", [renames[placeholder["name"]]], [placeholder["name"]]))

    signature = manifest["userDefinedMetadata"]["signature"]["outputs"]
    graph_outputs = []
    for key, spec in signature.items():
        source = clean_input(key)
        target = renames.get(source, source)
        if target != source:
            converter.nodes.append(helper.make_node("Identity", [source], [target]))
        dims = [int(d["size"]) for d in spec["tensorShape"]["dim"]]
        graph_outputs.append(helper.make_tensor_value_info(target, TensorProto.FLOAT, dims))
    graph_outputs.sort(key=lambda v: v.name)

    used = {i for node in converter.nodes for i in node.input}
    initializers = [numpy_helper.from_array(v, k) for k, v in converter.initializers.items() if k in used]
    graph = helper.make_graph(converter.nodes, model_json.stem, graph_inputs, graph_outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="ifas-guard tfjs_to_onnx")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="TF.js model.json")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rename", action="append", default=[], help="OLD=NEW for graph inputs/outputs")
    args = parser.parse_args(argv)
    renames = dict(pair.split("=", 1) for pair in args.rename)
    model = convert(args.model, renames)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.out))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(model.graph.node)} nodes)")


if __name__ == "__main__":
    main()
