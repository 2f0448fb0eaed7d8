/**
 * AWS Cognito custom authentication with a liveness check as the challenge. The three triggers
 * never run the model and never trust the client: the client takes the photo, posts it to
 * /v1/checks with its Cognito `sub` as the subject, and answers the challenge with the check id;
 * VerifyAuthChallengeResponse reads the recorded decision and accepts only a live one of the same
 * subject, made after the challenge was issued, recent, and not used before.
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
import type { AuditStore } from '../audit/audit-store.js';
import { redeemCheck } from '../service/redeem-check.js';
import type { SessionLedger } from '../sessions/session-service.js';

export const CHALLENGE = 'IFAS_LIVENESS';
const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export interface ChallengeSettings {
  /** Where the client posts the photo. */
  checksUrl: string;
  /** Wrong or refused answers before the login fails. */
  maxAttempts: number;
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
  store: AuditStore;
  subjectPolicy: SubjectPolicy;
  tenant: string;
  maxCheckAgeSeconds: number;
  /** Called with why an answer was refused (for the function's log; no secrets, no images). */
  onRefusal?: (reason: string) => void;
}

/** DefineAuthChallenge: only liveness challenges; tokens after a correct one; fail after too many. */
export function defineAuthChallenge(
  event: DefineAuthChallengeTriggerEvent,
  settings: Pick<ChallengeSettings, 'maxAttempts'>,
): DefineAuthChallengeTriggerEvent {
  const session = event.request.session;
  const last = session[session.length - 1];
  const response = event.response;
  if (event.request.userNotFound || session.some((s) => s.challengeName !== CUSTOM_CHALLENGE)) {
    Object.assign(response, { issueTokens: false, failAuthentication: true });
  } else if (last?.challengeResult === true) {
    Object.assign(response, { issueTokens: true, failAuthentication: false });
  } else if (session.length >= settings.maxAttempts) {
    Object.assign(response, { issueTokens: false, failAuthentication: true });
  } else {
    Object.assign(response, {
      challengeName: CUSTOM_CHALLENGE,
      issueTokens: false,
      failAuthentication: false,
    });
  }
  return event;
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
