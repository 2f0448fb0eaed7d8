/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present): listens on PORT (Cloud Run and most GPU platforms set it), needs IFAS_INFER_TOKEN, and
 * on SIGTERM/SIGINT stops listening, then releases the model.
 */

import { serve } from '@hono/node-server';
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import { inferHttpApp } from '../remote/infer-http-app.js';
import { loadInferEngine } from './infer-engine.js';

const inferContainerEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  IFAS_INFER_HOST: z.string().default('0.0.0.0'),
  IFAS_INFER_TOKEN: z.string().min(16, 'IFAS_INFER_TOKEN (16+ characters) is required'),
  IFAS_INFER_MAX_WAITING: z.coerce.number().int().min(0).default(8),
});

export async function startInferContainer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = parseEnv(inferContainerEnvSchema, 'infer container configuration', env);
  const judge = await loadInferEngine(env);
  const server = serve(
    {
      fetch: inferHttpApp({
        judge,
        token: settings.IFAS_INFER_TOKEN,
        maxBodyBytes: 16 * 1024 * 1024,
        maxWaiting: settings.IFAS_INFER_MAX_WAITING,
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
