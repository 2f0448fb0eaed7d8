/**
 * Liveness sessions over HTTP. A tenant's backend creates a session (API key or JWT, sessions:write)
 * and reads it back (sessions:read); the browser posts frames to /v1/sessions/{id}/captures with the
 * session's capture token as its only credential, from this service's capture page or from an
 * origin the tenant allowed (CORS, exact origins, no wildcard). The capture answer is passed, retry
 * or failed — never the score or the rationale, which would coach an attacker.
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { requireScope } from '../auth/auth-middleware.js';
import {
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import {
  MAX_FRAMES,
  PREVIEW_MAX_BYTES,
  PREVIEW_MAX_PIXELS,
  type SessionService,
} from '../sessions/session-service.js';
import type { AppEnv } from './app-env.js';
import { boundedBody } from './bounded-body.js';
import { AUTH_RESPONSES } from './check-routes.js';
import { problemAnswer } from './schemas.js';
import {
  captureAnswerSchema,
  createdSessionSchema,
  createSessionRequestSchema,
  jsonCaptureRequestSchema,
  multipartCaptureRequestSchema,
  previewAnswerSchema,
  previewRequestSchema,
  redeemSessionRequestSchema,
  redemptionSchema,
  sessionIdParamSchema,
  sessionSchema,
} from './session-schemas.js';

export interface SessionRouteOptions {
  sessions: SessionService;
  maxBodyBytes: number;
  maxImageBytes: number;
  /** How long after its decision a session can still be redeemed. */
  maxRedeemAgeSeconds: number;
}

const CAPTURE_PATH = /^\/v1\/sessions\/[^/]+\/(captures|preview)$/;

/** The capture and preview routes authenticate by the capture token itself, not by an API key or JWT. */
export function isCapturePath(path: string): boolean {
  return CAPTURE_PATH.test(path);
}

const createSession = createRoute({
  method: 'post',
  path: '/v1/sessions',
  summary: 'Create a liveness session for one login',
  description:
    'Returns a capture URL for the browser (the capture token rides in its fragment) and the token itself ' +
    'for hosts that embed <ifas-capture>. The token opens only this session’s capture route.',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    body: {
      content: { 'application/json': { schema: createSessionRequestSchema } },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'The session.',
      content: { 'application/json': { schema: createdSessionSchema } },
    },
    ...AUTH_RESPONSES,
    422: problemAnswer('A field is invalid.'),
  },
});

const getSession = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}',
  summary: 'Read a liveness session: its status, decision, score and rationale',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { params: sessionIdParamSchema },
  responses: {
    200: {
      description: 'The session.',
      content: { 'application/json': { schema: sessionSchema } },
    },
    ...AUTH_RESPONSES,
    404: problemAnswer('No such session for this tenant.'),
  },
});

const redeemSession = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/redemption',
  summary: 'Redeem a judged session at login (single use, same subject)',
  description:
    'What the guard and identity-provider hooks do: mark the session used and return it, if it belongs to ' +
    'this tenant and subject, was judged, and was judged recently. Allow the login only on decision live.',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    params: sessionIdParamSchema,
    body: {
      content: { 'application/json': { schema: redeemSessionRequestSchema } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Redeemed, or why not.',
      content: { 'application/json': { schema: redemptionSchema } },
    },
    ...AUTH_RESPONSES,
  },
});

const postCapture = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/captures',
  summary: 'Send an attempt’s frames (authenticated by the capture token only)',
  description:
    `1–${MAX_FRAMES} frames taken over about a second, as multipart \`image\` parts or JSON base64. Every frame ` +
    'is judged and audited, the frames are compared with each other (static_frames) and with the tenant’s ' +
    'earlier captures (replayed_capture), and the attempt’s decision is stored before the answer.',
  security: [{ captureToken: [] }],
  request: {
    params: sessionIdParamSchema,
    body: {
      content: {
        'multipart/form-data': { schema: multipartCaptureRequestSchema },
        'application/json': { schema: jsonCaptureRequestSchema },
      },
    },
  },
  responses: {
    200: {
      description: 'The attempt’s outcome.',
      content: { 'application/json': { schema: captureAnswerSchema } },
    },
    401: problemAnswer('No capture token, a wrong one, or one already used.'),
    404: problemAnswer('No such session.'),
    410: problemAnswer('SESSION_EXPIRED or SESSION_EXHAUSTED.'),
    413: problemAnswer('Body or a frame over the size limit.'),
    415: problemAnswer('Neither multipart/form-data nor application/json.'),
    422: problemAnswer(`No frames, more than ${MAX_FRAMES}, or a frame that is not an image.`),
  },
});

