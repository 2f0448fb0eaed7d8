/**
 * The periodic clean-up, shared by the server's hourly timer, the `retention` Lambda function and
 * `ifas audit purge`: a signed head checkpoint for every chain that grew (so deployments without
 * the server's checkpointer, such as Lambda, still get them), records older than the retention
 * period (under signed checkpoints), retained images past their expiry, and inbound hook message ids
 * too old to be replayed.
 */

import type { KeyObject } from 'node:crypto';
import type { AuditLog, PurgeRefusal } from './audit-store.js';
import type { Checkpoint } from './checkpoint.js';
import type { ReplayGuard } from './hook-deliveries.js';
import type { RetainedImageStore } from './retained-image-table.js';

const DAY_MS = 86_400_000;
/** Far beyond the five-minute signature tolerance: a replay older than this fails its signature anyway. */
const HOOK_MESSAGE_MEMORY_MS = DAY_MS;

export interface HousekeepingReport {
  /** Signed head checkpoints of the chains that grew since their last one. */
  heads: Checkpoint[];
  checkpoints: Checkpoint[];
  /** Chains not purged because they do not verify (tampered): for an operator to look at. */
  refused: PurgeRefusal[];
  images: number;
  hookMessages: number;
}

export async function runHousekeeping(
  store: AuditLog & RetainedImageStore & ReplayGuard,
  options: {
    retentionDays: number | null;
    checkpointKey: KeyObject;
    now?: Date;
    /** The newest anchored checkpoint per chain: nothing is signed or purged that disagrees with it. */
    anchoredFor?: (tenant: string) => Promise<Checkpoint | null>;
  },
): Promise<HousekeepingReport> {
  const now = options.now ?? new Date();
  const heads = await store.checkpointHeads(options.checkpointKey, now, options.anchoredFor);
  const purge =
    options.retentionDays === null
      ? { checkpoints: [], refused: [] }
      : await store.purgeBefore(
          new Date(now.getTime() - options.retentionDays * DAY_MS),
          options.checkpointKey,
          now,
          options.anchoredFor,
        );
  const images = await store.purgeExpiredImages(now);
  const hookMessages = await store.forgetHookMessagesBefore(
    new Date(now.getTime() - HOOK_MESSAGE_MEMORY_MS),
  );
  return {
    heads: heads.checkpoints,
    checkpoints: purge.checkpoints,
    refused: [...heads.refused, ...purge.refused],
    images,
    hookMessages,
  };
}
