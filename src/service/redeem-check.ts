/**
 * Redeeming a check id at login time (identity-provider hooks, Cognito VerifyAuthChallenge): the
 * decision is read from the audit store, never taken from the client, and must belong to the same
 * tenant and subject, be recent, not have passed a login before (single use), and — where the subject
 * has an enrolled reference face or the tenant requires one — show that face (a match).
 */

import { recordIsAbout, type SubjectPolicy } from '../audit/audit-record.js';
import type { AuditLog, StoredRecord } from '../audit/audit-store.js';
import { type FaceMatch, type IdentityFailure, identityFailure } from '../face/face-match.js';

export type RedeemFailure =
  | 'check_not_found'
  | 'subject_mismatch'
  | 'check_expired'
  | 'check_already_used'
  | IdentityFailure;

/** An identity refusal carries the match it judged (null: no reference where one is required). */
export type Redemption =
  | { ok: true; stored: StoredRecord }
  | { ok: false; reason: RedeemFailure; match?: FaceMatch | null };

export interface RedeemRequest {
  tenant: string;
  checkId: string;
  /** The subject as the identity provider knows it; compared under the store's subject policy. */
  subject: string;
  maxAgeSeconds: number;
  /** Who redeems, recorded with the single-use mark. */
  usedBy: string;
  /** The tenant requires an enrolled reference face (a check without a match then fails). */
  requireReference?: boolean;
  now?: Date;
}

export async function redeemCheck(
  store: Pick<AuditLog, 'findCheck' | 'consumeCheck'>,
  policy: SubjectPolicy,
  request: RedeemRequest,
): Promise<Redemption> {
  const now = request.now ?? new Date();
  const stored = await store.findCheck(request.tenant, request.checkId);
  // A session's decision record redeems only as its session (single use there), never as a check.
  if (!stored || stored.record.session) return { ok: false, reason: 'check_not_found' };
  if (!recordIsAbout(stored.record, request.subject, policy)) {
    return { ok: false, reason: 'subject_mismatch' };
  }
  const ageMs = now.getTime() - Date.parse(stored.record.time);
  if (ageMs > request.maxAgeSeconds * 1000 || ageMs < -60_000) {
    return { ok: false, reason: 'check_expired' };
  }
  // The live face must be the account's face where a reference is enrolled (or required).
  const identity = identityFailure(stored.record.match, request.requireReference ?? false);
  if (identity) return { ok: false, reason: identity, match: stored.record.match ?? null };
  if (!(await store.consumeCheck(request.tenant, request.checkId, request.usedBy, now))) {
    return { ok: false, reason: 'check_already_used' };
  }
  return { ok: true, stored };
}
