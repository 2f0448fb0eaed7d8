/**
 * The Hono application: request ids, metrics, the authentication hook on everything but health, the
 * routes, the OpenAPI document and docs page, and the one error handler that maps every failure to
 * application/problem+json. It takes its collaborators ready-made, so the same app runs under
 * @hono/node-server, in tests through app.request(), and on Lambda through hono/aws-lambda.
 */

import type { KeyObject } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AnchorSource } from '../audit/anchor-sink.js';
import type { ApiKeyStore } from '../audit/api-key-table.js';
import type { AuditLog } from '../audit/audit-store.js';
import type { ReplayGuard } from '../audit/hook-deliveries.js';
import type { OutboxStore } from '../audit/outbox-table.js';
import { authenticate } from '../auth/auth-middleware.js';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import type { HookConfig } from '../config/hook-config.js';
import {
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import type { SetSigningKey } from '../flags/signing-key.js';
import type { HookDecider } from '../hooks/hook-decider.js';
import type { FaceReferences } from '../identity/face-references.js';
import type { CheckService } from '../service/check-service.js';
import type { ModelSlot } from '../service/model-slot.js';
import type { ServiceMetrics } from '../service/service-metrics.js';
import type { SessionService } from '../sessions/session-service.js';
import type { AppEnv } from './app-env.js';
import { registerAuditRoutes } from './audit-routes.js';
import { isCapturePagePath, registerCapturePage } from './capture-page-routes.js';
import { registerCheckRoutes } from './check-routes.js';
import { isConsolePagePath, registerConsolePage } from './console-page-routes.js';
import { renderDocsPage } from './docs-page.js';
import { registerFlagRoutes } from './flag-routes.js';
import { registerHookRoutes } from './hook-routes.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerOpsRoutes } from './ops-routes.js';
import { problemResponse } from './problem.js';
import { isCapturePath, registerSessionRoutes } from './session-routes.js';
import { registerSubjectRoutes } from './subject-routes.js';

export interface AppDependencies {
  /** The roles the routes use: the log, API keys (auth), the outbox (flags), the replay guard (hooks). */
  store: AuditLog & ApiKeyStore & OutboxStore & ReplayGuard;
  checks: CheckService;
  model: ModelSlot;
  metrics: ServiceMetrics;
  checkpointPublicKey: KeyObject;
  /** Where the newest anchored checkpoint of each chain is read back from, for verification. */
  anchors?: AnchorSource;
  hooks: { config: HookConfig; decider: HookDecider };
  /** Liveness sessions and the capture page. */
  sessions: SessionService;
  setSigningKey: SetSigningKey;
  /** The SET issuer and base of the published JWKS. */
  publicUrl: string;
  verifyJwt?: JwtVerifier;
  limits: { maxBodyBytes: number; maxImageBytes: number };
  /** Serve /openapi.json and /docs without a credential. */
  publicDocs: boolean;
  /** Enrolled reference faces (IFAS_REFERENCE_KEY); absent: the subject routes answer 404. */
  references?: FaceReferences;
  /** Called when a dead letter is requeued, so a running dispatcher tries it at once. */
  onFlagRequeued?: () => void;
  /** Where unexpected errors go (never with request bodies or credentials). */
  logError?: (message: string, error: unknown) => void;
}

const PUBLIC_PATHS = new Set([
  '/healthz',
  '/readyz',
  '/.well-known/jwks.json',
  '/.well-known/ssf-configuration',
]);
const DOC_PATHS = new Set(['/openapi.json', '/docs']);

export const API_INFO = {
  title: 'ifas-guard',
  version: '0.1.0',
  description:
    'Interpretable face anti-spoofing: a liveness decision with a rationale, recorded in a hash-chained audit log.',
};

function fromHonoException(error: HTTPException): unknown {
  switch (error.status) {
    case 400:
      return new MalformedRequestError(error.message || 'the request body cannot be parsed');
    case 413:
      return new PayloadTooLargeError(error.message || 'the body is too large');
    case 415:
      return new UnsupportedMediaTypeError('send multipart/form-data or application/json');
    default:
      return error;
  }
}

export function createApp(deps: AppDependencies): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        }));
        throw new ValidationError(
          `invalid request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
          { details: { issues } },
        );
      }
    },
  });
  const logError = deps.logError ?? ((message, error) => console.error(message, error));

  app.use(requestId());
  app.use(secureHeaders());
  app.use(async function measureRequest(c, next) {
    const started = performance.now();
    await next();
    deps.metrics.observeRequest(
      c.req.method,
      c.req.routePath,
      c.res.status,
      (performance.now() - started) / 1000,
    );
  });

  // Load shedding before any work: while the model's queue is full, or when the declared body is
  // over the limit, a check is refused before its credential is verified or its body read (a flood
  // of checks then costs a header parse each). Neither answer tells an unauthenticated caller more
  // than the public limits and "busy".
  app.use('/v1/checks', async function shedBeforeWork(c, next) {
    if (c.req.method === 'POST') {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > deps.limits.maxBodyBytes) {
        throw new PayloadTooLargeError(`the body is over ${deps.limits.maxBodyBytes} bytes`);
      }
      const refusal = deps.checks.admissionRefusal();
      if (refusal) {
        throw refusal;
      }
    }
    return next();
  });

  const auth = authenticate<AppEnv>({
    store: deps.store,
    ...(deps.verifyJwt ? { verifyJwt: deps.verifyJwt } : {}),
  });
  app.use(async function authenticateUnlessPublic(c, next) {
    // Hooks authenticate by their signature (hook-routes.ts), not by a bearer credential.
    const signedHook = c.req.path.startsWith('/v1/hooks/');
    // Captures authenticate by their session's capture token; the capture page and its assets are public.
    if (
      signedHook ||
      isCapturePath(c.req.path) ||
      isCapturePagePath(c.req.path) ||
      // The console page and its bundles hold nothing; its API calls carry the operator's credential.
      isConsolePagePath(c.req.path) ||
      PUBLIC_PATHS.has(c.req.path) ||
      (deps.publicDocs && DOC_PATHS.has(c.req.path))
    ) {
      return next();
    }
    return auth(c, next);
  });

  registerOpsRoutes(app, { model: deps.model, store: deps.store, metrics: deps.metrics });
  registerCheckRoutes(app, { checks: deps.checks, ...deps.limits });
  registerSubjectRoutes(app, { checks: deps.checks, references: deps.references, ...deps.limits });
  registerHookRoutes(app, {
    config: deps.hooks.config,
    decider: deps.hooks.decider,
    store: deps.store,
    maxBodyBytes: deps.limits.maxBodyBytes,
  });
  registerFlagRoutes(app, {
    store: deps.store,
    setSigningKey: deps.setSigningKey,
    publicUrl: deps.publicUrl,
    ...(deps.onFlagRequeued ? { onRequeued: deps.onFlagRequeued } : {}),
  });
  registerSessionRoutes(app, {
    sessions: deps.sessions,
    ...deps.limits,
    maxRedeemAgeSeconds: deps.hooks.config.maxCheckAgeSeconds,
  });
  registerCapturePage(app, { sessions: deps.sessions });
  registerAuditRoutes(app, {
    store: deps.store,
    checks: deps.checks,
    checkpointPublicKey: deps.checkpointPublicKey,
    ...(deps.anchors ? { anchors: deps.anchors } : {}),
  });
  registerKeyRoutes(app, { keys: deps.store });
  registerConsolePage(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description:
      'An ifas API key (`ifas_<id>_<secret>`); also accepted as `Authorization: Bearer`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT from the configured identity provider, verified against its JWKS.',
  });
  const document = () => app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO });
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) =>
    c.html(renderDocsPage(document() as unknown as Parameters<typeof renderDocsPage>[0])),
  );

  app.notFound((c) =>
    problemResponse(
      new NotFoundError(`no route ${c.req.method} ${c.req.path}`),
      c.get('requestId'),
    ),
  );
  app.onError((error, c) => {
    // Hono's own refusals (broken bodies, media types its validators reject) join the problem scheme.
    const mapped = error instanceof HTTPException ? fromHonoException(error) : error;
    if (mapped instanceof HTTPException) return mapped.getResponse();
    const response = problemResponse(mapped, c.get('requestId'));
    if (response.status === 500) {
      logError(`request ${c.get('requestId')} failed`, error);
    }
    return response;
  });
  return app;
}
