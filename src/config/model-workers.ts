/**
 * How the model runs in a serving process (`ifas serve`, the infer container): IFAS_WORKERS model
 * worker threads (`auto`: sized from the machine's cores; 0: in the main thread), IFAS_WORKER_THREADS
 * intra-op threads each (default: the cores divided among the workers), and each worker's dynamic
 * batching: up to IFAS_BATCH_MAX checks share one vision+prefill run, the oldest waiting at most
 * IFAS_BATCH_WAIT_MS for others to join.
 */

import { z } from 'zod';
import { parseEnv } from './env.js';

const modelWorkersEnvSchema = z.object({
  IFAS_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(0).max(256)])
    .default('auto'),
  IFAS_WORKER_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  IFAS_BATCH_MAX: z.coerce.number().int().min(1).max(64).default(8),
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
    batchMax: e.IFAS_BATCH_MAX,
    batchWaitMs: e.IFAS_BATCH_WAIT_MS,
  };
}
