/**
 * The API's request and response shapes, in zod with OpenAPI metadata: the same schemas validate
 * requests at the edge and generate /openapi.json, so the document cannot drift from the code.
 */

import { z } from '@hono/zod-openapi';
import type { StoredRecord } from '../audit/audit-store.js';
import { faceMatchSchema } from '../face/face-match.js';
import {
  DECISIONS,
  EXPLAIN_MODES,
  JUDGMENTS,
  type StageTimings,
} from '../inference/check-result.js';

export const explainSchema = z
  .enum(EXPLAIN_MODES)
  .default('auto')
  .openapi({ description: 'auto: a rationale when the decision is spoof or uncertain.' });

const clientRequestIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .openapi({ description: 'Idempotency key: the same id returns the same decision.' });

export const subjectSchema = z.string().min(1).max(256).openapi({
  description: 'Your id for the person; stored as given or as a keyed hash, by policy.',
});

export const jsonCheckRequestSchema = z
  .object({
    image: z.base64().openapi({ description: 'JPEG, PNG or WebP bytes, base64.' }),
    subject: subjectSchema.optional(),
    clientRequestId: clientRequestIdSchema.optional(),
    explain: explainSchema,
  })
  .openapi('JsonCheckRequest');

export const multipartCheckRequestSchema = z
  .object({
    image: z.instanceof(File).openapi({ type: 'string', format: 'binary' }),
    subject: subjectSchema.optional(),
    clientRequestId: clientRequestIdSchema.optional(),
    explain: explainSchema,
  })
  .openapi('MultipartCheckRequest');

export const idempotencyKeyHeaderSchema = z.object({
  'idempotency-key': clientRequestIdSchema.optional(),
});

const modelSchema = z
  .object({ name: z.string(), version: z.string(), packageHash: z.string() })
  .openapi('ModelRef');

export const checkSchema = z
  .object({
    id: z.string().openapi({ example: 'chk_3q2Yb0mW8k1nT5rVfX9z' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    decision: z.enum(DECISIONS),
    liveness: z.number().nullable().openapi({ description: 'P(real), null when not judged.' }),
    threshold: z.number(),
    judgment: z.enum(JUDGMENTS).nullable(),
    rationale: z.string().nullable(),
    rationaleSource: z.enum(['model', 'quality-gate', 'session']).nullable(),
    attackMedium: z.string().nullable(),
    qualityReason: z.string().nullable(),
    subject: z
      .string()
      .nullable()
      .openapi({ description: 'As stored (a keyed hash under that policy).' }),
    clientRequestId: z.string().nullable(),
    model: modelSchema,
    audit: z.object({ seq: z.number().int(), hash: z.string() }),
    imageRetainedUntil: z
      .string()
      .nullable()
      .openapi({ description: 'Only with opt-in encrypted retention: when the image is deleted.' }),
    match: faceMatchSchema.optional().openapi({
      description:
        'Present when the subject has an enrolled reference face: cosine similarity of this face to it, the threshold, and whether it matched. A login passes only when live and matched.',
    }),
    referenceRequired: z.boolean().optional().openapi({
      description:
        'The tenant’s policy (IFAS_IDENTITY requireReference): a login with this check passes only when `match.matched`; without an enrolled reference it fails. Guards over HTTP enforce it from here.',
    }),
    timings: z
      .record(z.string(), z.number())
      .optional()
      .openapi({ description: 'Per-stage milliseconds, when the model ran for this request.' }),
  })
  .openapi('Check');

export type CheckView = z.infer<typeof checkSchema>;

export function checkViewOf(stored: StoredRecord, timings?: StageTimings): CheckView {
  const r = stored.record;
  return {
    id: r.checkId,
    createdAt: r.time,
    decision: r.decision,
    liveness: r.liveness,
    threshold: r.threshold,
    judgment: r.judgment,
    rationale: r.rationale,
    rationaleSource: r.rationaleSource,
    attackMedium: r.attackMedium,
    qualityReason: r.qualityReason,
    subject: r.subject,
    clientRequestId: r.request.clientRequestId,
    model: r.model,
    audit: { seq: stored.seq, hash: stored.hash },
    imageRetainedUntil: r.imageRetainedUntil,
    ...(r.match ? { match: r.match } : {}),
    ...(timings ? { timings: { ...timings } } : {}),
  };
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'INPUT_NOT_AN_IMAGE' }),
    instance: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem');

/** An OpenAPI response that is a problem+json document. */
export const problemAnswer = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

export const checkIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const isoDate = z.iso.datetime({ offset: true });

export const auditQuerySchema = z
  .object({
    from: isoDate.optional().openapi({ description: 'Records at or after this time.' }),
    to: isoDate.optional().openapi({ description: 'Records before this time.' }),
    subject: z.string().min(1).max(256).optional(),
    decision: z.enum(DECISIONS).optional(),
    attackMedium: z.string().min(1).max(64).optional(),
    modelVersion: z.string().min(1).max(64).optional(),
    checkId: z.string().min(1).max(64).optional().openapi({ description: 'One check’s record.' }),
    session: z.string().min(1).max(64).optional().openapi({
      description:
        'A liveness session’s own decision records (one per attempt); each lists its frames’ check ids.',
    }),
    cursor: z
      .string()
      .regex(/^\d+$/)
      .optional()
      .openapi({ description: 'nextCursor of the previous page.' }),
    order: z.enum(['asc', 'desc']).default('asc').openapi({
      description:
        'json pages: asc = chain order (oldest first), desc = newest first. Exports are always in chain order.',
    }),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    format: z.enum(['json', 'ndjson', 'csv']).default('json').openapi({
      description: 'json: one page; ndjson and csv: every matching record, streamed.',
    }),
  })
  // An inverted range is a mistake, not an empty result.
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['to'],
  });

export const auditEntrySchema = z
  .object({
    seq: z.number().int(),
    prevHash: z.string(),
    hash: z.string(),
    record: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const auditPageSchema = z
  .object({ records: z.array(auditEntrySchema), nextCursor: z.string().nullable() })
  .openapi('AuditPage');

const checkpointSchema = z.record(z.string(), z.unknown()).nullable();

export const latestCheckpointsSchema = z
  .object({
    tenant: z.string(),
    purge: checkpointSchema,
    head: checkpointSchema,
    anchored: checkpointSchema,
  })
  .openapi('LatestCheckpoints');

export const verifySchema = z
  .object({
    tenant: z.string(),
    ok: z.boolean(),
    checked: z.number().int(),
    firstBreak: z
      .object({ seq: z.number().int().nullable(), reason: z.string() })
      .nullable()
      .openapi({ description: 'The first broken link, if any.' }),
    checkpoint: z.record(z.string(), z.unknown()).nullable(),
    checkpointAuthentic: z.boolean().nullable(),
    newestCommitment: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'The newest signed head checkpoint the chain was checked against.' }),
  })
  .openapi('ChainVerdict');
