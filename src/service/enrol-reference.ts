/**
 * Turning a live check into a subject's reference face: the one rule that PUT
 * /v1/subjects/{subject}/reference and a liveness session with `purpose: enrol` share. Only a check
 * judged live, in which the detector found the face it judged, becomes a reference; only that face's
 * descriptor is stored (encrypted by the reference store), never the image.
 */

import { ReferenceRejectedError } from '../errors.js';
import type { FaceReferences } from '../identity/face-references.js';
import type { ReferenceFace } from '../identity/reference-store.js';
import type { CheckOutcome } from './check-service.js';

/**
 * The subject as given (the subject routes: replaces any reference) or in its stored form (a session
 * keeps only that; `replace: false` stores only where there is none yet, atomically).
 */
export type EnrolmentSubject = { subject: string } | { storedSubject: string; replace: boolean };

/** Why a checked photo cannot become a reference face, or null when it can. */
export function referenceRefusal(outcome: CheckOutcome): string | null {
  const record = outcome.stored.record;
  const face = outcome.result?.face ?? null;
  if (record.decision === 'live' && face !== null) return null;
  return record.qualityReason ?? (face === null ? 'no_face' : record.decision);
}

/** Enrols the checked face, or throws REFERENCE_REJECTED (422) with the reason; nothing is stored then. */
export async function enrolFromCheck(
  references: FaceReferences,
  tenant: string,
  who: EnrolmentSubject,
  image: Uint8Array,
  outcome: CheckOutcome,
): Promise<ReferenceFace> {
  const record = outcome.stored.record;
  const reason = referenceRefusal(outcome);
  const face = outcome.result?.face ?? null;
  if (reason !== null || face === null) {
    throw new ReferenceRejectedError('the photo cannot become a reference face', {
      details: { reason: reason ?? 'no_face', decision: record.decision, checkId: record.checkId },
    });
  }
  // The check's own decoded pixels where it kept them: the photo is not decoded a second time.
  const photo = outcome.pixels ?? image;
  if ('subject' in who) return references.enrol(tenant, who.subject, photo, face, record.checkId);
  const stored = await references.enrolStored(
    tenant,
    who.storedSubject,
    photo,
    face,
    record.checkId,
    new Date(),
    { replace: who.replace },
  );
  if (!stored) {
    throw new ReferenceRejectedError('the subject already has a reference face', {
      details: { reason: 'reference_exists', decision: record.decision, checkId: record.checkId },
    });
  }
  return stored;
}
