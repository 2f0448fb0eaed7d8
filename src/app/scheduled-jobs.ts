/**
 * The scheduled Lambda functions' work: `notify` delivers due spoof flags from the outbox;
 * `retention` purges audit records older than IFAS_RETENTION_DAYS (each chain keeps a signed
 * checkpoint), retained images past their expiry, and old hook message ids.
 */

import { runHousekeeping } from '../audit/housekeeping.js';
import {
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

export async function runRetention() {
  const [config, store, keys] = await Promise.all([
    lambdaConfig(),
    lambdaStore(),
    lambdaCheckpointKeys(),
  ]);
  const report = await runHousekeeping(store, {
    retentionDays: config.retentionDays,
    checkpointKey: keys.privateKey,
  });
  return {
    checkpoints: report.checkpoints.map(({ tenant, seq, purged }) => ({ tenant, seq, purged })),
    heads: report.heads.map(({ tenant, seq }) => ({ tenant, seq })),
    refused: report.refused,
    images: report.images,
    hookMessages: report.hookMessages,
  };
}
