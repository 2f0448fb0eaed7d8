/**
 * Security Event Tokens (RFC 8417) for a spoof flag: the claims are fixed when the flag is queued
 * (so `jti` and `iat` never change across retries) and signed with jose at delivery, with header
 * `typ: secevent+jwt`. One logical event per SET: CAEP risk-level-change by default, Okta's
 * user-risk-change for Okta ITP, or a configured custom event type.
 */

import { SignJWT } from 'jose';
import type { AuditRecord } from '../audit/audit-record.js';
import {
  CAEP_RISK_LEVEL_CHANGE,
  OKTA_USER_RISK_CHANGE,
  type SsfReceiver,
} from '../config/flag-config.js';
import type { SetSigningKey } from './signing-key.js';

export type SubjectId =
  | { format: 'opaque'; id: string }
  | { format: 'email'; email: string }
  | { format: 'iss_sub'; iss: string; sub: string };

export interface SetClaims {
  iss: string;
  aud: string;
  iat: number;
  jti: string;
  txn: string;
  sub_id: SubjectId;
  events: Record<string, Record<string, unknown>>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The subject in the receiver's format, or an error message when the subject cannot be expressed in it. */
export function subjectIdFor(subject: string, receiver: SsfReceiver): SubjectId | string {
  switch (receiver.subjectFormat) {
    case 'email':
      return EMAIL.test(subject)
        ? { format: 'email', email: subject }
        : 'the subject is not an email address';
    case 'iss_sub':
      return receiver.subjectIssuer
        ? { format: 'iss_sub', iss: receiver.subjectIssuer, sub: subject }
        : 'subjectFormat iss_sub needs subjectIssuer';
    default:
      return { format: 'opaque', id: subject };
  }
}

function eventBody(
  record: AuditRecord,
  receiver: SsfReceiver,
  subjectId: SubjectId,
  time: number,
): Record<string, unknown> {
  const reason = `presentation attack ${record.decision === 'spoof' ? 'detected' : 'suspected'}${record.attackMedium ? ` (${record.attackMedium})` : ''}; check ${record.checkId}`;
  const reasonAdmin = { en: record.rationale ? `${reason}. ${record.rationale}` : reason };
  const level = record.decision === 'spoof' ? 'HIGH' : 'MEDIUM';
  if (receiver.eventType === OKTA_USER_RISK_CHANGE) {
    return {
      current_level: level.toLowerCase(),
      previous_level: 'low',
      event_timestamp: time,
      initiating_entity: 'system',
      reason_admin: reasonAdmin,
      subject: { user: subjectId },
    };
  }
  if (receiver.eventType === CAEP_RISK_LEVEL_CHANGE) {
    return {
      principal: 'USER',
      current_level: level,
      risk_reason: reason,
      event_timestamp: time,
      initiating_entity: 'system',
      reason_admin: reasonAdmin,
    };
  }
  // A custom event type carries the detail of the decision itself.
  return {
    event_timestamp: time,
    decision: record.decision,
    liveness: record.liveness,
    attack_medium: record.attackMedium,
    check_id: record.checkId,
    rationale: record.rationale,
  };
}

export function setClaimsFor(
  record: AuditRecord,
  subjectId: SubjectId,
  receiver: SsfReceiver,
  options: { issuer: string; jti: string; now: Date },
): SetClaims {
  const time = Math.floor(options.now.getTime() / 1000);
  return {
    iss: options.issuer,
    aud: receiver.audience,
    iat: time,
    jti: options.jti,
    txn: record.checkId,
    sub_id: subjectId,
    events: { [receiver.eventType]: eventBody(record, receiver, subjectId, time) },
  };
}

export function signSet(claims: SetClaims, key: SetSigningKey): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, typ: 'secevent+jwt', kid: key.kid })
    .sign(key.privateKey);
}
