/**
 * Bounded greedy decoding over the decoder graph with a key/value cache.
 *
 * One step = embed the last token → decoder(inputs_embeds, attention_mask, position_ids, past) →
 * argmax of the last logits. The loop stops at EOS, at `maxNewTokens`, at the deadline (returning
 * what it has, with the reason) or when the AbortSignal fires (throwing). It works on token ids only;
 * text and streaming are the caller's business through `onToken`.
 */

import { InferenceAbortedError } from '../errors.js';
import { GRAPH_IO, type Manifest } from '../model/manifest.js';
import { float32Tensor, int64Tensor, type OnnxSession, type Tensor } from '../runtime/onnx.js';
import { KvCache } from './kv-cache.js';

export type StopReason = 'eos' | 'max_tokens' | 'time_limit' | 'context_full';

export interface DecoderGraphs {
  decoder: OnnxSession;
  /** Token id → embedding row (d floats). */
  embedToken(id: number): Promise<Float32Array>;
  manifest: Manifest;
}

export interface GreedyOptions {
  maxNewTokens: number;
  /** EOS is ignored until this many tokens exist (benchmarks compare fixed-length runs). */
  minNewTokens?: number;
  deadline: number;
  signal?: AbortSignal | undefined;
  onToken?: ((id: number) => void) | undefined;
}

export interface DecoderStepResult {
  logits: Float32Array;
  cache: KvCache;
}

/** Index of the largest value in row `row` of a (rows, width) matrix. */
export function argmaxRow(values: Float32Array, row: number, width: number): number {
  const start = row * width;
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < width; index++) {
    const value = values[start + index] ?? Number.NEGATIVE_INFINITY;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/** Runs the decoder on `length` new embeddings after `cache`, returning last-position logits and the cache. */
export async function decoderStep(
  graphs: DecoderGraphs,
  embeds: Float32Array,
  length: number,
  cache: KvCache,
): Promise<DecoderStepResult> {
  const { hiddenSize, vocabSize, layers } = graphs.manifest.decoder;
  const total = cache.length + length;
  const positions = new BigInt64Array(length);
  for (let index = 0; index < length; index++) {
    positions[index] = BigInt(cache.length + index);
  }
  const feeds: Record<string, Tensor> = {
    ...cache.feeds,
    [GRAPH_IO.decoder.inputsEmbeds]: float32Tensor(embeds, [1, length, hiddenSize]),
    [GRAPH_IO.decoder.attentionMask]: int64Tensor(new BigInt64Array(total).fill(1n), [1, total]),
    [GRAPH_IO.decoder.positionIds]: int64Tensor(positions, [1, length]),
  };
  const outputs = await graphs.decoder.run(feeds);
  const logits = outputs[GRAPH_IO.decoder.logits]?.data as Float32Array;
  const lastRow = logits.subarray((length - 1) * vocabSize, length * vocabSize);
  return { logits: lastRow, cache: KvCache.fromPresent(outputs, layers) };
}

/**
 * Greedily continues from `firstToken`, which the caller already chose (the judgment word).
 * Returns the generated ids after `firstToken` and why decoding stopped.
 */
export async function greedyContinue(
  graphs: DecoderGraphs,
  firstToken: number,
  cache: KvCache,
  options: GreedyOptions,
): Promise<{ tokens: number[]; stopReason: StopReason }> {
  const { eosTokenId, maxPositions, vocabSize } = graphs.manifest.decoder;
  const tokens: number[] = [];
  let current = firstToken;
  let state = cache;
  while (true) {
    if (options.signal?.aborted) {
      throw new InferenceAbortedError('rationale generation aborted', {
        cause: options.signal.reason,
      });
    }
    if (tokens.length >= options.maxNewTokens) {
      return { tokens, stopReason: 'max_tokens' };
    }
    if (state.length + 1 > maxPositions) {
      return { tokens, stopReason: 'context_full' };
    }
    if (performance.now() > options.deadline) {
      return { tokens, stopReason: 'time_limit' };
    }
    // 1. feed the current token; 2. take the argmax; 3. stop at EOS unless below the minimum.
    const step = await decoderStep(graphs, await graphs.embedToken(current), 1, state);
    state = step.cache;
    let next = argmaxRow(step.logits, 0, vocabSize);
    if (next === eosTokenId && tokens.length < (options.minNewTokens ?? 0)) {
      step.logits[eosTokenId] = Number.NEGATIVE_INFINITY;
      next = argmaxRow(step.logits, 0, vocabSize);
    }
    if (next === eosTokenId) {
      return { tokens, stopReason: 'eos' };
    }
    tokens.push(next);
    options.onToken?.(next);
    current = next;
  }
}
