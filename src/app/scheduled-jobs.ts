/**
 * The scheduled Lambda functions' work: `notify` delivers due spoof flags from the outbox;
 * `anchor` signs every chain's head that moved and anchors the newest signed checkpoint of each
 * chain in the Object Lock bucket; `retention` purges audit records older than IFAS_RETENTION_DAYS
 * (each chain keeps a signed checkpoint), retained images past their expiry, and old hook message ids.
 */

import { anchorCatchUp } from '../audit/anchor-catch-up.js';
import { runHousekeeping } from '../audit/housekeeping.js';
import {
  lambdaAnchors,
  lambdaCheckpointKeys,
  lambdaConfig,
  lambdaDispatcher,
  lambdaStore,
} from './lambda-parts.js';

/** Logs its report as one JSON line ({"outbox":{…,"dead":n}}); infra/'s monitoring alarms on dead > 0. */
export async function runNotify() {
  const report = await (await lambdaDispatcher()).runOnce();
  console.log(JSON.stringify({ outbox: report }));
  return report;
}

/**
 * Logs one JSON line ({"anchoring":{…,"failed":n}}). A chain whose newest checkpoint could not be
 * anchored (S3 unavailable) fails the run, so Lambda retries it and then the dead-letter queue (and
 * infra/'s alarm on it) reports it; audit appends never wait on this. The next run catches up.
 */
export async function runAnchoring() {
  const [store, keys, anchors] = await Promise.all([
    lambdaStore(),
    lambdaCheckpointKeys(),
    lambdaAnchors(),
  ]);
  const signed = await store.checkpointHeads(keys.privateKey, new Date(), (tenant) =>
    anchors.source.newest(tenant),
  );
  const caughtUp = await anchorCatchUp(store, anchors.source);
  const report = {
    signed: signed.checkpoints.map(({ tenant, seq }) => ({ tenant, seq })),
    refused: signed.refused,
    anchored: caughtUp.published.map(({ tenant, seq }) => ({ tenant, seq })),
    failed: caughtUp.failed,
  };
  console.log(
    JSON.stringify({
      anchoring: {
        signed: report.signed.length,
        refused: report.refused.length,
        anchored: report.anchored.length,
        failed: report.failed.length,
      },
    }),
  );
  if (caughtUp.failed.length > 0) {
    throw new Error(
      `anchoring failed for ${caughtUp.failed.map((f) => `${f.tenant} (${f.error})`).join(', ')}`,
    );
  }
  return report;
}

export async function runRetention() {
  const [config, store, keys, anchors] = await Promise.all([
    lambdaConfig(),
    lambdaStore(),
    lambdaCheckpointKeys(),
    lambdaAnchors(),
  ]);
  const report = await runHousekeeping(store, {
    retentionDays: config.retentionDays,
    checkpointKey: keys.privateKey,
    anchoredFor: (tenant) => anchors.source.newest(tenant),
  });
  // The heads signed here are anchored now rather than at the next `anchor` run.
  const caughtUp = await anchorCatchUp(store, anchors.source);
  return {
    anchored: caughtUp.published.map(({ tenant, seq }) => ({ tenant, seq })),
    anchorFailures: caughtUp.failed,
    checkpoints: report.checkpoints.map(({ tenant, seq, purged }) => ({ tenant, seq, purged })),
    heads: report.heads.map(({ tenant, seq }) => ({ tenant, seq })),
    refused: report.refused,
    images: report.images,
    hookMessages: report.hookMessages,
  };
}
