/**
 * The infer container's HTTP mode, for GPU container platforms where there is no Lambda runtime:
 * POST /invoke speaks the infer protocol behind a bearer token (compared in constant time), /healthz
 * answers without one. Requests are bounded in size and run one at a time per GPU.
 */

import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { secretsEqual } from '../auth/constant-time.js';
import { AuthenticationError, PayloadTooLargeError, QueueFullError } from '../errors.js';
import { InferenceQueue } from '../inference/inference-queue.js';
import type { Judge } from '../inference/judge.js';
import { answerInferRequest } from './answer-infer-request.js';
import { type InferResponse, wireErrorOf } from './infer-protocol.js';

export interface InferHttpOptions {
  judge: Judge;
  token: string;
  maxBodyBytes: number;
  maxWaiting: number;
}

/** An infer-protocol error answer with the error's own HTTP status. */
function refuse(c: Context, error: unknown): Response {
  const wire = wireErrorOf(error);
  return c.json(
    { ok: false, error: wire } satisfies InferResponse,
    wire.status as ContentfulStatusCode,
  );
}

export function inferHttpApp(options: InferHttpOptions): Hono {
  const queue = new InferenceQueue({ concurrency: 1, maxWaiting: options.maxWaiting });
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true, model: options.judge.model }));
  app.post(
    '/invoke',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => refuse(c, new PayloadTooLargeError('the request is too large')),
    }),
    async (c) => {
      const presented = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!secretsEqual(presented, options.token)) {
        c.header('www-authenticate', 'Bearer realm="ifas-infer"');
        return refuse(
          c,
          new AuthenticationError('AUTH_INVALID', 'a valid bearer token is required'),
        );
      }
      const payload = await c.req.json().catch(() => null);
      try {
        return c.json(await queue.run(() => answerInferRequest(options.judge, payload)));
      } catch (error) {
        // answerInferRequest answers every failure itself; what reaches here is the queue's refusal.
        if (error instanceof QueueFullError)
          c.header('retry-after', String(error.retryAfterSeconds));
        return refuse(c, error);
      }
    },
  );
  return app;
}
