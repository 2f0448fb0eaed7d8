/**
 * AWS Cognito custom authentication with a liveness check as a second factor. The three triggers
 * never run the model and never trust the client: the client takes the photo, posts it to
 * /v1/checks with its Cognito `sub` as the subject, and answers the challenge with the check id;
 * VerifyAuthChallengeResponse reads the recorded decision and accepts only a live one of the same
 * subject, made after the challenge was issued, recent, not used before and — where the user has an
 * enrolled reference face, or the flow requires one — the user's own face.
 *
 * A check proves *a* live face, not *whose*: it is never the only factor. DefineAuthChallenge chains
 * the password first, as AWS's example does (SRP_A → PASSWORD_VERIFIER → CUSTOM_CHALLENGE), and fails
 * a session that skips it. The `step-up` flow is for an app whose user already signed in with a
 * password: there the liveness challenge stands alone, so it demands an enrolled reference face that
 * matches (identity from the face, liveness from the check).
 *
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-challenge.html
 */

import { randomBytes } from 'node:crypto';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import type { SubjectPolicy } from '../audit/audit-record.js';
import type { AuditLog } from '../audit/audit-store.js';
import { redeemCheck } from '../service/redeem-check.js';
import type { SessionLedger } from '../sessions/session-ledger.js';

export const CHALLENGE = 'IFAS_LIVENESS';
const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE' as const;

/** `password-then-liveness`: SRP password first (the default); `step-up`: liveness with a face match only. */
export type CognitoFlow = 'password-then-liveness' | 'step-up';

export interface ChallengeSettings {
  /** Where the client posts the photo. */
  checksUrl: string;
  /** Wrong or refused liveness answers before the login fails. */
  maxAttempts: number;
  flow: CognitoFlow;
}

/** Session mode: the challenge is a liveness session created for the user, answered with its id. */
export interface SessionChallengeSettings {
  sessions: SessionLedger;
  tenant: string;
  ttlSeconds: number;
  maxAttempts: number;
}

export interface VerifySettings {
  /** Redeems session-id answers (session mode); without it only check ids are accepted. */
  sessions?: SessionLedger;
  store: AuditLog;
  subjectPolicy: SubjectPolicy;
  tenant: string;
  maxCheckAgeSeconds: number;
  /** A matching enrolled reference face is required (always in the step-up flow). */
  requireReference: boolean;
  /** Called with why an answer was refused (for the function's log; no secrets, no images). */
  onRefusal?: (reason: string) => void;
}

type SessionStep = DefineAuthChallengeTriggerEvent['request']['session'][number];

/** The password steps AWS's define-auth-challenge example requires before the custom challenge. */
function passwordVerified(session: readonly SessionStep[]): boolean {
  return (
    session[0]?.challengeName === 'SRP_A' &&
    session[1]?.challengeName === 'PASSWORD_VERIFIER' &&
    session[1].challengeResult === true
  );
}

/**
 * DefineAuthChallenge. password-then-liveness: SRP_A → PASSWORD_VERIFIER (must succeed) → liveness
 * CUSTOM_CHALLENGE, tokens only after a correct liveness answer. step-up: liveness challenges only.
 * Either way: fail an unknown user, any other step order, or too many wrong liveness answers.
 */
export function defineAuthChallenge(
  event: DefineAuthChallengeTriggerEvent,
  settings: Pick<ChallengeSettings, 'maxAttempts' | 'flow'>,
): DefineAuthChallengeTriggerEvent {
  const next = event.request.userNotFound ? 'fail' : nextStep(event.request.session, settings);
  Object.assign(
    event.response,
    next === 'fail'
      ? { issueTokens: false, failAuthentication: true }
      : next === 'tokens'
        ? { issueTokens: true, failAuthentication: false }
        : { challengeName: next, issueTokens: false, failAuthentication: false },
  );
  return event;
}

function nextStep(
  session: readonly SessionStep[],
  settings: Pick<ChallengeSettings, 'maxAttempts' | 'flow'>,
): 'fail' | 'tokens' | 'PASSWORD_VERIFIER' | typeof CUSTOM_CHALLENGE {
  let liveness = session;
  if (settings.flow === 'password-then-liveness') {
    // CUSTOM_AUTH must start with SRP_A, and the password must be verified before any liveness step.
    if (session.length === 0) return 'fail';
    if (session.length === 1)
      return session[0]?.challengeName === 'SRP_A' ? 'PASSWORD_VERIFIER' : 'fail';
    if (!passwordVerified(session)) return 'fail';
    liveness = session.slice(2);
  }
  if (liveness.some((s) => s.challengeName !== CUSTOM_CHALLENGE)) return 'fail';
  if (liveness[liveness.length - 1]?.challengeResult === true) return 'tokens';
  return liveness.length >= settings.maxAttempts ? 'fail' : CUSTOM_CHALLENGE;
}

