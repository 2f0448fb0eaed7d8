/**
 * The infer container's HTTP mode, for GPU container platforms where there is no Lambda runtime:
 * POST /invoke speaks the infer protocol behind a bearer token (compared in constant time), /healthz
 * answers without one. Requests are bounded in size; the judge given is normally a BatchingJudge
 * (one batch at a time per GPU, refusing with 503 + Retry-After when its queue is full).
 */

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secretsEqual } from '../auth/constant-time.js';
import { answerInferRequest } from '../inference/answer-infer-request.js';
import type { Judge } from '../inference/judge.js';

export interface InferHttpOptions {
  judge: Judge;
  token: string;
  maxBodyBytes: number;
}

export function inferHttpApp(options: InferHttpOptions): Hono {
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
      const answer = await answerInferRequest(options.judge, payload);
      if (!answer.ok && answer.error.code === 'QUEUE_FULL') {
        c.header('retry-after', String(answer.error.retryAfterSeconds ?? 1));
        return c.json(answer, 503);
      }
      return c.json(answer);
    },
  );
  return app;
}
