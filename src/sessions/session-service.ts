/**
 * Liveness sessions from creation to redemption. A tenant's backend creates a session for one subject
 * and purpose and hands the capture URL (with its one-session capture token) to the browser; the
 * browser sends 1–5 frames per attempt; every frame is judged by the check service (each an audited
 * check), the frames are compared with each other and with the tenant's earlier captures, and the
 * attempt's decision is stored before the client hears `passed`, `retry` or `failed`. The login then
 * redeems the session once, for the same tenant and subject.
 */

import type { AuditRecord } from '../audit/audit-record.js';
import { InvalidImageError, SessionExhaustedError, ValidationError } from '../errors.js';
import { sniffFormat } from '../image/decode-image.js';
import type { CheckService } from '../service/check-service.js';
import { type FrameFingerprint, fingerprintFrame, framesAreStatic } from './frame-analysis.js';
import { SessionLedger, type SessionLedgerOptions } from './session-ledger.js';
import type { SessionRow } from './session-store.js';
import { type ClientStatus, decideAttempt } from './session-verdict.js';

export const MAX_FRAMES = 5;

export interface CaptureAnswer {
  status: ClientStatus;
  reason?: string;
}

export interface SessionServiceOptions extends SessionLedgerOptions {
  checks: CheckService;
  maxPixels: number;
}

/** The whole session flow: the ledger plus captures, each frame judged by the check service. */
export class SessionService extends SessionLedger {
  constructor(private readonly capturing: SessionServiceOptions) {
    super(capturing);
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
    const [prints, records] = await Promise.all([
      Promise.all(frames.map((frame) => fingerprintFrame(frame, this.capturing.maxPixels))),
      Promise.all(
        frames.map(async (frame) => {
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
          });
          return outcome.stored.record;
        }),
      ),
    ]);
    const replayed = await this.isReplayed(session, prints);
    const isStatic = framesAreStatic(prints, this.options.config.staticMeanDifference);
    const verdict = decideAttempt(
      records,
      { replayed, static: isStatic },
      session.maxAttempts - attempt,
    );
    const earlierChecks = session.result?.checkIds ?? [];
    await this.options.store.recordAttempt(
      session,
      {
        final: verdict.final,
        result: {
          decision: verdict.decision,
          liveness: verdict.liveness,
          rationale: verdict.rationale,
          attackMedium: verdict.attackMedium,
          reasons: verdict.reasons,
          checkIds: [...earlierChecks, ...records.map((record: AuditRecord) => record.checkId)],
          match: verdict.match,
          judgedAt: this.now().toISOString(),
        },
      },
      prints.map(({ sha256, dhash }) => ({ sha256, dhash })),
    );
    return verdict.client;
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
