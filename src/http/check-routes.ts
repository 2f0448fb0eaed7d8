/**
 * POST /v1/checks (multipart or JSON; plain JSON answer or a Server-Sent Events stream of the
 * rationale) and GET /v1/checks/{id}. Handlers only translate HTTP to the CheckService and back.
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { StoredRecord } from '../audit/audit-store.js';
import { mediaTypeOf } from '../audit/image-vault.js';
import { requireScope } from '../auth/auth-middleware.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import type { StageTimings } from '../inference/check-result.js';
import type { CheckRequest, CheckService } from '../service/check-service.js';
import type { AppEnv } from './app-env.js';
import { boundedBody } from './bounded-body.js';
import { problemFor } from './problem.js';
import {
  checkIdParamSchema,
  checkSchema,
  checkViewOf,
  idempotencyKeyHeaderSchema,
  jsonCheckRequestSchema,
  multipartCheckRequestSchema,
  problemAnswer,
} from './schemas.js';

export interface CheckRouteOptions {
  checks: CheckService;
  maxBodyBytes: number;
  maxImageBytes: number;
}

export const AUTH_RESPONSES = {
  401: problemAnswer(
    'No credential, or a wrong, expired or revoked one (WWW-Authenticate says which).',
  ),
  403: problemAnswer('The credential lacks the scope this route needs.'),
} as const;

const postCheck = createRoute({
  method: 'post',
  path: '/v1/checks',
  summary: 'Check a face image for presentation attacks',
  description:
    'Runs the I-FAS model on one image and records the decision in the audit log before answering. ' +
    'Send `Accept: text/event-stream` to stream the rationale: events `judged` (the decision, not yet ' +
    'recorded), `rationale` (text deltas) and `check` (the recorded check: the acknowledgement), or `error`.',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    headers: idempotencyKeyHeaderSchema,
    // Not marked required: zod-openapi would then run every content type's validator on every body.
    body: {
      content: {
        'multipart/form-data': { schema: multipartCheckRequestSchema },
        'application/json': { schema: jsonCheckRequestSchema },
      },
    },
  },
  responses: {
    201: {
      description: 'A new decision, recorded.',
      content: {
        'application/json': { schema: checkSchema },
        'text/event-stream': { schema: checkSchema },
      },
    },
    200: {
      description:
        'The decision already recorded for this client request id (Idempotent-Replayed: true).',
      content: { 'application/json': { schema: checkSchema } },
    },
    ...AUTH_RESPONSES,
    409: problemAnswer('The client request id was used before with a different image.'),
    413: problemAnswer('Body or image over the size limit.'),
    415: problemAnswer('Neither multipart/form-data nor application/json.'),
    422: problemAnswer('The image cannot be decoded, or a field is invalid.'),
    503: problemAnswer('The inference queue is full (Retry-After) or the model is not loaded.'),
    504: problemAnswer('The request time limit passed before the model could run.'),
  },
});

const getCheck = createRoute({
  method: 'get',
  path: '/v1/checks/{id}',
  summary: 'Read a recorded check',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { params: checkIdParamSchema },
  responses: {
    200: {
      description: 'The check as recorded.',
      content: { 'application/json': { schema: checkSchema } },
    },
    ...AUTH_RESPONSES,
    404: problemAnswer('No such check for this tenant.'),
  },
});

const getCheckImage = createRoute({
  method: 'get',
  path: '/v1/checks/{id}/image',
  summary: 'Read the retained image of a check (only with opt-in encrypted retention)',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { params: checkIdParamSchema },
  responses: {
    200: {
      description: 'The image as it was submitted.',
      content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...AUTH_RESPONSES,
    404: problemAnswer(
      'No retained image: retention is off, expired, or no such check for this tenant.',
    ),
  },
});

interface CheckInput {
  image: Uint8Array;
  subject?: string | undefined;
  clientRequestId?: string | undefined;
  explain: CheckRequest['explain'];
}

export function registerCheckRoutes(app: OpenAPIHono<AppEnv>, options: CheckRouteOptions): void {
  const { checks } = options;
  // Every check answer says whether the tenant requires a reference match, so a guard over HTTP
  // applies the service's policy rather than guessing it.
  const viewOf = (stored: StoredRecord, timings?: StageTimings) => ({
    ...checkViewOf(stored, timings),
    referenceRequired: checks.references?.requireReference(stored.record.tenant) ?? false,
  });
  app.use('/v1/checks', boundedBody(options.maxBodyBytes));
  app.on('POST', '/v1/checks', requireScope('checks:write'));
  app.on('GET', '/v1/checks/:id', requireScope('checks:read'));
  app.on('GET', '/v1/checks/:id/image', requireScope('images:read'));

  app.openapi(postCheck, async (c) => {
    const contentType = c.req.header('content-type') ?? '';
    let input: CheckInput;
    if (/^multipart\/form-data/i.test(contentType)) {
      const form = c.req.valid('form');
      if (!(form.image instanceof File)) {
        throw new ValidationError('image must be a file part, not a text field');
      }
      input = { ...form, image: new Uint8Array(await form.image.arrayBuffer()) };
    } else if (/^application\/json/i.test(contentType)) {
      const json = c.req.valid('json');
      input = { ...json, image: Buffer.from(String(json.image), 'base64') };
    } else {
      throw new UnsupportedMediaTypeError('send multipart/form-data or application/json');
    }
    if (input.image.byteLength > options.maxImageBytes) {
      throw new PayloadTooLargeError(`the image is over ${options.maxImageBytes} bytes`);
    }
    const principal = c.get('principal');
    const request: CheckRequest = {
      tenant: principal.tenant,
      image: input.image,
      subject: input.subject ?? null,
      clientRequestId: input.clientRequestId ?? c.req.valid('header')['idempotency-key'] ?? null,
      explain: input.explain,
      caller: principal.caller,
      requestId: c.get('requestId'),
      userAgent: c.req.header('user-agent') ?? null,
    };

    if (!(c.req.header('accept') ?? '').includes('text/event-stream')) {
      const outcome = await checks.submit(request);
      if (!outcome.created) c.header('idempotent-replayed', 'true');
      c.header('location', `/v1/checks/${outcome.stored.record.checkId}`);
      const view = viewOf(outcome.stored, outcome.result?.timings);
      return outcome.created ? c.json(view, 201) : c.json(view, 200);
    }

    return streamSSE(c, async (stream) => {
      // Callbacks fire synchronously inside the engine; chaining keeps the events in order.
      let sent: Promise<void> = Promise.resolve();
      const send = (event: string, data: unknown): void => {
        sent = sent.then(() => stream.writeSSE({ event, data: JSON.stringify(data) }));
      };
      try {
        const outcome = await checks.submit({
          ...request,
          onJudged: (judged) => send('judged', { ...judged, recorded: false }),
          onText: (text) => send('rationale', { text }),
        });
        send('check', {
          ...viewOf(outcome.stored, outcome.result?.timings),
          replayed: !outcome.created,
        });
      } catch (error) {
        send('error', problemFor(error, c.get('requestId')).problem);
      }
      await sent;
    });
  });

  app.openapi(getCheck, async (c) => {
    const stored = await checks.find(c.get('principal').tenant, c.req.valid('param').id);
    return c.json(viewOf(stored), 200);
  });

  app.openapi(getCheckImage, async (c) => {
    const image = await checks.retainedImage(c.get('principal').tenant, c.req.valid('param').id);
    return c.body(new Uint8Array(image.bytes), 200, {
      'content-type': mediaTypeOf(image.format),
      'cache-control': 'no-store',
    }) as never;
  });
}
