/**
 * Liveness sessions without the model: create, read, redeem, retention. Enough for a process that only
 * issues and redeems sessions (the Cognito triggers, which must not load the image codec); the
 * SessionService (session-service.ts) adds the captures. Redemption applies the same identity rule as a
 * check's: where the subject has an enrolled reference face (or the tenant requires one), the session's
 * frames must have matched it.
 */

import { createHash, randomBytes } from 'node:crypto';
import { type SubjectPolicy, subjectValue } from '../audit/audit-record.js';
import { secretsEqual } from '../auth/constant-time.js';
import type { SessionConfig } from '../config/session-config.js';
import {
  AuthenticationError,
  NotFoundError,
  SessionExhaustedError,
  SessionExpiredError,
} from '../errors.js';
import { type FaceMatch, type IdentityFailure, identityFailure } from '../face/face-match.js';
import type {
  SessionEnrolment,
  SessionPurpose,
  SessionRow,
  SessionStore,
} from './session-store.js';

export const MAX_TTL_SECONDS = 600;

export interface CreateSessionInput {
  subject: string;
  purpose: SessionPurpose;
  ttlSeconds: number;
  returnUrl?: string | undefined;
  maxAttempts: number;
  /** enrol sessions: replace a reference the subject already has (refused otherwise). */
  replaceReference?: boolean | undefined;
}

export interface CreatedSession {
  id: string;
  captureToken: string;
  captureUrl: string;
  expiresAt: string;
}

export interface SessionView {
  id: string;
  status: 'created' | 'capturing' | 'judged' | 'expired' | 'consumed';
  subject: string;
  purpose: SessionPurpose;
  decision: 'live' | 'spoof' | 'uncertain' | null;
  liveness: number | null;
  rationale: string | null;
  attackMedium: string | null;
  reasons: string[];
  checkIds: string[];
  /** The last attempt's frames against the subject's enrolled reference face; null without one. */
  match: FaceMatch | null;
  /** Each attempt's own decision record in the audit log, in order. */
  decisionRecords: Array<{ id: string; seq: number; hash: string }>;
  /** enrol sessions: whether the reference face was stored, or why not; null before a live decision. */
  enrolment: SessionEnrolment | null;
  replaceReference: boolean;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  expiresAt: string;
  judgedAt: string | null;
  consumedAt: string | null;
}

export type SessionRedeemFailure =
  | 'session_not_found'
  | 'subject_mismatch'
  | 'session_not_judged'
  | 'session_expired'
  | 'session_already_used'
  | IdentityFailure;

/** `referenceRequired`: the policy the redemption applied (the tenant's, or the caller's override). */
export type SessionRedemption =
  | { ok: true; session: SessionView; referenceRequired: boolean }
  | {
      ok: false;
      reason: SessionRedeemFailure;
      referenceRequired: boolean;
      /** Identity refusals: the match judged (null: no reference where one is required). */
      match?: FaceMatch | null;
    };

export interface SessionLedgerOptions {
  store: SessionStore;
  subjectPolicy: SubjectPolicy;
  config: SessionConfig;
  /** Base of captureUrl: where browsers reach this service. */
  publicUrl: string;
  /** The tenant requires an enrolled reference face (IFAS_IDENTITY); default: no tenant does. */
  requireReference?: (tenant: string) => boolean;
  now?: () => Date;
}

/** Session ids: `ses_` + 15 random bytes; capture tokens: `cap_` + 32 random bytes (never an API key's `ifas_`). */
const newSessionId = () => `ses_${randomBytes(15).toString('base64url')}`;
const newCaptureToken = () => `cap_${randomBytes(32).toString('base64url')}`;
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Sessions without the model: create, read, redeem, retention. Enough for a process that only issues
 * and redeems sessions (a Cognito trigger); the SessionService below adds the captures.
 */
export class SessionLedger {
  protected readonly now: () => Date;

