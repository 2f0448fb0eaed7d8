/**
 * The `retention` function (scheduled): purges audit records older than IFAS_RETENTION_DAYS (each
 * chain keeps a signed checkpoint), retained images past their expiry, and old hook message ids.
 */

import { runHousekeeping } from '../src/audit/housekeeping.js';
import { lambdaCheckpointKeys, lambdaConfig, lambdaStore } from '../src/lambda/lambda-parts.js';

export const handler = async () => {
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
    refused: report.refused,
    images: report.images,
    hookMessages: report.hookMessages,
  };
};
