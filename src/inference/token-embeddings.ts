/**
 * Token embeddings through the embed_tokens graph, with a bounded cache of rows.
 *
 * Rationales reuse a small vocabulary, so caching rows saves one graph call per generated token
 * without holding a real-size embedding matrix (32k × 2048 floats) in memory.
 */

import { GRAPH_IO } from '../model/manifest.js';
import { int64Tensor, type OnnxSession } from '../runtime/onnx.js';

export class TokenEmbeddings {
  private readonly rows = new Map<number, Float32Array>();

  constructor(
    private readonly session: OnnxSession,
    private readonly hiddenSize: number,
    private readonly maxCachedRows = 4096,
  ) {}

  /** Embeds a sequence in one call → (ids.length × hiddenSize) floats. */
  async embed(ids: readonly number[]): Promise<Float32Array> {
    if (ids.length === 0) {
      return new Float32Array(0);
    }
    const input = int64Tensor(
      BigInt64Array.from(ids, (id) => BigInt(id)),
      [1, ids.length],
    );
    const outputs = await this.session.run({ [GRAPH_IO.embed.input]: input });
    return outputs[GRAPH_IO.embed.output]?.data as Float32Array;
  }

  /** One token's row, cached. */
  async row(id: number): Promise<Float32Array> {
    const cached = this.rows.get(id);
    if (cached) {
      return cached;
    }
    const row = (await this.embed([id])).slice(0, this.hiddenSize);
    if (this.rows.size >= this.maxCachedRows) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) {
        this.rows.delete(oldest);
      }
    }
    this.rows.set(id, row);
    return row;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
