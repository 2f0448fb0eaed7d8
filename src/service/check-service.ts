/**
 * One liveness check from bytes to an audited decision: idempotency by client request id, the
 * bounded queue, the model, and the audit append. A decision is returned only after its audit record
 * is committed, so nothing a client was told is missing from the log.
 *
 * Idempotency: the same tenant + client request id returns the recorded decision (same check id)
 * without running the model again; concurrent duplicates in this process share one run; duplicates
 * racing from other processes are settled by the store's unique index. The same id with a different
 * image is a conflict, never a silent overwrite.
 */

import { createHash, randomBytes } from 'node:crypto';
import {
  auditRecordFor,
  type Caller,
  type SubjectPolicy,
  subjectCandidates,
} from '../audit/audit-record.js';
import type { AuditLog, StoredRecord } from '../audit/audit-store.js';
import type { ImageVault, RetainedImage } from '../audit/image-vault.js';
import type { RetainedImageStore } from '../audit/retained-image-table.js';
import {
  AuditWriteError,
  IdempotencyConflictError,
  NotFoundError,
  QueueFullError,
  StoreBusyError,
} from '../errors.js';
import type { FaceMatch } from '../face/face-match.js';
import type { FlagRouter } from '../flags/flag-router.js';
import type { RiskLevelStore } from '../flags/risk-levels.js';
import { riskLevelOf } from '../flags/security-event.js';
import type { DecodedPhoto, FaceReferences } from '../identity/face-references.js';
import type { CheckResult, ExplainMode, JudgedCheck } from '../inference/check-result.js';
import type { InferenceQueue } from '../inference/inference-queue.js';
import type { FacePreview, PreviewOptions } from '../inference/judge.js';
import type { ModelSlot } from './model-slot.js';
import type { ServiceMetrics } from './service-metrics.js';

export interface CheckRequest {
  tenant: string;
  image: Uint8Array;
  subject: string | null;
  /**
   * A liveness session's frame: the stored form of the session's subject, whose enrolled reference the
   * face is matched against without recording the subject on the check (so the frame's check cannot
   * be redeemed on its own, only through its session).
   */
  matchStoredSubject?: string;
  clientRequestId: string | null;
  explain: ExplainMode;
  caller: Caller;
  requestId: string | null;
  userAgent: string | null;
  onJudged?: (judged: JudgedCheck) => void;
  onText?: (delta: string) => void;
  /** Keep the decoded photo in the outcome (`pixels`), for a caller that embeds the face next. */
  keepPixels?: boolean;
}

export interface CheckOutcome {
  stored: StoredRecord;
  /** false: an earlier decision for the same client request id was returned. */
  created: boolean;
  /** The engine's full result when the model ran for this request (timings, face box). */
  result: CheckResult | null;
  /** The photo as the check decoded it, when `keepPixels` was asked and the model ran. */
  pixels?: DecodedPhoto;
}

export interface CheckServiceOptions {
  model: ModelSlot;
  store: AuditLog & RetainedImageStore;
  queue: InferenceQueue;
  metrics: ServiceMetrics;
  subjectPolicy: SubjectPolicy;
  /** Whole-request budget: queue wait plus model; the rationale gets what is left. */
  requestTimeoutMs: number;
  maxNewTokens: number;
  /** Overrides the model's recommended threshold. */
  threshold?: number;
  /** Opt-in encrypted retention of the checked images; absent: only their SHA-256 is kept. */
  vault?: ImageVault;
  /** Which flags a decision raises; they are queued in the audit transaction. */
  flags?: FlagRouter;
  /** Told when a decision queued flags, so delivery can start at once. */
  onFlagsQueued?: () => void;
  /** The risk level last reported per subject (for previous_level in risk-change events). */
  riskLevels?: RiskLevelStore;
  /** Enrolled reference faces: a check with a subject that has one records the face match. */
  references?: FaceReferences;
  /** Called after each new audit record (the head checkpointer counts them). */
  onRecorded?: () => void;
}

/** Previews are cheap (the detector only) but not free: a bound on how many run at once. */
export const MAX_PREVIEWS_IN_FLIGHT = 4;

