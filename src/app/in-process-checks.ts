/**
 * The guard's client for a host app that embeds the service: checks go to its CheckService in the
 * same process, recorded in the audit log like any other.
 */

import type { Caller } from '../audit/audit-record.js';
import type { CheckClient } from '../guard/check-clients.js';
import type { CheckService } from '../service/check-service.js';

export function inProcessChecks(
  checks: CheckService,
  tenant: string,
  caller: Caller = { kind: 'cli', id: 'ifas-guard-middleware' },
): CheckClient {
  return async (input) => {
    const outcome = await checks.submit({
      tenant,
      image: input.image,
      subject: input.subject,
      clientRequestId: input.clientRequestId ?? null,
      explain: 'auto',
      caller,
      requestId: null,
      userAgent: null,
    });
    const r = outcome.stored.record;
    return {
      id: r.checkId,
      decision: r.decision,
      liveness: r.liveness,
      rationale: r.rationale,
      qualityReason: r.qualityReason,
      ...(r.match ? { match: r.match } : {}),
      referenceRequired: checks.references?.requireReference(tenant) ?? false,
    };
  };
}
