/**
 * The only module that imports onnxruntime-node.
 *
 * It creates InferenceSessions with the chosen execution provider and thread count, checks feeds against
 * the graph's declared inputs before every run, and turns ORT failures into typed errors that carry
 * input names, types and shapes (never tensor contents). It knows nothing about I-FAS.
 */

import * as ort from 'onnxruntime-node';
import { InferenceFailedError, ModelPackageError } from '../errors.js';

export type Tensor = ort.Tensor;

/** `auto` tries CUDA and falls back to CPU when the CUDA provider libraries are not installed. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'auto';

export interface SessionOptions {
  executionProvider: ExecutionProvider;
  /** Threads for one operator; undefined lets onnxruntime use every core. */
  intraOpThreads?: number | undefined;
  /**
   * Let pool threads spin between runs (onnxruntime's default). Off by default: every session owns a
   * pool, and spinning pools steal the cores that other sessions and sharp need.
   */
  allowSpinning?: boolean | undefined;
}

export interface InputMetadata {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** A tensor with no elements (an empty KV cache); float16 data is raw Uint16 bits, as Node 20 has no Float16Array. */
export function emptyTensor(type: 'float32' | 'float16', dims: readonly number[]): Tensor {
  return type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(0), dims)
    : new ort.Tensor('float32', new Float32Array(0), dims);
}

/** Row `row` of a tensor batched on its first dimension, copied, same type (float32 or float16 bits). */
export function batchRow(tensor: Tensor, row: number): Tensor {
  const [batch = 1, ...rest] = tensor.dims;
  const size = (tensor.data as Float32Array | Uint16Array).length / batch;
  const data = (tensor.data as Float32Array | Uint16Array).slice(row * size, (row + 1) * size);
  return tensor.type === 'float16'
    ? new ort.Tensor('float16', data as Uint16Array, [1, ...rest])
    : new ort.Tensor('float32', data as Float32Array, [1, ...rest]);
}

export function int64Tensor(data: BigInt64Array, dims: readonly number[]): Tensor {
  return new ort.Tensor('int64', data, dims);
}

export class OnnxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly provider: 'cpu' | 'cuda',
  ) {}

  /**
   * Loads one graph.
   * @example const vision = await OnnxSession.create('models/x/vision_encoder.onnx', { executionProvider: 'cpu' });
   */
  static async create(file: string, options: SessionOptions): Promise<OnnxSession> {
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads === undefined
        ? {}
        : { intraOpNumThreads: options.intraOpThreads }),
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
      executionMode: 'sequential',
    };
    if (options.executionProvider !== 'cpu') {
      try {
        const quiet = options.executionProvider === 'auto' ? { logSeverityLevel: 4 as const } : {};
        const session = await ort.InferenceSession.create(file, {
          ...base,
          ...quiet,
          executionProviders: ['cuda'],
        });
        return new OnnxSession(session, file, 'cuda');
      } catch (error) {
        if (options.executionProvider === 'cuda') {
          throw new ModelPackageError(
            'MODEL_LOAD_FAILED',
            'CUDA execution provider unavailable (install onnxruntime-node with its CUDA binaries)',
            { cause: error, details: { file } },
          );
        }
      }
    }
    try {
      const session = await ort.InferenceSession.create(file, {
        ...base,
        executionProviders: ['cpu'],
      });
      return new OnnxSession(session, file, 'cpu');
    } catch (error) {
      throw new ModelPackageError('MODEL_LOAD_FAILED', `onnxruntime could not load ${file}`, {
        cause: error,
        details: { file },
      });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  get inputMetadata(): InputMetadata[] {
    return this.session.inputMetadata.map((meta) => ({
      name: meta.name,
      type: meta.isTensor ? meta.type : 'non-tensor',
      shape: meta.isTensor ? meta.shape : [],
    }));
  }

  /**
   * Runs the graph; every declared input must be fed. `outputs` names the outputs to fetch (default:
   * all); the benchmark uses it to price fetching the cache against the graph itself.
   */
  async run(
    feeds: Record<string, Tensor>,
    outputs?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    const missing = this.session.inputNames.filter((name) => !(name in feeds));
    if (missing.length > 0) {
      throw new InferenceFailedError(`missing graph inputs: ${missing.join(', ')}`, {
        details: { file: this.file, missing },
      });
    }
    try {
      return await (outputs === undefined
        ? this.session.run(feeds)
        : this.session.run(feeds, [...outputs]));
    } catch (error) {
      const shapes = Object.fromEntries(
        Object.entries(feeds).map(([name, tensor]) => [
          name,
          `${tensor.type}[${tensor.dims.join(',')}]`,
        ]),
      );
      throw new InferenceFailedError(`onnxruntime failed on ${this.file}`, {
        cause: error,
        details: { file: this.file, inputs: shapes },
      });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