/** Check ids: `chk_` + 15 random bytes (120 bits) as 20 base64url characters, safe in URLs. */
export function newCheckId(): string {
  return `chk_${randomBytes(15).toString('base64url')}`;
}

export class CheckService {
  private readonly inFlight = new Map<string, Promise<CheckOutcome>>();
  private previewsInFlight = 0;

  constructor(private readonly options: CheckServiceOptions) {}

  /**
   * The refusal a new check would meet in the model's queue right now, or null. Servers ask before
   * reading the body or verifying the credential, so an overload costs no work per refused request;
   * a check admitted here can still be refused by the queue once its body has arrived.
   */
  admissionRefusal(): QueueFullError | null {
    return this.options.queue.refusal();
  }

  async submit(request: CheckRequest): Promise<CheckOutcome> {
    const imageSha256 = createHash('sha256').update(request.image).digest('hex');
    if (request.clientRequestId === null) {
      return this.runAndRecord(request, imageSha256);
    }
    const key = `${request.tenant}\u0000${request.clientRequestId}`;
    const earlier =
      this.inFlight.get(key) ??
      this.options.store
        .findByClientRequestId(request.tenant, request.clientRequestId)
        .then((stored) => (stored ? { stored, created: false, result: null } : null));
    const previous = await earlier;
    if (previous) {
      return this.replay(previous, imageSha256);
    }
    const running = this.runAndRecord(request, imageSha256);
    this.inFlight.set(key, running);
    try {
      const outcome = await running;
      return outcome.created ? outcome : this.replay(outcome, imageSha256);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private replay(previous: CheckOutcome, imageSha256: string): CheckOutcome {
    if (previous.stored.record.imageSha256 !== imageSha256) {
      throw new IdempotencyConflictError(
        'this client request id was already used for a different image; use a new id per check',
      );
    }
    return { stored: previous.stored, created: false, result: null };
  }

  private async runAndRecord(request: CheckRequest, imageSha256: string): Promise<CheckOutcome> {
    const { model, store, queue, metrics } = this.options;
    const engine = model.engine();
    const deadline = performance.now() + this.options.requestTimeoutMs;
    // The identity match embeds the judged face: it reuses the check's decoded pixels.
    const wantsPixels =
      request.keepPixels === true ||
      (this.options.references !== undefined &&
        (request.subject !== null || request.matchStoredSubject !== undefined));
    let pixels: DecodedPhoto | undefined;
    const result = await queue.run(
      () =>
        engine.check(request.image, {
          explain: request.explain,
          maxNewTokens: this.options.maxNewTokens,
          ...(this.options.threshold === undefined ? {} : { threshold: this.options.threshold }),
          // Leave a little of the budget for the audit write.
          rationaleTimeoutMs: Math.max(0, deadline - performance.now() - 50),
          ...(request.onJudged ? { onJudged: request.onJudged } : {}),
          ...(request.onText ? { onText: request.onText } : {}),
          ...(wantsPixels
            ? {
                onDecoded: (image: DecodedPhoto) => {
                  pixels = image;
                },
              }
            : {}),
        }),
      AbortSignal.timeout(this.options.requestTimeoutMs),
    );
    const match = await this.matchFor(request, result, pixels);
    const checkId = newCheckId();
    let retained: RetainedImage | null = null;
    try {
      if (this.options.vault) {
        // Before the record, so a recorded retention date always has its image behind it.
        retained = this.options.vault.seal(
          request.tenant,
          checkId,
          result.image.format,
          request.image,
        );
        await store.retainImage(retained);
      }
    } catch (error) {
      if (error instanceof StoreBusyError) throw error; // 503: worth a retry, unlike a failed write
      throw new AuditWriteError(
        'the image could not be retained, so the decision is not recorded',
        {
          cause: error,
        },
      );
    }
    const record = auditRecordFor(result, request.image, {
      checkId,
      imageRetainedUntil: retained?.expiresAt ?? null,
      imageSha256,
      tenant: request.tenant,
      subject: request.subject,
      subjectPolicy: this.options.subjectPolicy,
      requestId: request.requestId,
      clientRequestId: request.clientRequestId,
      explain: request.explain,
      caller: request.caller,
      userAgent: request.userAgent,
      match,
    });
    const { riskLevels } = this.options;
    const previousLevel =
      riskLevels && record.subject ? await riskLevels.get(record.tenant, record.subject) : null;
    const outbox =
      this.options.flags?.entriesFor(record, request.subject, new Date(), previousLevel) ?? [];
    let appended: Awaited<ReturnType<AuditLog['append']>>;
    try {
      appended = await store.append(record, outbox);
    } catch (error) {
      if (error instanceof StoreBusyError) throw error; // 503: worth a retry, unlike a failed write
      throw new AuditWriteError('the decision could not be recorded, so it is not returned', {
        cause: error,
      });
    }
    if (appended.created) {
      metrics.observeCheck(result.decision, result.qualityReason, result.timings);
      if (outbox.length > 0) {
        if (riskLevels && record.subject) {
          await riskLevels.set(record.tenant, record.subject, riskLevelOf(record), record.checkId);
        }
        this.options.onFlagsQueued?.();
      }
      this.options.onRecorded?.();
    }
    return {
      stored: appended.stored,
      created: appended.created,
      result: appended.created ? result : null,
      ...(request.keepPixels && pixels ? { pixels } : {}),
    };
  }

  /** The judged face against the subject's reference; null without subject, face or reference. */
  private async matchFor(
    request: CheckRequest,
    result: CheckResult,
    pixels: DecodedPhoto | undefined,
  ): Promise<FaceMatch | null> {
    const references = this.options.references;
    if (!references || result.face === null) return null;
    const photo = pixels ?? request.image;
    if (request.subject !== null) {
      return references.match(request.tenant, request.subject, photo, result.face);
    }
    if (request.matchStoredSubject === undefined) return null;
    return references.matchStored(request.tenant, request.matchStoredSubject, photo, result.face);
  }

  /**
   * The face stage alone on a small preview frame (live hints before an attempt): nothing is judged,
   * scored or recorded. null where the model runs without a detector in this process (IFAS_DETECT_FACES
   * off, or a remote judge). At most MAX_PREVIEWS_IN_FLIGHT run at once, beside the model's queue.
   */
  async previewFace(bytes: Uint8Array, options: PreviewOptions): Promise<FacePreview | null> {
    const preview = this.options.model.engine().preview;
    if (!preview) return null;
    if (this.previewsInFlight >= MAX_PREVIEWS_IN_FLIGHT) {
      throw new QueueFullError(1, 'too many previews at once; try again shortly');
    }
    this.previewsInFlight += 1;
    try {
      return await preview(bytes, options);
    } finally {
      this.previewsInFlight -= 1;
    }
  }

  get references(): FaceReferences | undefined {
    return this.options.references;
  }

  async find(tenant: string, checkId: string): Promise<StoredRecord> {
    const stored = await this.options.store.findCheck(tenant, checkId);
    // A liveness session's own decision record is in the log but is no check (GET /v1/sessions/{id}).
    if (!stored || stored.record.session) {
      throw new NotFoundError(`no check ${checkId}`);
    }
    return stored;
  }

  /** The retained image of a check, decrypted; NotFound when none is kept (or retention is off). */
  async retainedImage(tenant: string, checkId: string): Promise<{ bytes: Buffer; format: string }> {
    const sealed = this.options.vault
      ? await this.options.store.findRetainedImage(tenant, checkId)
      : null;
    if (!sealed || !this.options.vault || Date.parse(sealed.expiresAt) <= Date.now()) {
      throw new NotFoundError(`no retained image for check ${checkId}`);
    }
    return { bytes: this.options.vault.open(sealed), format: sealed.format };
  }

  /** The stored forms of a subject as given in a query (the tenant's key, and the legacy one). */
  subjectsForQuery(subject: string, tenant: string): string[] {
    return subjectCandidates(subject, this.options.subjectPolicy, tenant);
  }
}
