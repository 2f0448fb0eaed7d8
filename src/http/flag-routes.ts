/**
 * Spoof-flag routes: the public JWKS that verifies our SETs and the SSF transmitter metadata
 * (public, as receivers fetch them without credentials), and the delivery status of flags — per
 * check (checks:read) and across the tenant, e.g. the dead letters (audit:read).
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { OutboxEntry } from '../audit/outbox-entry.js';
import type { OutboxStore } from '../audit/outbox-table.js';
import { requireScope } from '../auth/auth-middleware.js';
import { NotFoundError } from '../errors.js';
import type { SetSigningKey } from '../flags/signing-key.js';
import type { AppEnv } from './app-env.js';
import { AUTH_RESPONSES } from './check-routes.js';
import { checkIdParamSchema, problemAnswer } from './schemas.js';

export interface FlagRouteOptions {
  store: OutboxStore;
  setSigningKey: SetSigningKey;
  publicUrl: string;
  /** Told when a dead letter is requeued (the server's dispatcher then tries it at once). */
  onRequeued?: () => void;
}

const flagSchema = z
  .object({
    id: z.string().openapi({ description: 'The SET jti or webhook-id: the same on every retry.' }),
    checkId: z.string(),
    channel: z.enum(['set', 'webhook']),
    destination: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('Flag');

const flagListSchema = z.object({ flags: z.array(flagSchema) }).openapi('FlagList');

function flagView(entry: OutboxEntry): z.infer<typeof flagSchema> {
  return {
    id: entry.id,
    checkId: entry.checkId,
    channel: entry.channel,
    destination: entry.destination,
    status: entry.status,
    attempts: entry.attempts,
    nextAttemptAt: entry.status === 'pending' ? entry.nextAttemptAt : null,
    lastError: entry.lastError,
    createdAt: entry.createdAt,
    deliveredAt: entry.deliveredAt,
  };
}

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'Public keys that verify the Security Event Tokens this service signs',
  responses: {
    200: {
      description: 'JWKS',
      content: {
        'application/json': {
          schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
        },
      },
    },
  },
});

const ssfConfigurationRoute = createRoute({
  method: 'get',
  path: '/.well-known/ssf-configuration',
  summary: 'Shared Signals transmitter metadata (push delivery)',
  responses: {
    200: {
      description: 'Transmitter metadata',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

const checkFlagsRoute = createRoute({
  method: 'get',
  path: '/v1/checks/{id}/flags',
  summary: 'Delivery status of the spoof flags a check raised',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { params: checkIdParamSchema },
  responses: {
    200: { description: 'Flags', content: { 'application/json': { schema: flagListSchema } } },
    ...AUTH_RESPONSES,
  },
});

const flagsRoute = createRoute({
  method: 'get',
  path: '/v1/flags',
  summary: "The tenant's spoof flags by delivery status (e.g. status=dead for the dead letters)",
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    query: z.object({
      status: z.enum(['pending', 'delivered', 'dead']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: { description: 'Flags', content: { 'application/json': { schema: flagListSchema } } },
    ...AUTH_RESPONSES,
  },
});

const retryFlagRoute = createRoute({
  method: 'post',
  path: '/v1/flags/{id}/retry',
  summary: 'Requeue a dead letter for delivery',
  description:
    'Puts one of the tenant’s dead flags back in the outbox, due now, with a fresh attempt count (the ' +
    'full backoff schedule again) and its last error kept. It keeps its id (SET jti / webhook-id), so ' +
    'a receiver that did get it before deduplicates.',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(128)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'The requeued flag.',
      content: { 'application/json': { schema: flagSchema } },
    },
    ...AUTH_RESPONSES,
    404: problemAnswer(
      'No dead letter with that id in this tenant (pending, delivered or unknown).',
    ),
  },
});

export function registerFlagRoutes(app: OpenAPIHono<AppEnv>, options: FlagRouteOptions): void {
  app.openapi(jwksRoute, (c) =>
    c.json(options.setSigningKey.jwks as { keys: Array<Record<string, unknown>> }, 200),
  );
  app.openapi(ssfConfigurationRoute, (c) =>
    c.json(
      {
        spec_version: '1_0',
        issuer: options.publicUrl,
        jwks_uri: `${options.publicUrl}/.well-known/jwks.json`,
        delivery_methods_supported: ['urn:ietf:rfc:8935'],
      },
      200,
    ),
  );

  app.on('GET', '/v1/checks/:id/flags', requireScope('checks:read'));
  app.openapi(checkFlagsRoute, async (c) => {
    const flags = await options.store.listOutbox({
      tenant: c.get('principal').tenant,
      checkId: c.req.valid('param').id,
      limit: 100,
    });
    return c.json({ flags: flags.map(flagView) }, 200);
  });

  app.use('/v1/flags', requireScope('audit:read'));
  app.openapi(flagsRoute, async (c) => {
    const { status, limit } = c.req.valid('query');
    const flags = await options.store.listOutbox({
      tenant: c.get('principal').tenant,
      limit,
      ...(status ? { status } : {}),
    });
    return c.json({ flags: flags.map(flagView) }, 200);
  });

  app.on('POST', '/v1/flags/:id/retry', requireScope('flags:write'));
  app.openapi(retryFlagRoute, async (c) => {
    const id = c.req.valid('param').id;
    const requeued = await options.store.requeueDeadOutbox(c.get('principal').tenant, id);
    if (!requeued) throw new NotFoundError(`no dead letter ${id} in this tenant`);
    options.onRequeued?.();
    return c.json(flagView(requeued), 200);
  });
}
