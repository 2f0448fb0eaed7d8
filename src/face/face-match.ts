/**
 * Whether a recorded check passes a login: live, and — where the subject has an enrolled reference —
 * the same face. A tenant that requires references fails subjects that have none.
 */

import { z } from 'zod';

export const faceMatchSchema = z.object({
  /** Cosine similarity of the live face to the enrolled reference. */
  score: z.number().min(-1).max(1),
  threshold: z.number().min(-1).max(1),
  matched: z.boolean(),
});

export type FaceMatch = z.infer<typeof faceMatchSchema>;

export type IdentityFailure = 'face_mismatch' | 'reference_required';

/** null when identity is satisfied; liveness is judged separately (the decision). */
export function identityFailure(
  match: FaceMatch | null | undefined,
  requireReference: boolean,
): IdentityFailure | null {
  if (match) return match.matched ? null : 'face_mismatch';
  return requireReference ? 'reference_required' : null;
}
