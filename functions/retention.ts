/**
 * The `retention` function (scheduled): purges audit records older than IFAS_RETENTION_DAYS (each
 * chain keeps a signed checkpoint) and retained images past their expiry.
 */

import { lambdaCheckpointKeys, lambdaConfig, lambdaStore } from '../src/lambda/lambda-parts.js';

export const handler = async () => {
  const [config, store, keys] = await Promise.all([
    lambdaConfig(),
    lambdaStore(),
    lambdaCheckpointKeys(),
  ]);
  const checkpoints =
    config.retentionDays === null
      ? []
      : await store.purgeBefore(
          new Date(Date.now() - config.retentionDays * 86_400_000),
          keys.privateKey,
        );
  const images = await store.purgeExpiredImages();
  return {
    checkpoints: checkpoints.map(({ tenant, seq, purged }) => ({ tenant, seq, purged })),
    images,
  };
};