/** CreateAuthChallenge: tells the client where to send the photo; remembers when it was asked. */
export function createAuthChallenge(
  event: CreateAuthChallengeTriggerEvent,
  settings: Pick<ChallengeSettings, 'checksUrl'>,
  now = new Date(),
): CreateAuthChallengeTriggerEvent {
  const nonce = randomBytes(16).toString('base64url');
  event.response.publicChallengeParameters = {
    challenge: CHALLENGE,
    checksUrl: settings.checksUrl,
    subject: event.request.userAttributes.sub ?? '',
    // The client sends this as clientRequestId, so a retried upload never makes two checks.
    clientRequestId: nonce,
  };
  event.response.privateChallengeParameters = { issuedAt: now.toISOString(), nonce };
  event.response.challengeMetadata = CHALLENGE;
  return event;
}

/**
 * CreateAuthChallenge in session mode: creates a liveness session for the user's `sub` on the server
 * and hands the client its capture URL (capture token in the fragment); the client opens it and answers
 * the challenge with the session id. The browser never holds an API key, and the session belongs to
 * this challenge only.
 */
export async function createSessionChallenge(
  event: CreateAuthChallengeTriggerEvent,
  settings: SessionChallengeSettings,
  now = new Date(),
): Promise<CreateAuthChallengeTriggerEvent> {
  const subject = event.request.userAttributes.sub ?? '';
  const created = await settings.sessions.create(
    { tenant: settings.tenant, createdBy: `cognito:${event.userPoolId}` },
    {
      subject,
      purpose: 'login',
      ttlSeconds: settings.ttlSeconds,
      maxAttempts: settings.maxAttempts,
    },
  );
  event.response.publicChallengeParameters = {
    challenge: CHALLENGE,
    captureUrl: created.captureUrl,
    sessionId: created.id,
    expiresAt: created.expiresAt,
  };
  event.response.privateChallengeParameters = {
    issuedAt: now.toISOString(),
    sessionId: created.id,
  };
  event.response.challengeMetadata = CHALLENGE;
  return event;
}

async function verifySessionAnswer(
  event: VerifyAuthChallengeResponseTriggerEvent,
  settings: VerifySettings,
  sessionId: string,
  subject: string,
): Promise<string | null> {
  // Only the session this challenge created answers it: no session from another login or user.
  if (!settings.sessions || sessionId !== event.request.privateChallengeParameters.sessionId) {
    return 'session_not_this_challenge';
  }
  const redemption = await settings.sessions.redeem({
    tenant: settings.tenant,
    sessionId,
    subject,
    maxAgeSeconds: settings.maxCheckAgeSeconds,
    usedBy: `cognito:${event.userPoolId}`,
    requireReference: settings.requireReference,
  });
  if (!redemption.ok) return redemption.reason;
  return redemption.session.decision === 'live'
    ? null
    : `decision_${redemption.session.decision ?? 'none'}`;
}

/**
 * VerifyAuthChallengeResponse: the answer is a check id, or in session mode the challenge's session id;
 * the decision comes from the audit store or the session store, never from the client.
 */
export async function verifyAuthChallenge(
  event: VerifyAuthChallengeResponseTriggerEvent,
  settings: VerifySettings,
  now = new Date(),
): Promise<VerifyAuthChallengeResponseTriggerEvent> {
  const refuse = (reason: string) => {
    settings.onRefusal?.(reason);
    event.response.answerCorrect = false;
    return event;
  };
  const checkId = event.request.challengeAnswer.trim();
  const subject = event.request.userAttributes.sub;
  if (subject && /^ses_[A-Za-z0-9_-]{10,60}$/.test(checkId)) {
    const refusal = await verifySessionAnswer(event, settings, checkId, subject);
    if (refusal) return refuse(refusal);
    event.response.answerCorrect = true;
    return event;
  }
  const issuedAt = Date.parse(event.request.privateChallengeParameters.issuedAt ?? '');
  if (!subject || !/^chk_[A-Za-z0-9_-]{1,60}$/.test(checkId) || Number.isNaN(issuedAt)) {
    return refuse('malformed answer or challenge');
  }
  const redemption = await redeemCheck(settings.store, settings.subjectPolicy, {
    tenant: settings.tenant,
    checkId,
    subject,
    maxAgeSeconds: settings.maxCheckAgeSeconds,
    usedBy: `cognito:${event.userPoolId}`,
    requireReference: settings.requireReference,
    now,
  });
  if (!redemption.ok) return refuse(redemption.reason);
  const record = redemption.stored.record;
  // A check made before this challenge was issued cannot answer it (no pre-recorded answers).
  if (Date.parse(record.time) < issuedAt - 1000) return refuse('check_older_than_challenge');
  if (record.decision !== 'live') return refuse(`decision_${record.decision}`);
  event.response.answerCorrect = true;
  return event;
}
