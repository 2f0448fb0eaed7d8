/**
 * The model of a serving process (`ifas serve` in-process, the infer container): a pool of model
 * worker threads sized from the machine (IFAS_WORKERS, default `auto`), each batching the checks it
 * is given; or, with IFAS_WORKERS=0, one engine in the main thread behind the same batcher.
 */

import { availableParallelism } from 'node:os';
import type { ModelWorkerSettings } from '../config/model-workers.js';
import { BatchingJudge } from '../inference/batching-judge.js';
import { type EngineOptions, IfasEngine } from '../inference/engine.js';
import type { Judge } from '../inference/judge.js';
import { poolSize } from '../inference/pool-size.js';
import { EngineWorkerPool } from '../inference/worker-pool.js';
import type { VerifiedFilesCache } from '../model/verified-files-cache.js';

export interface LocalJudgeOptions {
  modelDir: string;
  executionProvider: NonNullable<EngineOptions['executionProvider']>;
  detectFaces: boolean;
  maxPixels: number;
  verifyMode: 'cached' | 'full';
  /** The process's one verified-files record (shared with the embedder), for verifyMode `cached`. */
  hashCache?: VerifiedFilesCache;
  workers: ModelWorkerSettings;
  /** Checks that may wait in all batchers together before QUEUE_FULL. */
  maxWaiting: number;
  log?: (line: string) => void;
  /** Default: os.availableParallelism(). */
  cores?: number;
}

/** The resolved worker count (0: main thread) and threads per engine, for logs and metrics. */
export function localJudgeSize(options: LocalJudgeOptions): { workers: number; threads: number } {
  const cores = options.cores ?? availableParallelism();
  const inMainThread = options.workers.workers === 0;
  const size = poolSize({
    cores,
    workers: inMainThread ? 1 : options.workers.workers,
    executionProvider: options.executionProvider,
    ...(options.workers.threadsPerWorker
      ? { threadsPerWorker: options.workers.threadsPerWorker }
      : {}),
  });
  return { workers: inMainThread ? 0 : size.workers, threads: size.threadsPerWorker };
}

export async function loadLocalJudge(options: LocalJudgeOptions): Promise<Judge> {
  const { workers, threads } = localJudgeSize(options);
  const { batchMax, batchWaitMs } = options.workers;
  const engine = {
    executionProvider: options.executionProvider,
    intraOpThreads: threads,
    maxPixels: options.maxPixels,
  };
  const perEngineWaiting = Math.max(batchMax, Math.ceil(options.maxWaiting / Math.max(1, workers)));
  const batching = { maxBatch: batchMax, maxWaitMs: batchWaitMs, maxWaiting: perEngineWaiting };
  if (workers === 0) {
    const loaded = await IfasEngine.load(options.modelDir, {
      ...engine,
      verifyMode: options.verifyMode,
      ...(options.hashCache ? { hashCache: options.hashCache } : {}),
      ...(options.detectFaces ? {} : { faceDetector: false as const }),
    });
    return new BatchingJudge(loaded, batching);
  }
  return EngineWorkerPool.start({
    modelDir: options.modelDir,
    workers,
    engine: {
      ...engine,
      verifyMode: options.verifyMode,
      ...(options.hashCache ? { hashCache: options.hashCache } : {}),
    },
    detectFaces: options.detectFaces,
    batching,
    ...(options.log ? { log: options.log } : {}),
  });
}
