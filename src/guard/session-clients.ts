/**
 * How the guard redeems a liveness session named by a login request: over HTTP with the typed API
 * client (an API key with sessions:write), or in the same process through app/in-process-sessions.ts
 * when the host app embeds the service. Either way
 * the session must belong to the tenant and the subject, be judged and recent, and is used up.
 */

import { ifasApiClient } from '../client/api-client.js';
import type { FaceMatch } from '../face/face-match.js';
import type { Decision } from '../inference/decisions.js';
import { type GuardCheck, GuardCheckError, type RemoteOptions } from './check-clients.js';

export type SessionRedeemOutcome =
  | { redeemed: true; check: GuardCheck }
  | { redeemed: false; reason: string };

export type SessionClient = (input: {
  sessionId: string;
  subject: string;
}) => Promise<SessionRedeemOutcome>;

/** The fields of a judged session the guard reads (the API's session view has more). */
export interface GuardSession {
  id: string;
  decision: Decision | null;
  liveness: number | null;
  rationale: string | null;
  match?: FaceMatch | null;
}

/**
 * A session as the guard sees it: the session id stands in the check id's place, and the service's
 * policy for the tenant (`referenceRequired`, from the redemption) comes along for the guard to enforce.
 */
export function checkOfSession(session: GuardSession, referenceRequired: boolean): GuardCheck {
  return {
    referenceRequired,
    id: session.id,
    decision: session.decision ?? 'uncertain',
    liveness: session.liveness,
    rationale: session.rationale,
    qualityReason: null,
    ...(session.match ? { match: session.match } : {}),
  };
}

export function remoteSessions(options: RemoteOptions): SessionClient {
  const client = ifasApiClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return async ({ sessionId, subject }) => {
    const answer = await client
      .POST('/v1/sessions/{id}/redemption', {
        params: { path: { id: sessionId } },
        body: { subject },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      })
      .catch((error: unknown) => {
        throw new GuardCheckError(
          `ifas-guard is unreachable: ${error instanceof Error ? error.message : String(error)}`,
          503,
          'GUARD_UNREACHABLE',
        );
      });
    if (!answer.data) {
      const problem = (answer.error ?? {}) as { detail?: string; code?: string };
      throw new GuardCheckError(
        problem.detail ?? `HTTP ${answer.response.status}`,
        answer.response.status,
        problem.code ?? 'GUARD_FAILED',
      );
    }
    const { redeemed, reason, session, referenceRequired } = answer.data;
    return redeemed && session
      ? { redeemed: true, check: checkOfSession(session, referenceRequired) }
      : { redeemed: false, reason: reason ?? 'session_not_found' };
  };
}
