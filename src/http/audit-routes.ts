/**
 * GET /v1/audit (filters, cursor pages as JSON, or the whole selection streamed as NDJSON or CSV),
 * GET /v1/audit/verify (recomputes the caller's chain) and GET /v1/audit/checkpoints/latest (the
 * signed checkpoints a verifier outside the service needs). Everything is scoped to the caller's
 * tenant.
 */

import type { KeyObject } from 'node:crypto';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { AnchorSource } from '../audit/anchor-sink.js';
import { csvHeader, csvLine, ndjsonLine } from '../audit/audit-export.js';
import { allMatching } from '../audit/audit-queries.js';
import type { AuditLog, AuditQuery } from '../audit/audit-store.js';
import { requireScope } from '../auth/auth-middleware.js';
import type { CheckService } from '../service/check-service.js';
import type { AppEnv } from './app-env.js';
import { AUTH_RESPONSES } from './check-routes.js';
import {
  auditPageSchema,
  auditQuerySchema,
  latestCheckpointsSchema,
  verifySchema,
} from './schemas.js';

export interface AuditRouteOptions {
  store: AuditLog;
  checks: CheckService;
  checkpointPublicKey: KeyObject;
  anchors?: AnchorSource;
}

const listAudit = createRoute({
  method: 'get',
  path: '/v1/audit',
  summary: 'Query the audit log',
  description:
    "Records of the caller's tenant in chain order. `format=json` returns one page and a `nextCursor`; " +
    '`ndjson` and `csv` stream every matching record (an export).',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { query: auditQuerySchema },
  responses: {
    200: {
      description: 'A page of records, or the export.',
      content: {
        'application/json': { schema: auditPageSchema },
        'application/x-ndjson': { schema: { type: 'string' } },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    ...AUTH_RESPONSES,
  },
});

const verifyAudit = createRoute({
  method: 'get',
  path: '/v1/audit/verify',
  summary: 'Verify the hash chain of the audit log',
  description:
    'Recomputes every link from the latest purge checkpoint (or genesis), checks the filter columns ' +
    'against the hashed records and the chain against every signed head checkpoint (including the ' +
    'newest one anchored outside the database), and reports the first break.',
  security: [{ apiKey: [] }, { bearer: [] }],
  responses: {
    200: { description: 'The verdict.', content: { 'application/json': { schema: verifySchema } } },
    ...AUTH_RESPONSES,
  },
});

const latestCheckpoints = createRoute({
  method: 'get',
  path: '/v1/audit/checkpoints/latest',
  summary: "The newest signed checkpoints of the caller's chain",
  description:
    'The newest purge checkpoint (where the stored chain starts), the newest head checkpoint in the ' +
    'database and the newest one anchored outside it, each Ed25519-signed over RFC 8785 canonical JSON ' +
    '(see the audit log section of the documentation), so anyone with the public key can check them.',
  security: [{ apiKey: [] }, { bearer: [] }],
  responses: {
    200: {
      description: 'The checkpoints (null where there is none).',
      content: { 'application/json': { schema: latestCheckpointsSchema } },
    },
    ...AUTH_RESPONSES,
  },
});

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, options: AuditRouteOptions): void {
  app.use('/v1/audit', requireScope('audit:read'));
  app.use('/v1/audit/verify', requireScope('audit:read'));
  app.use('/v1/audit/checkpoints/*', requireScope('audit:read'));

  app.openapi(latestCheckpoints, async (c) => {
    const tenant = c.get('principal').tenant;
    const [purge, head, anchored] = await Promise.all([
      options.store.latestCheckpoint(tenant),
      options.store.latestHeadCheckpoint(tenant),
      options.anchors?.newest(tenant) ?? null,
    ]);
    const plain = (cp: unknown) => cp as Record<string, unknown> | null;
    return c.json(
      { tenant, purge: plain(purge), head: plain(head), anchored: plain(anchored) },
      200,
    );
  });

  app.openapi(listAudit, async (c) => {
    const q = c.req.valid('query');
    const tenant = c.get('principal').tenant;
    const subjects =
      q.subject === undefined ? undefined : options.checks.subjectsForQuery(q.subject, tenant);
    const query: AuditQuery = {
      tenant,
      limit: q.limit,
      afterSeq: q.cursor === undefined ? 0 : Number(q.cursor),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      ...(subjects ? { subjects } : {}),
      ...(q.decision ? { decision: q.decision } : {}),
      ...(q.attackMedium ? { attackMedium: q.attackMedium } : {}),
      ...(q.modelVersion ? { modelVersion: q.modelVersion } : {}),
      ...(q.checkId ? { checkId: q.checkId } : {}),
      ...(q.session ? { sessionId: q.session } : {}),
    };
    if (q.format === 'json') {
      const newestFirst = q.order === 'desc';
      const records = await options.store.query(
        newestFirst
          ? {
              ...query,
              newestFirst,
              ...(q.cursor === undefined ? {} : { beforeSeq: Number(q.cursor) }),
            }
          : query,
      );
      const last = records[records.length - 1];
      const nextCursor = last && records.length === q.limit ? String(last.seq) : null;
      return c.json(
        { records: records as unknown as Array<Record<string, unknown>> as never, nextCursor },
        200,
      );
    }
    const csv = q.format === 'csv';
    c.header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header(
      'content-disposition',
      `attachment; filename="audit-${tenant}.${csv ? 'csv' : 'ndjson'}"`,
    );
    return stream(c, async (out) => {
      if (csv) await out.write(csvHeader());
      for await (const entry of allMatching(options.store, query)) {
        await out.write(csv ? csvLine(entry) : ndjsonLine(entry));
      }
    });
  });

  app.openapi(verifyAudit, async (c) => {
    const tenant = c.get('principal').tenant;
    const verdict = await options.store.verify(
      tenant,
      options.checkpointPublicKey,
      await options.anchors?.newest(tenant),
    );
    return c.json(
      {
        tenant: verdict.tenant,
        ok: verdict.ok,
        checked: verdict.checked,
        firstBreak: verdict.firstBreak,
        checkpoint: verdict.checkpoint as unknown as Record<string, unknown> | null,
        checkpointAuthentic: verdict.checkpointAuthentic,
        newestCommitment: verdict.newestCommitment as unknown as Record<string, unknown> | null,
      },
      200,
    );
  });
}
