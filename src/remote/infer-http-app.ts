/**
 * The infer container's HTTP mode, for GPU container platforms where there is no Lambda runtime:
 * POST /invoke speaks the infer protocol behind a bearer token (compared in constant time), /healthz
 * answers without one. Requests are bounded in size and run one at a time per GPU.
 */

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secretsEqual } from '../auth/constant-time.js';
import { InferenceQueue } from '../inference/inference-queue.js';
import type { Judge } from '../inference/judge.js';
import { answerInferRequest } from './answer-infer-request.js';

export interface InferHttpOptions {
  judge: Judge;
  token: string;
  maxBodyBytes: number;
  maxWaiting: number;
}

export function inferHttpApp(options: InferHttpOptions): Hono {
  const queue = new InferenceQueue({ concurrency: 1, maxWaiting: options.maxWaiting });
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true, model: options.judge.model }));
  app.post(
    '/invoke',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) =>
        c.json(
          {
            ok: false,
            error: { code: 'INPUT_TOO_LARGE', status: 413, message: 'the request is too large' },
          },
          413,
        ),
    }),
    async (c) => {
      const presented = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!secretsEqual(presented, options.token)) {
        c.header('www-authenticate', 'Bearer realm="ifas-infer"');
        return c.json(
          {
            ok: false,
            error: {
              code: 'AUTH_INVALID',
              status: 401,
              message: 'a valid bearer token is required',
            },
          },
          401,
        );
      }
      const payload = await c.req.json().catch(() => null);
      try {
        return c.json(await queue.run(() => answerInferRequest(options.judge, payload)));
      } catch {
        c.header('retry-after', String(queue.retryAfterSeconds()));
        return c.json(
          { ok: false, error: { code: 'QUEUE_FULL', status: 503, message: 'busy; retry later' } },
          503,
        );
      }
    },
  );
  return app;
}
