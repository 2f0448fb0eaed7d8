/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present): listens on PORT (Cloud Run and most GPU platforms set it) and authenticates callers with
 * IFAS_INFER_TOKEN, or with IFAS_INFER_AUTH=iam by verifying their Google ID tokens itself (audience
 * IFAS_INFER_AUDIENCE, the service URL; optionally only the service accounts in
 * IFAS_INFER_ALLOWED_EMAILS; keys from IFAS_INFER_JWKS_URL, default Google's). The model runs in
 * IFAS_WORKERS worker threads (config/model-workers.ts: `auto` sizes them from the cores; one on a
 * GPU), each batching dynamically: up to IFAS_BATCH_MAX per vision+prefill run, the oldest waiting at
 * most IFAS_BATCH_WAIT_MS; IFAS_INFER_MAX_WAITING more may wait before 503 + Retry-After.
 * On SIGTERM/SIGINT it stops listening, lets the checks in flight finish, then releases the model.
 */

import { serve } from '@hono/node-server';
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import { modelWorkerSettings } from '../config/model-workers.js';
import { GOOGLE_JWKS_URL, googleIdTokenVerifier } from '../remote/google-id-token-verifier.js';
import { inferHttpApp } from '../remote/infer-http-app.js';
import { loadInferJudge } from './infer-engine.js';

const inferContainerEnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    IFAS_INFER_HOST: z.string().default('0.0.0.0'),
    // token: callers present IFAS_INFER_TOKEN; iam: callers present Google ID tokens (checked here).
    IFAS_INFER_AUTH: z.enum(['token', 'iam']).default('token'),
    IFAS_INFER_TOKEN: z
      .string()
      .min(16, 'IFAS_INFER_TOKEN (16+ characters) is required')
      .optional(),
    // Empty counts as unset: the Cloud Run template fills it only for iam.
    IFAS_INFER_AUDIENCE: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    IFAS_INFER_ALLOWED_EMAILS: z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((email) => email.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.email()))
      .optional(),
    IFAS_INFER_JWKS_URL: z.url().default(GOOGLE_JWKS_URL),
    IFAS_INFER_MAX_WAITING: z.coerce.number().int().min(1).default(16),
  })
  .refine((e) => e.IFAS_INFER_AUTH === 'iam' || e.IFAS_INFER_TOKEN, {
    message: 'IFAS_INFER_TOKEN (16+ characters) is required unless IFAS_INFER_AUTH=iam',
    path: ['IFAS_INFER_TOKEN'],
  })
  .refine((e) => e.IFAS_INFER_AUTH !== 'iam' || e.IFAS_INFER_AUDIENCE, {
    message:
      'IFAS_INFER_AUTH=iam needs IFAS_INFER_AUDIENCE (the service URL the ID tokens are for)',
    path: ['IFAS_INFER_AUDIENCE'],
  });

export interface RunningInferContainer {
  url: string;
  stop(): Promise<void>;
}

/** Starts the container's server; `handleSignals: false` leaves shutdown to the caller (tests). */
export async function startInferContainer(
  env: NodeJS.ProcessEnv = process.env,
  options: { handleSignals?: boolean; log?: (line: string) => void } = {},
): Promise<RunningInferContainer> {
  const settings = parseEnv(inferContainerEnvSchema, 'infer container configuration', env);
  const workers = modelWorkerSettings(env);
  const log = options.log ?? ((line: string) => console.log(line));
  const judge = await loadInferJudge(env, settings.IFAS_INFER_MAX_WAITING, log);
  const auth =
    settings.IFAS_INFER_AUTH === 'iam'
      ? {
          verifyIdToken: googleIdTokenVerifier({
            audience: settings.IFAS_INFER_AUDIENCE ?? '',
            allowedEmails: settings.IFAS_INFER_ALLOWED_EMAILS ?? [],
            jwksUrl: settings.IFAS_INFER_JWKS_URL,
          }),
        }
      : { token: settings.IFAS_INFER_TOKEN ?? '' };
  const app = inferHttpApp({ judge, maxBodyBytes: 16 * 1024 * 1024, ...auth });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const server = serve(
        { fetch: app.fetch, hostname: settings.IFAS_INFER_HOST, port: settings.PORT },
        (info) => resolve({ server, port: info.port }),
      );
    },
  );
  log(
    JSON.stringify({
      listening: port,
      model: judge.model.name,
      provider: judge.model.executionProvider,
      auth: settings.IFAS_INFER_AUTH,
      workers: workers.workers,
      batch: { max: workers.batchMax, waitMs: workers.batchWaitMs },
    }),
  );
  const host = settings.IFAS_INFER_HOST.includes(':')
    ? `[${settings.IFAS_INFER_HOST}]`
    : settings.IFAS_INFER_HOST;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() =>
      judge.dispose(),
    );
    return stopping;
  };
  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        stop().finally(() => process.exit(0));
      });
    }
  }
  return { url: `http://${host}:${port}`, stop };
}
