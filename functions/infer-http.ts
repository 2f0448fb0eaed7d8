/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present): listens on PORT (Cloud Run and most GPU platforms set it), needs IFAS_INFER_TOKEN.
 */

import { serve } from '@hono/node-server';
import { z } from 'zod';
import { loadInferEngine } from '../src/app/infer-engine.js';
import { inferHttpApp } from '../src/remote/infer-http-app.js';

const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    IFAS_INFER_HOST: z.string().default('0.0.0.0'),
    IFAS_INFER_TOKEN: z.string().min(16, 'IFAS_INFER_TOKEN (16+ characters) is required'),
    IFAS_INFER_MAX_WAITING: z.coerce.number().int().min(0).default(8),
  })
  .parse(process.env);

const judge = await loadInferEngine();
const server = serve(
  {
    fetch: inferHttpApp({
      judge,
      token: env.IFAS_INFER_TOKEN,
      maxBodyBytes: 16 * 1024 * 1024,
      maxWaiting: env.IFAS_INFER_MAX_WAITING,
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
