/**
 * Liveness sessions from creation to redemption. A tenant's backend creates a session for one subject
 * and purpose and hands the capture URL (with its one-session capture token) to the browser; the
 * browser sends 1–5 frames per attempt; every frame is judged by the check service (each an audited
 * check), the frames are compared with each other and with the tenant's earlier captures, and the
 * attempt's decision is stored before the client hears `passed`, `retry` or `failed`. The login then
 * redeems the session once, for the same tenant and subject.
 */

import type { AuditRecord } from '../audit/audit-record.js';
import type { AuditLog } from '../audit/audit-store.js';
import {
  AuditWriteError,
  InvalidImageError,
  PayloadTooLargeError,
  RateLimitedError,
  ReferenceRejectedError,
  SessionExhaustedError,
  StoreBusyError,
  ValidationError,
} from '../errors.js';
import type { QualityReason } from '../face/quality-gates.js';
import { sniffFormat } from '../image/decode-image.js';
import type { CheckOutcome, CheckService } from '../service/check-service.js';
import { enrolFromCheck, referenceRefusal } from '../service/enrol-reference.js';
import { type FrameFingerprint, fingerprintFrame, framesAreStatic } from './frame-analysis.js';
import { PreviewLimiter, type PreviewLimits } from './preview-limiter.js';
import {
  type CreatedSession,
  type CreateSessionInput,
  SessionLedger,
  type SessionLedgerOptions,
} from './session-ledger.js';
import { sessionDecisionRecord } from './session-record.js';
import type { SessionEnrolment, SessionRow } from './session-store.js';
import { type AttemptVerdict, type ClientStatus, decideAttempt } from './session-verdict.js';

export const MAX_FRAMES = 5;
/** A preview frame is small and downscaled: bounded in bytes and pixels (320 × 240 is what the page sends). */
export const PREVIEW_MAX_BYTES = 64 * 1024;
export const PREVIEW_MAX_PIXELS = 320 * 320;

/** What a preview may tell the person: a capture-quality hint, `ok`, or `unavailable` (no detector here). */
export interface PreviewAnswer {
  hint: 'ok' | 'unavailable' | QualityReason;
}

export interface CaptureAnswer {
  status: ClientStatus;
  reason?: string;
}

export interface SessionServiceOptions extends SessionLedgerOptions {
  checks: CheckService;
  /** Where each attempt's session decision is chained (the same log as the frames' checks). */
  audit: AuditLog;
  maxPixels: number;
  previewLimits?: PreviewLimits;
}

interface JudgedFrame {
  bytes: Uint8Array;
  outcome: CheckOutcome;
}

/** The whole session flow: the ledger plus captures, each frame judged by the check service. */
export class SessionService extends SessionLedger {
  private readonly previews: PreviewLimiter;

  constructor(private readonly capturing: SessionServiceOptions) {
    super(capturing);
    this.previews = new PreviewLimiter(capturing.previewLimits, () => this.now().getTime());
  }

  /**
   * Live hints before an attempt: face detection and the capture-quality gates on one small frame
   * (move closer, one face only, more light …). No liveness, no score, nothing recorded, no attempt
   * spent; the capture token must be valid and the session open. `captureWidth`: the width of the
   * frames the attempt will send, so face size is judged as it will be then.
   */
  async preview(
    id: string,
    token: string | null,
    frame: Uint8Array,
    captureWidth: number,
  ): Promise<PreviewAnswer> {
    const session = await this.authorizeCapture(id, token);
    if (frame.byteLength > PREVIEW_MAX_BYTES) {
      throw new PayloadTooLargeError(`a preview frame is at most ${PREVIEW_MAX_BYTES} bytes`);
    }
    if (sniffFormat(frame) === null) {
      throw new InvalidImageError(
        'INPUT_NOT_AN_IMAGE',
        'the preview must be a JPEG, PNG or WebP image',
      );
    }
    const wait = this.previews.take(id, Date.parse(session.expiresAt));
    if (wait !== null) {
      throw new RateLimitedError(
        Math.ceil(wait / 1000),
        'previews of this session are too frequent',
      );
    }
    const preview = await this.capturing.checks.previewFace(frame, {
      maxPixels: PREVIEW_MAX_PIXELS,
      captureWidth,
    });
    if (preview === null) return { hint: 'unavailable' };
    return { hint: preview.reason ?? 'ok' };
  }

