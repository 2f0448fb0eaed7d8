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

export async function runNotify() {
  return (await lambdaDispatcher()).runOnce();
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
    images: report.images,
    hookMessages: report.hookMessages,
  };
}
