/**
 * Operations routes: /healthz (process up, public), /readyz (model loaded and store reachable,
 * public), /metrics (Prometheus text, metrics:read scope).
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuditLog } from '../audit/audit-store.js';
import { requireScope } from '../auth/auth-middleware.js';
import type { ModelSlot } from '../service/model-slot.js';
import type { ServiceMetrics } from '../service/service-metrics.js';
import type { AppEnv } from './app-env.js';
import { AUTH_RESPONSES } from './check-routes.js';

export interface OpsRouteOptions {
  model: ModelSlot;
  store: AuditLog;
  metrics: ServiceMetrics;
}

const readinessSchema = z
  .object({
    ready: z.boolean(),
    model: z.object({
      state: z.enum(['loading', 'ready', 'failed']),
      name: z.string().optional(),
      version: z.string().optional(),
      status: z.string().optional(),
      executionProvider: z.string().optional(),
      error: z.string().optional(),
    }),
    store: z.object({ kind: z.string(), reachable: z.boolean() }),
  })
  .openapi('Readiness');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness of the process',
  responses: {
    200: {
      description: 'Up.',
      content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } },
    },
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: the model is loaded and the audit store answers',
  responses: {
    200: { description: 'Ready.', content: { 'application/json': { schema: readinessSchema } } },
    503: {
      description: 'Not ready.',
      content: { 'application/json': { schema: readinessSchema } },
    },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  security: [{ apiKey: [] }, { bearer: [] }],
  responses: {
    200: {
      description: 'Prometheus text format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...AUTH_RESPONSES,
  },
});

export function registerOpsRoutes(app: OpenAPIHono<AppEnv>, options: OpsRouteOptions): void {
  app.openapi(healthz, (c) => c.json({ ok: true }, 200));

  app.openapi(readyz, async (c) => {
    const model = options.model.status;
    const reachable = await options.store.tenants().then(
      () => true,
      () => false,
    );
    const body = {
      ready: model.state === 'ready' && reachable,
      model:
        model.state === 'ready'
          ? {
              state: model.state,
              name: model.engine.model.name,
              version: model.engine.model.version,
              status: model.engine.model.status,
              executionProvider: model.engine.model.executionProvider,
            }
          : model.state === 'failed'
            ? { state: model.state, error: model.error.message }
            : { state: model.state },
      store: { kind: options.store.kind, reachable },
    };
    return body.ready ? c.json(body, 200) : c.json(body, 503);
  });

  app.use('/metrics', requireScope('metrics:read'));
  app.openapi(metricsRoute, async (c) => {
    const text = await options.metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': options.metrics.registry.contentType });
  });
}
