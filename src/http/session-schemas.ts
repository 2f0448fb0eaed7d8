/**
 * Request and response shapes of the liveness-session routes, in zod with OpenAPI metadata.
 */

import { z } from '@hono/zod-openapi';
import { sessionEnrolmentSchema } from '../audit/audit-record.js';
import { faceMatchSchema } from '../face/face-match.js';
import { QUALITY_REASONS } from '../face/quality-gates.js';
import { MAX_TTL_SECONDS } from '../sessions/session-ledger.js';
import { MAX_FRAMES } from '../sessions/session-service.js';
import { SESSION_PURPOSES } from '../sessions/session-store.js';
import { checkIdParamSchema } from './schemas.js';

export const createSessionRequestSchema = z
  .object({
    subject: z.string().min(1).max(256).openapi({
      description:
        'Who is logging in (your user id); stored as given or as a keyed hash, by policy.',
    }),
    purpose: z.enum(SESSION_PURPOSES),
    ttlSeconds: z.number().int().min(10).max(MAX_TTL_SECONDS).default(180),
    returnUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .openapi({
        description: 'Where the capture page sends the person afterwards, with ?sessionId=.',
      }),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    replaceReference: z.boolean().default(false).openapi({
      description:
        'enrol sessions only: replace a reference face the subject already has (the new face must still match it). Without it, an enrol session for a subject with a reference is refused (422 REFERENCE_REJECTED, reason reference_exists).',
    }),
  })
  .openapi('CreateSessionRequest');

export const createdSessionSchema = z
  .object({
    id: z.string().openapi({ example: 'ses_Yk3v0B9qS1mT7rWfX2zA' }),
    captureToken: z.string().openapi({
      description: 'Opens this session’s capture route only; give it to the browser, never log it.',
    }),
    captureUrl: z
      .string()
      .openapi({ description: 'The capture page, with the token in the fragment.' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('CreatedSession');

export const sessionSchema = z
  .object({
    id: z.string(),
    status: z.enum(['created', 'capturing', 'judged', 'expired', 'consumed']),
    subject: z.string().openapi({ description: 'As stored (a keyed hash under that policy).' }),
    purpose: z.enum(SESSION_PURPOSES),
    decision: z.enum(['live', 'spoof', 'uncertain']).nullable(),
    liveness: z
      .number()
      .nullable()
      .openapi({ description: 'The lowest liveness of the last attempt’s frames.' }),
    rationale: z
      .string()
      .nullable()
      .openapi({ description: 'Why: the session’s reasons, then each frame’s.' }),
    attackMedium: z.string().nullable(),
    reasons: z.array(z.string()).openapi({
      description:
        'replayed_capture, static_frames, frames_disagree, score_uncertain, face_mismatch, or a capture-quality reason.',
    }),
    checkIds: z
      .array(z.string())
      .openapi({ description: 'The audited check of every frame, in order.' }),
    match: faceMatchSchema.nullable().openapi({
      description:
        'The last attempt’s frames against the subject’s enrolled reference face (weakest score; matched only when every frame matched); null without a reference. A session redeems only when live and matched.',
    }),
    decisionRecords: z
      .array(z.object({ id: z.string(), seq: z.number().int(), hash: z.string() }))
      .openapi({
        description:
          'Each attempt’s own decision record in the audit log (id `<session id>.<attempt>`): reasons, frame check ids, what the client was told. GET /v1/audit?session=<id> lists them.',
      }),
    enrolment: sessionEnrolmentSchema.nullable().openapi({
      description:
        'enrol sessions: the reference face stored from the best frame (checkId), or refused (reason: reference_exists, no_face, …); null before a passing attempt and for other purposes.',
    }),
    replaceReference: z.boolean(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    createdAt: z.string(),
    expiresAt: z.string(),
    judgedAt: z.string().nullable(),
    consumedAt: z.string().nullable(),
  })
  .openapi('Session');

/** Session ids take the same path parameter shape as check ids. */
export const sessionIdParamSchema = checkIdParamSchema;

export const jsonCaptureRequestSchema = z
  .object({
    frames: z
      .array(z.base64())
      .min(1)
      .max(MAX_FRAMES)
      .openapi({
        description: `1–${MAX_FRAMES} JPEG, PNG or WebP frames, base64, taken over about a second.`,
      }),
  })
  .openapi('JsonCaptureRequest');

export const multipartCaptureRequestSchema = z
  .object({
    image: z
      .union([z.instanceof(File), z.array(z.instanceof(File))])
      .openapi({ type: 'array', items: { type: 'string', format: 'binary' } }),
  })
  .openapi('MultipartCaptureRequest');

export const captureAnswerSchema = z
  .object({
    status: z.enum(['passed', 'retry', 'failed']),
    reason: z.string().optional().openapi({
      description:
        'retry: a hint (no_face, multiple_faces, face_too_small, too_dark, overexposed, too_blurry, retake); failed: attempts_exhausted or nothing. Never a score or a rationale.',
    }),
  })
  .openapi('CaptureAnswer');

export const previewRequestSchema = z
  .object({
    image: z.instanceof(File).openapi({ type: 'string', format: 'binary' }),
    captureWidth: z.coerce.number().int().min(1).max(4096).default(640).openapi({
      description:
        'The width of the frames the attempt will send (face size is judged at that size).',
    }),
  })
  .openapi('PreviewRequest');

export const previewAnswerSchema = z
  .object({
    hint: z.enum(['ok', 'unavailable', ...QUALITY_REASONS]).openapi({
      description:
        'ok: one clear face; a capture-quality reason (move closer, one face only, more light …); unavailable: no face detector in this API process. Never a liveness score.',
    }),
  })
  .openapi('PreviewAnswer');

export const redeemSessionRequestSchema = z
  .object({ subject: z.string().min(1).max(256) })
  .openapi('RedeemSessionRequest');

export const redemptionSchema = z
  .object({
    redeemed: z.boolean(),
    reason: z
      .enum([
        'session_not_found',
        'subject_mismatch',
        'session_not_judged',
        'session_expired',
        'session_already_used',
        'face_mismatch',
        'reference_required',
      ])
      .nullable(),
    session: sessionSchema.nullable(),
    referenceRequired: z.boolean().openapi({
      description:
        'The tenant’s policy this redemption applied: when true, the session redeemed only because its frames matched the subject’s enrolled reference (`session.match.matched`). Guards enforce it from here.',
    }),
  })
  .openapi('SessionRedemption');