  /**
   * An enrol session must be able to enrol: reference faces enabled, and — unless it was created with
   * `replaceReference: true` — no reference for the subject yet (REFERENCE_REJECTED, reason
   * reference_exists or reference_faces_disabled). The capture checks again, in case one was enrolled since.
   */
  override async create(
    owner: { tenant: string; createdBy: string },
    input: CreateSessionInput,
  ): Promise<CreatedSession> {
    if (input.purpose === 'enrol') {
      const refusal = await this.enrolmentBlocked(
        owner.tenant,
        this.storedSubject(owner.tenant, input.subject),
        input.replaceReference ?? false,
      );
      if (refusal !== null) {
        throw new ReferenceRejectedError(
          refusal === 'reference_exists'
            ? 'the subject already has a reference face; create the session with replaceReference: true to replace it'
            : 'reference faces are not enabled on this deployment (set IFAS_REFERENCE_KEY)',
          { details: { reason: refusal } },
        );
      }
    }
    return super.create(owner, input);
  }

  private async enrolmentBlocked(
    tenant: string,
    storedSubject: string,
    replaceReference: boolean,
  ): Promise<'reference_exists' | 'reference_faces_disabled' | null> {
    const references = this.capturing.checks.references;
    if (!references) return 'reference_faces_disabled';
    if (!replaceReference && (await references.hasStored(tenant, storedSubject))) {
      return 'reference_exists';
    }
    return null;
  }

  /** One attempt: 1–5 frames judged, compared and recorded; the answer for the untrusted client. */
  async capture(
    id: string,
    token: string | null,
    frames: readonly Uint8Array[],
    request: { requestId: string | null; userAgent: string | null },
  ): Promise<CaptureAnswer> {
    if (frames.length < 1 || frames.length > MAX_FRAMES) {
      throw new ValidationError(`send 1 to ${MAX_FRAMES} frames, not ${frames.length}`);
    }
    const session = await this.authorizeCapture(id, token);
    // Only the file signature before an attempt is spent: something that is not an image is the client's error.
    if (frames.some((frame) => sniffFormat(frame) === null)) {
      throw new InvalidImageError(
        'INPUT_NOT_AN_IMAGE',
        'every frame must be a JPEG, PNG or WebP image',
      );
    }
    const attempt = await this.options.store.claimAttempt(id, this.now());
    if (attempt === null) {
      await this.authorizeCapture(id, token); // names why (expired, exhausted, used) …
      throw new SessionExhaustedError(`session ${id} has no attempts left`); // … or a racer took the last one
    }
    // Hashing the frames overlaps the model's queue: both decode, neither waits for the other.
    const [prints, judged] = await Promise.all([
      Promise.all(frames.map((frame) => fingerprintFrame(frame, this.capturing.maxPixels))),
      Promise.all(
        frames.map(async (frame): Promise<JudgedFrame> => {
          const outcome = await this.capturing.checks.submit({
            tenant: session.tenant,
            image: frame,
            // The session holds the subject (in its stored form); a frame's check is redeemable only through it.
            subject: null,
            // … but its face is matched against the subject's enrolled reference, if there is one.
            matchStoredSubject: session.subject,
            clientRequestId: null,
            // The model explains frames it does not find live; the session's own rationale covers the rest.
            explain: 'auto',
            caller: { kind: 'session', id },
            requestId: request.requestId,
            userAgent: request.userAgent,
            // An enrolment embeds its best frame from the pixels the check decoded.
            keepPixels: session.purpose === 'enrol',
          });
          return { bytes: frame, outcome };
        }),
      ),
    ]);
    const records = judged.map((frame) => frame.outcome.stored.record);
    // Near copies first (a look-up), then the atomic claim of the exact bytes: of two sessions sending
    // the same frames at the same instant, only one claim succeeds and the other reads replayed_capture.
    const nearCopy = await this.isReplayed(session, prints);
    const claimed = await this.options.store.claimFrames(
      session,
      prints.map(({ sha256, dhash }) => ({ sha256, dhash })),
      this.now(),
    );
    const isStatic = framesAreStatic(prints, this.options.config.staticMeanDifference);
    const verdict = decideAttempt(
      records,
      { replayed: nearCopy || !claimed, static: isStatic },
      session.maxAttempts - attempt,
    );
    const { enrolment, undo } = await this.enrolIfDue(session, verdict, judged);
    // An enrol session whose reference could not be stored has not done its job.
    const client: CaptureAnswer =
      enrolment?.status === 'refused' ? { status: 'failed' } : verdict.client;
    const decided = this.now();
    const appended = await this.appendDecision(
      undo,
      sessionDecisionRecord({
        session,
        attempt,
        frames: records,
        frameSha256: prints.map((print) => print.sha256),
        verdict,
        clientStatus: client.status,
        enrolment,
        subjectPolicy: this.options.subjectPolicy,
        request,
        now: decided,
      }),
    );
    const earlier = session.result;
    await this.options.store.recordAttempt(session, {
      final: verdict.final,
      result: {
        decision: verdict.decision,
        liveness: verdict.liveness,
        rationale: verdict.rationale,
        attackMedium: verdict.attackMedium,
        reasons: verdict.reasons,
        checkIds: [...(earlier?.checkIds ?? []), ...records.map((r: AuditRecord) => r.checkId)],
        match: verdict.match,
        decisionRecords: [
          ...(earlier?.decisionRecords ?? []),
          { id: appended.record.checkId, seq: appended.seq, hash: appended.hash },
        ],
        enrolment,
        judgedAt: decided.toISOString(),
      },
    });
    return client;
  }

