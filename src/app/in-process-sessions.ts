/**
 * The guard's session client for a host app that embeds the service: redemptions go to its
 * SessionService in the same process (same rules as the API's redemption route).
 */

import { checkOfSession, type SessionClient } from '../guard/session-clients.js';
import type { SessionService } from '../sessions/session-service.js';

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
      ? { redeemed: true, check: checkOfSession(redemption.session, redemption.referenceRequired) }
      : { redeemed: false, reason: redemption.reason };
  };
}
