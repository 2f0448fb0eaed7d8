/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present): listens on PORT (Cloud Run and most GPU platforms set it), needs IFAS_INFER_TOKEN (or
 * IFAS_INFER_AUTH=iam behind Cloud Run's IAM ingress), and
 * on SIGTERM/SIGINT stops listening, then releases the model. Checks are batched dynamically: up
 * to IFAS_BATCH_MAX per vision+prefill run, the oldest waiting at most IFAS_BATCH_WAIT_MS;
 * IFAS_INFER_MAX_WAITING more may wait before 503 + Retry-After.
 */

import { serve } from '@hono/node-server';
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import { BatchingJudge } from '../inference/batching-judge.js';
import { inferHttpApp } from '../remote/infer-http-app.js';
import { loadInferEngine } from './infer-engine.js';

const inferContainerEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  IFAS_INFER_HOST: z.string().default('0.0.0.0'),
  // token: callers present IFAS_INFER_TOKEN; iam: Cloud Run's IAM ingress admitted them already.
  IFAS_INFER_AUTH: z.enum(['token', 'iam']).default('token'),
  IFAS_INFER_TOKEN: z.string().min(16, 'IFAS_INFER_TOKEN (16+ characters) is required').optional(),
  IFAS_BATCH_MAX: z.coerce.number().int().min(1).max(64).default(8),
  IFAS_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(4),
  IFAS_INFER_MAX_WAITING: z.coerce.number().int().min(1).default(16),
});

export async function startInferContainer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = parseEnv(
    inferContainerEnvSchema.refine((e) => e.IFAS_INFER_AUTH === 'iam' || e.IFAS_INFER_TOKEN, {
      message: 'IFAS_INFER_TOKEN (16+ characters) is required unless IFAS_INFER_AUTH=iam',
      path: ['IFAS_INFER_TOKEN'],
    }),
    'infer container configuration',
    env,
  );
  const judge = new BatchingJudge(await loadInferEngine(env), {
    maxBatch: settings.IFAS_BATCH_MAX,
    maxWaitMs: settings.IFAS_BATCH_WAIT_MS,
    maxWaiting: Math.max(settings.IFAS_INFER_MAX_WAITING, settings.IFAS_BATCH_MAX),
  });
  const server = serve(
    {
      fetch: inferHttpApp({
        judge,
        token: settings.IFAS_INFER_AUTH === 'iam' ? 'platform' : (settings.IFAS_INFER_TOKEN ?? ''),
        maxBodyBytes: 16 * 1024 * 1024,
      }).fetch,
      hostname: settings.IFAS_INFER_HOST,
      port: settings.PORT,
    },
    (info) =>
      console.log(
        JSON.stringify({
          listening: info.port,
          model: judge.model.name,
          provider: judge.model.executionProvider,
          batch: { max: settings.IFAS_BATCH_MAX, waitMs: settings.IFAS_BATCH_WAIT_MS },
        }),
      ),
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close(() => {
        judge.dispose().finally(() => process.exit(0));
      });
    });
  }
}
