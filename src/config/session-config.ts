/**
 * Liveness-session settings, validated with zod (IFAS_SESSIONS JSON or IFAS_SESSIONS_FILE): per tenant,
 * the browser origins allowed to post captures from their own pages (exact origins, never a wildcard),
 * and how replayed or frozen captures are recognised.
 */

import { z } from 'zod';

const originSchema = z.url().refine((value) => new URL(value).origin === value, {
  message: 'an origin is scheme://host[:port] with nothing after it',
});

export const sessionConfigSchema = z.object({
  tenants: z
    .record(z.string().min(1), z.object({ allowedOrigins: z.array(originSchema).default([]) }))
    .default({}),
  /** How long frame hashes are kept to recognise a replayed capture. */
  replayWindowDays: z.number().int().min(1).max(365).default(30),
  /**
   * Bits (of the 64-bit difference hash) within which a frame counts as a copy of an earlier one. At most
   * 3: the hash is stored as four 16-bit bands and a copy within 3 bits shares one band exactly.
   */
  replayMaxDistance: z.number().int().min(0).max(3).default(3),
  /** Below this mean absolute change between consecutive frames (0–255 grey levels) the frames are a still. */
  staticMeanDifference: z.number().min(0).max(32).default(0.5),
});

export type SessionConfig = z.infer<typeof sessionConfigSchema>;
