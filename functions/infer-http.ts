/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present): listens on PORT (Cloud Run and most GPU platforms set it), needs IFAS_INFER_TOKEN.
 * Checks are batched dynamically: up to IFAS_BATCH_MAX per vision+prefill run, the oldest waiting
 * at most IFAS_BATCH_WAIT_MS; IFAS_INFER_MAX_WAITING more may wait before 503 + Retry-After.
 */

import { serve } from '@hono/node-server';
import { z } from 'zod';
import { BatchingJudge } from '../src/inference/batching-judge.js';
import { loadInferEngine } from '../src/lambda/infer-engine.js';
import { inferHttpApp } from '../src/lambda/infer-http-app.js';

const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    IFAS_INFER_HOST: z.string().default('0.0.0.0'),
    IFAS_INFER_TOKEN: z.string().min(16, 'IFAS_INFER_TOKEN (16+ characters) is required'),
    IFAS_BATCH_MAX: z.coerce.number().int().min(1).max(64).default(8),
    IFAS_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(4),
    IFAS_INFER_MAX_WAITING: z.coerce.number().int().min(0).default(16),
  })
  .parse(process.env);

const judge = new BatchingJudge(await loadInferEngine(), {
  maxBatch: env.IFAS_BATCH_MAX,
  maxWaitMs: env.IFAS_BATCH_WAIT_MS,
  maxWaiting: env.IFAS_INFER_MAX_WAITING,
});
const server = serve(
  {
    fetch: inferHttpApp({
      judge,
      token: env.IFAS_INFER_TOKEN,
      maxBodyBytes: 16 * 1024 * 1024,
    }).fetch,
    hostname: env.IFAS_INFER_HOST,
    port: env.PORT,
  },
  (info) =>
    console.log(
      JSON.stringify({
        listening: info.port,
        model: judge.model.name,
        provider: judge.model.executionProvider,
        batch: { max: env.IFAS_BATCH_MAX, waitMs: env.IFAS_BATCH_WAIT_MS },
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
