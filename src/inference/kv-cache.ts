/**
 * Key/value cache for the decoder graph: a record of named tensors, driven by the graph's I/O names.
 *
 * Layout per layer: past_key_values.{i}.key|value, (1, kvHeads, P, headDim), float32 or float16 as the
 * manifest's `precision.kvCache` says (fp16 tensors pass through untouched). `fromPresent` renames the
 * decoder's present.* outputs into the next step's past_key_values.* feeds without copying;
 * `fromBatchRow` copies one row out of a batched prefill's (B, kvHeads, P, headDim) outputs.
 */

import { InferenceFailedError } from '../errors.js';
import { GRAPH_IO, type Manifest, type TensorType } from '../model/manifest.js';
import { batchRow, emptyTensor, type Tensor } from '../runtime/onnx.js';

export class KvCache {
  private constructor(
    readonly feeds: Record<string, Tensor>,
    readonly length: number,
  ) {}

  /** A cache with P = 0 positions, for the prefill, in the package's cache precision. */
  static empty(decoder: Manifest['decoder'], type: TensorType = 'float32', batch = 1): KvCache {
    const feeds: Record<string, Tensor> = {};
    const dims = [batch, decoder.kvHeads, 0, decoder.headDim];
    for (let layer = 0; layer < decoder.layers; layer++) {
      feeds[GRAPH_IO.decoder.pastKey(layer)] = emptyTensor(type, dims);
      feeds[GRAPH_IO.decoder.pastValue(layer)] = emptyTensor(type, dims);
    }
    return new KvCache(feeds, 0);
  }

  /** Row `row` of a batched prefill's present.* outputs, as a batch-of-one cache. */
  static fromBatchRow(outputs: Record<string, Tensor>, layers: number, row: number): KvCache {
    return KvCache.fromOutputs(outputs, layers, (tensor) => batchRow(tensor, row));
  }

  static fromPresent(outputs: Record<string, Tensor>, layers: number): KvCache {
    return KvCache.fromOutputs(outputs, layers, (tensor) => tensor);
  }

  /** present.{i}.* → past_key_values.{i}.*, each tensor passed through `take`. */
  private static fromOutputs(
    outputs: Record<string, Tensor>,
    layers: number,
    take: (tensor: Tensor) => Tensor,
  ): KvCache {
    const feeds: Record<string, Tensor> = {};
    let length = 0;
    for (let layer = 0; layer < layers; layer++) {
      const key = outputs[GRAPH_IO.decoder.presentKey(layer)];
      const value = outputs[GRAPH_IO.decoder.presentValue(layer)];
      if (!key || !value) {
        throw new InferenceFailedError(`decoder output present.${layer}.* missing`);
      }
      feeds[GRAPH_IO.decoder.pastKey(layer)] = take(key);
      feeds[GRAPH_IO.decoder.pastValue(layer)] = take(value);
      length = key.dims[2] ?? 0;
    }
    return new KvCache(feeds, length);
  }
}
