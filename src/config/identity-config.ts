/**
 * Identity binding settings (IFAS_IDENTITY / IFAS_IDENTITY_FILE), validated with zod: whether a tenant
 * requires an enrolled reference face for a check to pass, and an optional similarity threshold that
 * overrides the embedder's measured one. The reference encryption key is IFAS_REFERENCE_KEY.
 */

import { z } from 'zod';

export const identityConfigSchema = z.object({
  /** Default for tenants not listed: a subject without a reference fails when true. */
  requireReference: z.boolean().default(false),
  tenants: z.record(z.string().min(1), z.object({ requireReference: z.boolean() })).default({}),
  /** Cosine-similarity threshold; default: the face-embedder package's measured one. */
  threshold: z.number().min(-1).max(1).optional(),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema>;

export function requiresReference(config: IdentityConfig, tenant: string): boolean {
  return config.tenants[tenant]?.requireReference ?? config.requireReference;
}