  /**
   * The session's decision in the audit log before anyone is told; a failed write answers nothing and
   * takes back what the attempt changed (`undo`: an enrolled reference face), so nothing stands that
   * the log does not record.
   */
  private async appendDecision(undo: () => Promise<void>, record: AuditRecord) {
    try {
      return (await this.capturing.audit.append(record)).stored;
    } catch (error) {
      await undo().catch(() => undefined);
      if (error instanceof StoreBusyError) throw error;
      throw new AuditWriteError(
        'the session decision could not be recorded, so it is not returned',
        {
          cause: error,
        },
      );
    }
  }

  /**
   * enrol sessions that passed (live, frames agree, no defence fired, the face matches any reference
   * being replaced): the best frame — the live one with the highest liveness — becomes the subject's
   * reference face, exactly as PUT /v1/subjects/{subject}/reference enrols one. null for other sessions
   * and attempts that did not pass.
   */
  private async enrolIfDue(
    session: SessionRow,
    verdict: AttemptVerdict,
    judged: readonly JudgedFrame[],
  ): Promise<{ enrolment: SessionEnrolment | null; undo: () => Promise<void> }> {
    const nothing = async () => undefined;
    if (session.purpose !== 'enrol' || verdict.client.status !== 'passed') {
      return { enrolment: null, undo: nothing };
    }
    const refused = (reason: string) => ({
      enrolment: { status: 'refused' as const, reason, checkId: null },
      undo: nothing,
    });
    const blocked = await this.enrolmentBlocked(
      session.tenant,
      session.subject,
      session.replaceReference,
    );
    if (blocked !== null) return refused(blocked);
    const best = judged
      .filter((frame) => referenceRefusal(frame.outcome) === null)
      .reduce<JudgedFrame | null>(
        (top, frame) =>
          top === null ||
          (frame.outcome.stored.record.liveness ?? 0) > (top.outcome.stored.record.liveness ?? 0)
            ? frame
            : top,
        null,
      );
    const references = this.capturing.checks.references;
    if (!best || !references) return refused('no_face');
    const before = await references.snapshotStored(session.tenant, session.subject);
    try {
      const reference = await enrolFromCheck(
        references,
        session.tenant,
        // Without replaceReference, an enrolment racing this one (or a PUT) may have stored one since.
        { storedSubject: session.subject, replace: session.replaceReference },
        best.bytes,
        best.outcome,
      );
      return {
        enrolment: { status: 'enrolled', reason: null, checkId: reference.checkId },
        undo: () => references.restoreStored(session.tenant, session.subject, before),
      };
    } catch (error) {
      if (!(error instanceof ReferenceRejectedError)) throw error;
      const reason = error.details?.reason;
      return refused(typeof reason === 'string' ? reason : 'rejected');
    }
  }

  private async isReplayed(
    session: SessionRow,
    prints: readonly FrameFingerprint[],
  ): Promise<boolean> {
    const { replayWindowDays, replayMaxDistance } = this.options.config;
    const since = new Date(this.now().getTime() - replayWindowDays * 86_400_000);
    for (const print of prints) {
      const matches = await this.options.store.findReplays(
        session.tenant,
        print,
        since,
        replayMaxDistance,
      );
      // Near copies within one session are a person holding still between retries; the same bytes never are.
      if (matches.some((match) => match.kind === 'identical' || match.sessionId !== session.id)) {
        return true;
      }
    }
    return false;
  }
}
