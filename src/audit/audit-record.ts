/**
 * What the audit log stores about one decision, and how it is built from a check result.
 *
 * Never the image: only its SHA-256. The subject id is stored as given or as a keyed hash
 * (HMAC-SHA-256 with a secret the auditor holds), by policy. Model name, version and package hash
 * say exactly which weights decided. The record is validated with zod before it is chained.
 */

import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { CheckResult } from '../inference/engine.js';

export const auditRecordSchema = z.object({
  checkId: z.string().min(1),
  time: z.iso.datetime(),
  tenant: z.string().min(1),
  subject: z.string().nullable(),
  subjectPolicy: z.enum(['plain', 'keyed-hash', 'absent']),
  decision: z.enum(['live', 'spoof', 'uncertain']),
  liveness: z.number().min(0).max(1).nullable(),
  threshold: z.number().min(0).max(1),
  judgment: z.enum(['live', 'spoof']).nullable(),
  rationale: z.string().nullable(),
  attackMedium: z.string().nullable(),
  qualityReason: z.string().nullable(),
  model: z.object({
    name: z.string(),
    version: z.string(),
    packageHash: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  imageSha256: z.string().regex(/^[0-9a-f]{64}$/),
  request: z.object({ requestId: z.string().nullable(), clientRequestId: z.string().nullable() }),
});

export type AuditRecord = z.infer<typeof auditRecordSchema>;

export type SubjectPolicy = { kind: 'plain' } | { kind: 'keyed-hash'; key: Buffer };

export interface AuditContext {
  checkId: string;
  tenant: string;
  subject: string | null;
  subjectPolicy: SubjectPolicy;
  requestId: string | null;
  clientRequestId: string | null;
  now?: Date;
}

export function subjectValue(subject: string | null, policy: SubjectPolicy): string | null {
  if (subject === null) {
    return null;
  }
  return policy.kind === 'plain'
    ? subject
    : createHmac('sha256', policy.key).update(subject).digest('hex');
}

/**
 * @example const record = auditRecordFor(result, imageBytes, { checkId, tenant, subject, subjectPolicy, requestId, clientRequestId: null });
 */
export function auditRecordFor(
  result: CheckResult,
  image: Uint8Array,
  context: AuditContext,
): AuditRecord {
  return auditRecordSchema.parse({
    checkId: context.checkId,
    time: (context.now ?? new Date()).toISOString(),
    tenant: context.tenant,
    subject: subjectValue(context.subject, context.subjectPolicy),
    subjectPolicy: context.subject === null ? 'absent' : context.subjectPolicy.kind,
    decision: result.decision,
    liveness: result.liveness,
    threshold: result.threshold,
    judgment: result.judgment,
    rationale: result.rationale,
    attackMedium: result.attackMedium,
    qualityReason: result.qualityReason,
    model: {
      name: result.model.name,
      version: result.model.version,
      packageHash: result.model.packageHash,
    },
    imageSha256: createHash('sha256').update(image).digest('hex'),
    request: { requestId: context.requestId, clientRequestId: context.clientRequestId },
  });
}
