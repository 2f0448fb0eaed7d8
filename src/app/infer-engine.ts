/**
 * The engine of the infer function and container, and the infer function's handler. It reads only
 * the model settings (IFAS_MODEL_DIR, IFAS_EXECUTION_PROVIDER: cpu on Lambda, cuda or auto on GPU
 * platforms, IFAS_DETECT_FACES, IFAS_MAX_PIXELS, IFAS_MODEL_VERIFY): it never touches the audit store, so it needs no
 * database or secrets.
 */

import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import { modelWorkerSettings } from '../config/model-workers.js';
import { IfasEngine } from '../inference/engine.js';
import type { Judge } from '../inference/judge.js';
import { defaultModelDir } from '../project-root.js';
import { answerInferRequest } from '../remote/answer-infer-request.js';
import type { InferResponse } from '../remote/infer-protocol.js';
import { loadLocalJudge } from './local-judge.js';

const inferEnvSchema = z.object({
  IFAS_MODEL_DIR: z.string().optional(),
  IFAS_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  IFAS_DETECT_FACES: z.enum(['true', 'false']).default('true'),
  IFAS_MAX_PIXELS: z.coerce.number().int().positive().default(40_000_000),
  IFAS_MODEL_VERIFY: z.enum(['cached', 'full']).default('cached'),
});

/**
 * The infer container's model: a worker pool sized by IFAS_WORKERS (config/model-workers.ts), each
 * worker batching; `maxWaiting` checks may wait in all batchers together before QUEUE_FULL.
 */
export async function loadInferJudge(
  env: NodeJS.ProcessEnv,
  maxWaiting: number,
  log: (line: string) => void,
): Promise<Judge> {
  const e = parseEnv(inferEnvSchema, 'infer configuration', env);
  return loadLocalJudge({
    modelDir: resolve(e.IFAS_MODEL_DIR ?? defaultModelDir()),
    executionProvider: e.IFAS_EXECUTION_PROVIDER,
    detectFaces: e.IFAS_DETECT_FACES === 'true',
    maxPixels: e.IFAS_MAX_PIXELS,
    verifyMode: e.IFAS_MODEL_VERIFY,
    workers: modelWorkerSettings(env),
    maxWaiting,
    log,
  });
}

/** The infer Lambda function's engine: one request per instance, so no pool and no batching. */
export async function loadInferEngine(env: NodeJS.ProcessEnv = process.env): Promise<IfasEngine> {
  const e = parseEnv(inferEnvSchema, 'infer configuration', env);
  return IfasEngine.load(resolve(e.IFAS_MODEL_DIR ?? defaultModelDir()), {
    executionProvider: e.IFAS_EXECUTION_PROVIDER,
    maxPixels: e.IFAS_MAX_PIXELS,
    verifyMode: e.IFAS_MODEL_VERIFY,
    ...(e.IFAS_DETECT_FACES === 'true' ? {} : { faceDetector: false as const }),
  });
}

/** The `infer` Lambda function's handler: the engine loads once per cold start. */
export async function inferFunctionHandler(): Promise<(event: unknown) => Promise<InferResponse>> {
  const engine = await loadInferEngine();
  return (event) => answerInferRequest(engine, event);
}
