/**
 * How the guard redeems a liveness session named by a login request: in the same process (a
 * SessionService) or over HTTP with the typed API client (an API key with sessions:write). Either way
 * the session must belong to the tenant and the subject, be judged and recent, and is used up.
 */

import { ifasApiClient } from '../client/api-client.js';
import type { SessionView } from '../sessions/session-ledger.js';
import type { SessionService } from '../sessions/session-service.js';
import { type GuardCheck, GuardCheckError, type RemoteOptions } from './check-clients.js';

export type SessionRedeemOutcome =
  | { redeemed: true; check: GuardCheck }
  | { redeemed: false; reason: string };

export type SessionClient = (input: {
  sessionId: string;
  subject: string;
}) => Promise<SessionRedeemOutcome>;

/** A session as the guard sees it: the session id stands in the check id's place. */
function checkOf(
  session: Pick<SessionView, 'id' | 'decision' | 'liveness' | 'rationale' | 'match'>,
): GuardCheck {
  return {
    id: session.id,
    decision: session.decision ?? 'uncertain',
    liveness: session.liveness,
    rationale: session.rationale,
    qualityReason: null,
    ...(session.match ? { match: session.match } : {}),
  };
}

export function inProcessSessions(
  sessions: SessionService,
  tenant: string,
  options: { maxAgeSeconds?: number; usedBy?: string } = {},
): SessionClient {
  return async ({ sessionId, subject }) => {
    const redemption = await sessions.redeem({
      tenant,
      sessionId,
      subject,
      maxAgeSeconds: options.maxAgeSeconds ?? 300,
      usedBy: options.usedBy ?? 'ifas-guard-middleware',
    });
    return redemption.ok
      ? { redeemed: true, check: checkOf(redemption.session) }
      : { redeemed: false, reason: redemption.reason };
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
    const { redeemed, reason, session } = answer.data;
    return redeemed && session
      ? { redeemed: true, check: checkOf(session) }
      : { redeemed: false, reason: reason ?? 'session_not_found' };
  };
}
