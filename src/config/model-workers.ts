/**
 * How the model runs in a serving process (`ifas serve`, the infer container): IFAS_WORKERS model
 * worker threads (`auto`: sized from the machine's cores; 0: in the main thread), IFAS_WORKER_THREADS
 * intra-op threads each (default: the cores divided among the workers), and each worker's dynamic
 * batching: up to IFAS_BATCH_MAX checks (default 2 on CPU, 8 on a GPU) share one vision+prefill run,
 * the oldest waiting at most IFAS_BATCH_WAIT_MS for others to join.
 */

import { z } from 'zod';
import { parseEnv } from './env.js';

/**
 * Default batch sizes. On CPU (docs/benchmarks.md, ifas-lite0, one thread per worker) a batch of 2
 * shares the per-run overhead (1.37× the checks/s of one) and larger ones only add latency: behind
 * the pool, batches of 4–8 gave the same throughput with p99 ÷ p50 rising from 1.5 to 2.3. A GPU's
 * run grows far less than linearly with the batch, so it gets 8.
 */
export const CPU_BATCH_MAX = 2;
export const GPU_BATCH_MAX = 8;

const modelWorkersEnvSchema = z.object({
  IFAS_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(0).max(256)])
    .default('auto'),
  IFAS_WORKER_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  IFAS_BATCH_MAX: z.coerce.number().int().min(1).max(64).optional(),
  IFAS_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  IFAS_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(4),
});

export interface ModelWorkerSettings {
  /** `auto`, 0 (the main thread) or a count of worker threads. */
  workers: number | 'auto';
  threadsPerWorker: number | null;
  batchMax: number;
  batchWaitMs: number;
}

export function modelWorkerSettings(env: NodeJS.ProcessEnv = process.env): ModelWorkerSettings {
  const e = parseEnv(modelWorkersEnvSchema, 'model worker configuration', env);
  return {
    workers: e.IFAS_WORKERS,
    threadsPerWorker: e.IFAS_WORKER_THREADS ?? null,
    batchMax:
      e.IFAS_BATCH_MAX ?? (e.IFAS_EXECUTION_PROVIDER === 'cpu' ? CPU_BATCH_MAX : GPU_BATCH_MAX),
    batchWaitMs: e.IFAS_BATCH_WAIT_MS,
  };
}
