/**
 * The infer container's HTTP mode, for GPU container platforms where there is no Lambda runtime:
 * POST /invoke speaks the infer protocol behind a bearer token (compared in constant time) or a
 * Google ID token (verified against Google's keys), /healthz
 * answers without one. Requests are bounded in size; the judge given is normally a BatchingJudge
 * (one batch at a time per GPU, refusing with 503 + Retry-After when its queue is full).
 */

import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { secretsEqual } from '../auth/constant-time.js';
import { AuthenticationError, PayloadTooLargeError } from '../errors.js';
import type { Judge } from '../inference/judge.js';
import { answerInferRequest } from './answer-infer-request.js';
import type { GoogleIdTokenVerifier } from './google-id-token-verifier.js';
import { type InferResponse, wireErrorOf } from './infer-protocol.js';

export type InferHttpOptions = {
  judge: Judge;
  maxBodyBytes: number;
} & (
  | {
      /** The bearer token callers must present (compared in constant time). */
      token: string;
    }
  | {
      /**
       * Google ID tokens (IFAS_INFER_AUTH=iam): verified here too, not only by Cloud Run's IAM
       * ingress, so a service deployed open by mistake still refuses strangers.
       */
      verifyIdToken: GoogleIdTokenVerifier;
    }
);

/** Whether the presented bearer credential admits the caller. */
async function admits(options: InferHttpOptions, presented: string): Promise<boolean> {
  if ('token' in options) return secretsEqual(presented, options.token);
  if (presented === '') return false;
  try {
    await options.verifyIdToken(presented);
    return true;
  } catch {
    return false;
  }
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
      if (!(await admits(options, presented))) {
        c.header('www-authenticate', 'Bearer realm="ifas-infer"');
        return refuse(
          c,
          new AuthenticationError('AUTH_INVALID', 'a valid bearer token is required'),
        );
      }
      const payload = await c.req.json().catch(() => null);
      const answer = await answerInferRequest(options.judge, payload);
      // The batching judge's refusal: the platform sees 503 and the client when to come back.
      if (!answer.ok && answer.error.code === 'QUEUE_FULL') {
        c.header('retry-after', String(answer.error.retryAfterSeconds ?? 1));
        return c.json(answer, 503);
      }
      return c.json(answer);
    },
  );
  return app;
}
