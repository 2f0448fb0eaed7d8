/**
 * How many model workers to run and how many intra-op threads each gets, from the machine's cores:
 * on CPU one worker per core with one thread each by default (a check's graphs are short enough that
 * a worker per core beats a thread pool per check under load, and no two pools fight over a core); on
 * a GPU one worker that owns the device (batching shares it) with every core for its CPU-side work.
 * Explicit settings win, but never beyond the cores: workers × threads ≤ cores.
 */

import { ConfigError } from '../errors.js';
import type { ExecutionProvider } from '../runtime/onnx.js';

export interface PoolSize {
  workers: number;
  threadsPerWorker: number;
}

export interface PoolSizeRequest {
  /** os.availableParallelism() of the machine (or the container's CPU quota). */
  cores: number;
  /** `auto` (default) or an explicit count. */
  workers?: number | 'auto';
  /** Intra-op threads per worker; default: the cores divided among the workers. */
  threadsPerWorker?: number;
  executionProvider?: ExecutionProvider;
}

export function poolSize(request: PoolSizeRequest): PoolSize {
  const cores = Math.max(1, Math.floor(request.cores));
  const onCpu = (request.executionProvider ?? 'cpu') === 'cpu';
  const workers =
    request.workers === undefined || request.workers === 'auto'
      ? onCpu
        ? Math.max(1, Math.floor(cores / (request.threadsPerWorker ?? 1)))
        : 1
      : request.workers;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ConfigError(`model workers must be a whole number ≥ 1, not ${workers}`);
  }
  const threadsPerWorker = request.threadsPerWorker ?? Math.max(1, Math.floor(cores / workers));
  if (workers * threadsPerWorker > cores) {
    throw new ConfigError(
      `${workers} model workers × ${threadsPerWorker} threads exceed the ${cores} cores; lower IFAS_WORKERS or IFAS_WORKER_THREADS`,
    );
  }
  return { workers, threadsPerWorker };
}
