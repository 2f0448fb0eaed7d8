/**
 * A liveness session's own decision, as a record of the hash-chained audit log: one per attempt,
 * appended before the client hears the answer. Its frames are ordinary check records (listed in
 * `session.frameCheckIds`); this record adds what only the session knows — the defences that fired
 * (replayed_capture, static_frames), whether the frames agreed, what the client was told and, for an
 * enrol session, what became of the reference face. Its id is `<session id>.<attempt>`, so the audit
 * query finds a session's records by session id.
 */

import { createHash } from 'node:crypto';
import {
  type AuditRecord,
  auditRecordSchema,
  type SubjectPolicy,
  storedPolicyOf,
} from '../audit/audit-record.js';
import type { SessionEnrolment, SessionRow } from './session-store.js';
import type { AttemptVerdict } from './session-verdict.js';

export function sessionRecordId(sessionId: string, attempt: number): string {
  return `${sessionId}.${attempt}`;
}

/** SHA-256 over the frames' SHA-256s (hex, one per line): the record commits to the exact frames. */
export function framesDigest(frameSha256: readonly string[]): string {
  return createHash('sha256').update(frameSha256.join('\n')).digest('hex');
}

export interface SessionRecordInput {
  session: SessionRow;
  attempt: number;
  /** The frames' audited checks, in order (at least one). */
  frames: readonly AuditRecord[];
  frameSha256: readonly string[];
  verdict: AttemptVerdict;
  clientStatus: AttemptVerdict['client']['status'];
  enrolment: SessionEnrolment | null;
  subjectPolicy: SubjectPolicy;
  request: { requestId: string | null; userAgent: string | null };
  now: Date;
}

export function sessionDecisionRecord(input: SessionRecordInput): AuditRecord {
  const { session, verdict, frames } = input;
  const first = frames[0];
  if (!first) throw new TypeError('a session decision needs at least one judged frame');
  return auditRecordSchema.parse({
    checkId: sessionRecordId(session.id, input.attempt),
    time: input.now.toISOString(),
    tenant: session.tenant,
    // The session keeps its subject in the stored form already (as given, or the tenant's keyed hash).
    subject: session.subject,
    subjectPolicy: storedPolicyOf(input.subjectPolicy),
    decision: verdict.decision,
    liveness: verdict.liveness,
    threshold: first.threshold,
    judgment: null,
    rationale: verdict.rationale,
    rationaleSource: 'session',
    rationaleStopReason: null,
    explain: 'always',
    attackMedium: verdict.attackMedium,
    qualityReason: frames.find((frame) => frame.qualityReason !== null)?.qualityReason ?? null,
    model: first.model,
    imageSha256: framesDigest(input.frameSha256),
    imageRetainedUntil: null,
    ...(verdict.match ? { match: verdict.match } : {}),
    session: {
      id: session.id,
      attempt: input.attempt,
      purpose: session.purpose,
      final: verdict.final,
      clientStatus: input.clientStatus,
      reasons: verdict.reasons,
      frameCheckIds: frames.map((frame) => frame.checkId),
      ...(session.purpose === 'enrol' ? { enrolment: input.enrolment } : {}),
    },
    request: {
      requestId: input.request.requestId,
      clientRequestId: null,
      caller: { kind: 'session', id: session.id },
      userAgent: input.request.userAgent?.slice(0, 256) ?? null,
    },
  });
}