const postPreview = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/preview',
  summary: 'Live hints before an attempt: face detection and capture quality on one small frame',
  description:
    'Authenticated by the capture token only. One downscaled frame (multipart `image`, at most ' +
    `${PREVIEW_MAX_BYTES} bytes and ${PREVIEW_MAX_PIXELS} pixels) and the width the attempt's frames will have ` +
    '(`captureWidth`, default 640). Runs the face detector and the capture-quality gates only: no liveness, ' +
    'no score, nothing recorded, no attempt spent. At most one every 400 ms per session (429 RATE_LIMITED ' +
    'with Retry-After). `unavailable` where this deployment runs no face detector in the API process.',
  security: [{ captureToken: [] }],
  request: {
    params: sessionIdParamSchema,
    body: { content: { 'multipart/form-data': { schema: previewRequestSchema } } },
  },
  responses: {
    200: {
      description: 'The hint.',
      content: { 'application/json': { schema: previewAnswerSchema } },
    },
    401: problemAnswer('No capture token, a wrong one, or one already used.'),
    404: problemAnswer('No such session.'),
    410: problemAnswer('SESSION_EXPIRED or SESSION_EXHAUSTED.'),
    413: problemAnswer('The frame is over the size limit.'),
    422: problemAnswer('No frame, or not an image.'),
    429: problemAnswer('RATE_LIMITED: previews of this session are too frequent.'),
  },
});

