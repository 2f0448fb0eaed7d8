/**
 * What an identity provider's hook is answered: allow, deny or step up, with the decision, score and
 * rationale behind it. The check is run (image given) or redeemed (check id given) within the time
 * budget; when the budget is spent the configured fail-open / fail-closed action is answered and a
 * check still running finishes and is recorded anyway, so nothing decided is lost.
 */

import type { Caller, SubjectPolicy } from '../audit/audit-record.js';
import type { AuditLog, StoredRecord } from '../audit/audit-store.js';
import type { HookAction, HookConfig } from '../config/hook-config.js';
import { type FaceMatch, type IdentityFailure, identityFailure } from '../face/face-match.js';
import type { Decision, ExplainMode } from '../inference/check-result.js';
import type { CheckService } from '../service/check-service.js';
import { type RedeemFailure, redeemCheck } from '../service/redeem-check.js';
import type { SessionRedeemFailure } from '../sessions/session-ledger.js';
import type { SessionService } from '../sessions/session-service.js';

export interface HookQuestion {
  tenant: string;
  subject: string;
  checkId?: string;
  /** A liveness session to redeem (same tenant, same subject, judged, single use). */
  sessionId?: string;
  image?: Uint8Array;
  clientRequestId?: string;
  explain?: ExplainMode;
  /** Which hook asks (recorded with a redemption and as the caller of a new check). */
  via: string;
}

export interface HookAnswer {
  action: HookAction;
  reason: Decision | 'budget_exceeded' | RedeemFailure | SessionRedeemFailure | IdentityFailure;
  checkId: string | null;
  /** Set when the hook redeemed a session. */
  sessionId?: string;
  decision: Decision | null;
  liveness: number | null;
  rationale: string | null;
  attackMedium: string | null;
  qualityReason: string | null;
  /**
   * The identity rule the answer applied, where a check or session was found: whether the tenant
   * requires an enrolled reference face, and the face match (null without a reference).
   */
  referenceRequired?: boolean;
  match?: FaceMatch | null;
}

export class HookDecider {
  constructor(
    private readonly config: HookConfig,
    private readonly checks: CheckService,
    private readonly store: AuditLog,
    private readonly subjectPolicy: SubjectPolicy,
    private readonly sessions?: SessionService,
  ) {}

  private requireReference(tenant: string): boolean {
    return this.checks.references?.requireReference(tenant) ?? false;
  }

  private answerFor(stored: StoredRecord): HookAnswer {
    const r = stored.record;
    // A live face that is not the account's enrolled face is denied like a spoof.
    const referenceRequired = this.requireReference(r.tenant);
    const identityRule = { referenceRequired, match: r.match ?? null };
    const identity = r.decision === 'live' ? identityFailure(r.match, referenceRequired) : null;
    if (identity) {
      return {
        ...this.refusal(identity, 'deny', r.checkId),
        decision: r.decision,
        ...identityRule,
      };
    }
    const action: HookAction =
      r.decision === 'live' ? 'allow' : r.decision === 'spoof' ? 'deny' : this.config.onUncertain;
    return {
      action,
      reason: r.decision,
      checkId: r.checkId,
      decision: r.decision,
      liveness: r.liveness,
      rationale: r.rationale,
      attackMedium: r.attackMedium,
      qualityReason: r.qualityReason,
      ...identityRule,
    };
  }

  private refusal(
    reason: HookAnswer['reason'],
    action: HookAction,
    checkId: string | null,
  ): HookAnswer {
    return {
      action,
      reason,
      checkId,
      decision: null,
      liveness: null,
      rationale: null,
      attackMedium: null,
      qualityReason: null,
    };
  }

  private async redeemSession(question: HookQuestion, sessionId: string): Promise<HookAnswer> {
    const redemption = this.sessions
      ? await this.sessions.redeem({
          tenant: question.tenant,
          sessionId,
          subject: question.subject,
          maxAgeSeconds: this.config.maxCheckAgeSeconds,
          usedBy: question.via,
          requireReference: this.requireReference(question.tenant),
        })
      : ({
          ok: false,
          reason: 'session_not_found',
          referenceRequired: this.requireReference(question.tenant),
        } as const);
    if (!redemption.ok) {
      return {
        ...this.refusal(redemption.reason, 'deny', null),
        sessionId,
        referenceRequired: redemption.referenceRequired,
        ...('match' in redemption && redemption.match !== undefined
          ? { match: redemption.match }
          : {}),
      };
    }
    const session = redemption.session;
    const decision = session.decision ?? 'uncertain';
    return {
      action:
        decision === 'live' ? 'allow' : decision === 'spoof' ? 'deny' : this.config.onUncertain,
      reason: decision,
      checkId: session.checkIds.at(-1) ?? null,
      sessionId,
      decision,
      liveness: session.liveness,
      rationale: session.rationale,
      attackMedium: session.attackMedium,
      qualityReason: null,
      referenceRequired: redemption.referenceRequired,
      match: session.match,
    };
  }

  private async decide(question: HookQuestion): Promise<HookAnswer> {
    if (question.sessionId !== undefined) return this.redeemSession(question, question.sessionId);
    if (question.image) {
      const caller: Caller = { kind: 'hook', id: question.via };
      const outcome = await this.checks.submit({
        tenant: question.tenant,
        image: question.image,
        subject: question.subject,
        clientRequestId: question.clientRequestId ?? null,
        explain: question.explain ?? 'auto',
        caller,
        requestId: null,
        userAgent: null,
      });
      return this.answerFor(outcome.stored);
    }
    const redemption = await redeemCheck(this.store, this.subjectPolicy, {
      tenant: question.tenant,
      checkId: question.checkId ?? '',
      subject: question.subject,
      maxAgeSeconds: this.config.maxCheckAgeSeconds,
      usedBy: question.via,
      requireReference: this.requireReference(question.tenant),
    });
    if (redemption.ok) return this.answerFor(redemption.stored);
    const refused = this.refusal(redemption.reason, 'deny', question.checkId ?? null);
    // An identity refusal says which rule and which match refused it.
    return redemption.match === undefined
      ? refused
      : {
          ...refused,
          referenceRequired: this.requireReference(question.tenant),
          match: redemption.match,
        };
  }

  /** Answers within the budget; `budgetMs` overrides the configured one (an IdP may say how long it waits). */
  async answer(question: HookQuestion, budgetMs = this.config.budgetMs): Promise<HookAnswer> {
    const deciding = this.decide(question);
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<HookAnswer>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            this.refusal('budget_exceeded', this.config.onBudgetExceeded, question.checkId ?? null),
          ),
        budgetMs,
      );
    });
    // A check that outlives the budget still finishes and is recorded; its errors are not lost either.
    deciding.catch(() => undefined);
    try {
      return await Promise.race([deciding, budget]);
    } finally {
      clearTimeout(timer);
    }
  }
}
