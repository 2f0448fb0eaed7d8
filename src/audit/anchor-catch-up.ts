/**
 * Anchoring that needs no memory between runs: for each tenant, the newest signed head checkpoint in
 * the database is published to a readable sink unless the sink already holds it (or a newer one).
 * A newer checkpoint covers every record an older one did, so when an outage made a round's publish
 * fail — in a Lambda instance that is gone by the next run, or a server restarted since — the next
 * catch-up anchors the newest and nothing is lost but the intermediate checkpoints.
 */

import type { AnchorSink, AnchorSource } from './anchor-sink.js';
import type { AuditLog } from './audit-store.js';
import type { Checkpoint } from './checkpoint.js';

export interface CatchUpReport {
  published: Checkpoint[];
  failed: Array<{ tenant: string; error: string }>;
}

export async function anchorCatchUp(
  log: Pick<AuditLog, 'tenants' | 'latestHeadCheckpoint'>,
  sink: AnchorSink & AnchorSource,
): Promise<CatchUpReport> {
  const report: CatchUpReport = { published: [], failed: [] };
  for (const tenant of await log.tenants()) {
    try {
      const signed = await log.latestHeadCheckpoint(tenant);
      if (!signed) continue;
      const anchored = await sink.newest(tenant);
      if (anchored && anchored.seq >= signed.seq) continue;
      await sink.publish(signed);
      report.published.push(signed);
    } catch (error) {
      report.failed.push({
        tenant,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}
