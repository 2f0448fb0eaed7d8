/**
 * Redeeming a check id at login time (identity-provider hooks, Cognito VerifyAuthChallenge): the
 * decision is read from the audit store, never taken from the client, and must belong to the same
 * tenant and subject, be recent, and not have passed a login before (single use).
 */

import { recordIsAbout, type SubjectPolicy } from '../audit/audit-record.js';
import type { AuditStore, StoredRecord } from '../audit/audit-store.js';

export type RedeemFailure =
  | 'check_not_found'
  | 'subject_mismatch'
  | 'check_expired'
  | 'check_already_used';

export type Redemption = { ok: true; stored: StoredRecord } | { ok: false; reason: RedeemFailure };

export interface RedeemRequest {
  tenant: string;
  checkId: string;
  /** The subject as the identity provider knows it; compared under the store's subject policy. */
  subject: string;
  maxAgeSeconds: number;
  /** Who redeems, recorded with the single-use mark. */
  usedBy: string;
  now?: Date;
}

export async function redeemCheck(
  store: AuditStore,
  policy: SubjectPolicy,
  request: RedeemRequest,
): Promise<Redemption> {
  const now = request.now ?? new Date();
  const stored = await store.findCheck(request.tenant, request.checkId);
  if (!stored) return { ok: false, reason: 'check_not_found' };
  if (!recordIsAbout(stored.record, request.subject, policy)) {
    return { ok: false, reason: 'subject_mismatch' };
  }
  const ageMs = now.getTime() - Date.parse(stored.record.time);
  if (ageMs > request.maxAgeSeconds * 1000 || ageMs < -60_000) {
    return { ok: false, reason: 'check_expired' };
  }
  if (!(await store.consumeCheck(request.tenant, request.checkId, request.usedBy, now))) {
    return { ok: false, reason: 'check_already_used' };
  }
  return { ok: true, stored };
}
