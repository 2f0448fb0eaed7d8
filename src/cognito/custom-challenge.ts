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

export const CHALLENGE = 'IFAS_LIVENESS';
const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export interface ChallengeSettings {
  /** Where the client posts the photo. */
  checksUrl: string;
  /** Wrong or refused answers before the login fails. */
  maxAttempts: number;
}

export interface VerifySettings {
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

/** VerifyAuthChallengeResponse: the answer is a check id; the decision comes from the audit store. */
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