function bearerToken(c: Context<AppEnv>): string | null {
  const match = /^Bearer +([^\s]+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return match?.[1] ?? null;
}

async function framesOf(c: Context<AppEnv>, maxImageBytes: number): Promise<Uint8Array[]> {
  const contentType = c.req.header('content-type') ?? '';
  let frames: Uint8Array[];
  if (/^multipart\/form-data/i.test(contentType)) {
    const form = await c.req.formData();
    const parts = form.getAll('image');
    if (parts.some((part) => !(part instanceof File))) {
      throw new ValidationError('every image part must be a file, not a text field');
    }
    frames = await Promise.all(
      (parts as File[]).map(async (part) => new Uint8Array(await part.arrayBuffer())),
    );
  } else if (/^application\/json/i.test(contentType)) {
    const parsed = jsonCaptureRequestSchema.safeParse(await c.req.json());
    if (!parsed.success) {
      const tooMany = parsed.error.issues.some((issue) => issue.code === 'too_big');
      throw new ValidationError(
        tooMany ? `send at most ${MAX_FRAMES} frames` : 'send {"frames": [base64 image, …]}',
      );
    }
    frames = parsed.data.frames.map((frame) => Buffer.from(frame, 'base64'));
  } else {
    throw new UnsupportedMediaTypeError('send multipart/form-data or application/json');
  }
  if (frames.length < 1 || frames.length > MAX_FRAMES) {
    throw new ValidationError(`send 1 to ${MAX_FRAMES} frames, not ${frames.length}`);
  }
  if (frames.some((frame) => frame.byteLength > maxImageBytes)) {
    throw new PayloadTooLargeError(`a frame is over ${maxImageBytes} bytes`);
  }
  return frames;
}

export function registerSessionRoutes(
  app: OpenAPIHono<AppEnv>,
  options: SessionRouteOptions,
): void {
  const { sessions } = options;
  app.openAPIRegistry.registerComponent('securitySchemes', 'captureToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'The capture token of POST /v1/sessions: valid for that session’s captures and nothing else.',
  });
  app.use('/v1/sessions/*', boundedBody(options.maxBodyBytes));
  app.on('POST', '/v1/sessions', requireScope('sessions:write'));
  app.on('POST', '/v1/sessions/:id/redemption', requireScope('sessions:write'));
  app.on('GET', '/v1/sessions/:id', requireScope('sessions:read'));

  // The tenant's allowed origins may post captures and previews; anything else gets no grant (the
  // page on this service's own origin needs none).
  const tenantOrigins = cors({
    origin: async (origin, c) =>
      (await sessions.originAllowed(c.req.param('id') ?? '', origin)) ? origin : null,
    allowMethods: ['POST'],
    allowHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });
  app.use('/v1/sessions/:id/captures', tenantOrigins);
  app.use('/v1/sessions/:id/preview', tenantOrigins);
  // A preview is one small frame: its own, much lower body bound (the frame, the form's framing).
  app.use('/v1/sessions/:id/preview', boundedBody(PREVIEW_MAX_BYTES + 4096));

  app.openapi(createSession, async (c) => {
    const principal = c.get('principal');
    const created = await sessions.create(
      { tenant: principal.tenant, createdBy: `${principal.caller.kind}:${principal.caller.id}` },
      c.req.valid('json'),
    );
    c.header('location', `/v1/sessions/${created.id}`);
    c.header('cache-control', 'no-store');
    return c.json(created, 201);
  });

  app.openapi(getSession, async (c) => {
    const view = await sessions.view(c.get('principal').tenant, c.req.valid('param').id);
    return c.json(view, 200);
  });

  app.openapi(redeemSession, async (c) => {
    const principal = c.get('principal');
    const redemption = await sessions.redeem({
      tenant: principal.tenant,
      sessionId: c.req.valid('param').id,
      subject: c.req.valid('json').subject,
      maxAgeSeconds: options.maxRedeemAgeSeconds,
      usedBy: `${principal.caller.kind}:${principal.caller.id}`,
    });
    const { referenceRequired } = redemption;
    return c.json(
      redemption.ok
        ? { redeemed: true, reason: null, session: redemption.session, referenceRequired }
        : { redeemed: false, reason: redemption.reason, session: null, referenceRequired },
      200,
    );
  });

  app.openAPIRegistry.registerPath(postPreview);
  app.post('/v1/sessions/:id/preview', async (c: Context<AppEnv>) => {
    const parsedId = sessionIdParamSchema.shape.id.safeParse(c.req.param('id'));
    if (!parsedId.success) throw new NotFoundError('no such session');
    const token = bearerToken(c);
    await sessions.authorizeCapture(parsedId.data, token);
    const form = await c.req.formData().catch(() => {
      throw new UnsupportedMediaTypeError('send multipart/form-data with one image part');
    });
    const image = form.get('image');
    if (!(image instanceof File)) throw new ValidationError('send one image part');
    if (image.size > PREVIEW_MAX_BYTES) {
      throw new PayloadTooLargeError(`a preview frame is at most ${PREVIEW_MAX_BYTES} bytes`);
    }
    const width = previewRequestSchema.shape.captureWidth.safeParse(
      form.get('captureWidth') ?? undefined,
    );
    if (!width.success) throw new ValidationError('captureWidth must be an integer, 1 to 4096');
    const answer = await sessions.preview(
      parsedId.data,
      token,
      new Uint8Array(await image.arrayBuffer()),
      width.data,
    );
    c.header('cache-control', 'no-store');
    return c.json(z.parse(previewAnswerSchema, answer), 200);
  });

  // A plain handler: the token is checked before the body is read, and 413/422 are ours to order.
  app.openAPIRegistry.registerPath(postCapture);
  app.post('/v1/sessions/:id/captures', async (c: Context<AppEnv>) => {
    const parsedId = sessionIdParamSchema.shape.id.safeParse(c.req.param('id'));
    if (!parsedId.success) throw new NotFoundError('no such session');
    const id = parsedId.data;
    const token = bearerToken(c);
    await sessions.authorizeCapture(id, token);
    const frames = await framesOf(c, options.maxImageBytes);
    const answer = await sessions.capture(id, token, frames, {
      requestId: c.get('requestId'),
      userAgent: c.req.header('user-agent') ?? null,
    });
    c.header('cache-control', 'no-store');
    return c.json(z.parse(captureAnswerSchema, answer), 200);
  });
}