  constructor(protected readonly options: SessionLedgerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** `owner`: the tenant, and who asked (`api-key:<id>`, `jwt:<sub>`, `cognito:<pool>`), kept with the session. */
  async create(
    owner: { tenant: string; createdBy: string },
    input: CreateSessionInput,
  ): Promise<CreatedSession> {
    const subject = this.storedSubject(owner.tenant, input.subject);
    const created = this.now();
    const expiresAt = new Date(created.getTime() + input.ttlSeconds * 1000).toISOString();
    const id = newSessionId();
    const captureToken = newCaptureToken();
    await this.options.store.create({
      id,
      tenant: owner.tenant,
      subject,
      purpose: input.purpose,
      returnUrl: input.returnUrl ?? null,
      tokenHash: tokenHash(captureToken),
      maxAttempts: input.maxAttempts,
      createdAt: created.toISOString(),
      expiresAt,
      createdBy: owner.createdBy,
      replaceReference: input.replaceReference ?? false,
    });
    const base = this.options.publicUrl.replace(/\/$/, '');
    // The token rides in the fragment: browsers never send it to a server, in a request line or a Referer.
    return {
      id,
      captureToken,
      captureUrl: `${base}/capture/${id}#token=${captureToken}`,
      expiresAt,
    };
  }

  /** The subject as this tenant's records store it (as given, or the tenant's keyed hash). */
  protected storedSubject(tenant: string, subject: string): string {
    return subjectValue(subject, this.options.subjectPolicy, tenant) as string;
  }

  /** The session a capture token opens, refusing (in this order) unknown ids, wrong tokens, expiry, no attempts left, reuse. */
  async authorizeCapture(id: string, token: string | null): Promise<SessionRow> {
    const session = await this.options.store.find(id);
    if (!session) throw new NotFoundError(`no session ${id}`);
    if (token === null) {
      throw new AuthenticationError('AUTH_MISSING', 'send Authorization: Bearer <capture token>');
    }
    if (!secretsEqual(tokenHash(token), session.tokenHash)) {
      throw new AuthenticationError(
        'AUTH_INVALID',
        'this capture token does not open this session',
      );
    }
    if (Date.parse(session.expiresAt) <= this.now().getTime()) {
      throw new SessionExpiredError(`session ${id} expired at ${session.expiresAt}`);
    }
    if (session.state === 'judged' || session.state === 'consumed') {
      if (session.attempts >= session.maxAttempts && session.result?.decision === 'uncertain') {
        throw new SessionExhaustedError(`session ${id} used all ${session.maxAttempts} attempts`);
      }
      throw new AuthenticationError('AUTH_INVALID', 'this capture token was already used');
    }
    if (session.attempts >= session.maxAttempts) {
      throw new SessionExhaustedError(`session ${id} used all ${session.maxAttempts} attempts`);
    }
    return session;
  }

  async view(tenant: string, id: string): Promise<SessionView> {
    const session = await this.options.store.findForTenant(tenant, id);
    if (!session) throw new NotFoundError(`no session ${id}`);
    return this.viewOf(session);
  }

  protected viewOf(session: SessionRow): SessionView {
    const result = session.result;
    const expired =
      session.state !== 'judged' &&
      session.state !== 'consumed' &&
      Date.parse(session.expiresAt) <= this.now().getTime();
    return {
      id: session.id,
      status: expired ? 'expired' : session.state,
      subject: session.subject,
      purpose: session.purpose,
      decision: result?.decision ?? null,
      liveness: result?.liveness ?? null,
      rationale: result?.rationale ?? null,
      attackMedium: result?.attackMedium ?? null,
      reasons: result?.reasons ?? [],
      checkIds: result?.checkIds ?? [],
      match: result?.match ?? null,
      decisionRecords: result?.decisionRecords ?? [],
      enrolment: result?.enrolment ?? null,
      replaceReference: session.replaceReference,
      attempts: session.attempts,
      maxAttempts: session.maxAttempts,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      judgedAt:
        session.state === 'judged' || session.state === 'consumed'
          ? (result?.judgedAt ?? null)
          : null,
      consumedAt: session.consumedAt,
    };
  }

  /**
   * Single use at login: same tenant, same subject, judged, judged no longer than `maxAgeSeconds` ago,
   * and — the same identity rule as a check's redemption — its frames matched the subject's enrolled
   * reference face, where there is one or the tenant requires one (`requireReference` overrides the
   * tenant policy). Any decision redeems (the caller allows only live); a redeemed session cannot be
   * redeemed again.
   */
  async redeem(request: {
    tenant: string;
    sessionId: string;
    subject: string;
    maxAgeSeconds: number;
    usedBy: string;
    requireReference?: boolean;
  }): Promise<SessionRedemption> {
    const now = this.now();
    const referenceRequired =
      request.requireReference ?? this.options.requireReference?.(request.tenant) ?? false;
    const refuse = (reason: SessionRedeemFailure) => ({
      ok: false as const,
      reason,
      referenceRequired,
    });
    const session = await this.options.store.findForTenant(request.tenant, request.sessionId);
    if (!session) return refuse('session_not_found');
    if (
      session.subject !== subjectValue(request.subject, this.options.subjectPolicy, request.tenant)
    ) {
      return refuse('subject_mismatch');
    }
    if (session.state === 'consumed') return refuse('session_already_used');
    if (session.state !== 'judged' || session.result === null) {
      return refuse('session_not_judged');
    }
    if (now.getTime() - Date.parse(session.result.judgedAt) > request.maxAgeSeconds * 1000) {
      return refuse('session_expired');
    }
    const identity = identityFailure(session.result.match, referenceRequired);
    if (identity) return { ...refuse(identity), match: session.result.match ?? null };
    if (!(await this.options.store.consume(request.tenant, session.id, request.usedBy, now))) {
      return refuse('session_already_used');
    }
    return {
      ok: true,
      session: this.viewOf({ ...session, state: 'consumed', consumedAt: now.toISOString() }),
      referenceRequired,
    };
  }

  /** Housekeeping: forget frame hashes and sessions older than the replay window. */
  async purgeOld(): Promise<{ hashes: number; sessions: number }> {
    const days = this.options.config.replayWindowDays;
    return this.options.store.purgeBefore(new Date(this.now().getTime() - days * 86_400_000));
  }

  /** CORS: may a page on `origin` post captures to this session? Only origins its tenant configured. */
  async originAllowed(sessionId: string, origin: string): Promise<boolean> {
    const session = await this.options.store.find(sessionId);
    if (!session) return false;
    return this.options.config.tenants[session.tenant]?.allowedOrigins.includes(origin) ?? false;
  }

  /** What the capture page shows before any capture: open, expired or already used; null for no such session. */
  async pageState(
    sessionId: string,
  ): Promise<{ state: 'created' | 'expired' | 'used'; returnUrl: string | null } | null> {
    const session = await this.options.store.find(sessionId);
    if (!session) return null;
    const view = this.viewOf(session);
    const state =
      view.status === 'expired'
        ? 'expired'
        : view.status === 'judged' || view.status === 'consumed'
          ? 'used'
          : 'created';
    return { state, returnUrl: session.returnUrl };
  }
}
