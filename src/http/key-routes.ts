/**
 * GET /v1/keys (keys:read): the caller's tenant's API keys as the operator console lists them — id,
 * name, scopes, dates and state. Never the secret, nor its hash: a listing must not help anyone
 * guess or recognise a key. Issuing, rotating and revoking stay with the `ifas keys` CLI.
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiKeyStore } from '../audit/api-key-table.js';
import { keyState } from '../auth/api-keys.js';
import { requireScope } from '../auth/auth-middleware.js';
import type { AppEnv } from './app-env.js';
import { AUTH_RESPONSES } from './check-routes.js';

export interface KeyRouteOptions {
  keys: ApiKeyStore;
}

const apiKeySchema = z
  .object({
    id: z.string().openapi({ description: 'The public id part of `ifas_<id>_<secret>`.' }),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().openapi({ description: 'Set by rotation (grace period).' }),
    revokedAt: z.string().nullable(),
    state: z.enum(['active', 'expiring', 'expired', 'revoked']),
  })
  .openapi('ApiKey');

const listKeys = createRoute({
  method: 'get',
  path: '/v1/keys',
  summary: "The tenant's API keys, without secrets",
  security: [{ apiKey: [] }, { bearer: [] }],
  responses: {
    200: {
      description: 'Keys in order of creation.',
      content: { 'application/json': { schema: z.object({ keys: z.array(apiKeySchema) }) } },
    },
    ...AUTH_RESPONSES,
  },
});

export function registerKeyRoutes(app: OpenAPIHono<AppEnv>, options: KeyRouteOptions): void {
  app.use('/v1/keys', requireScope('keys:read'));
  app.openapi(listKeys, async (c) => {
    const now = new Date();
    const rows = await options.keys.listApiKeys(c.get('principal').tenant);
    const keys = rows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      state: keyState(row, now),
    }));
    return c.json({ keys }, 200);
  });
}
