/**
 * Inbound identity-provider hooks, validated with zod: per tenant, the Standard Webhooks secrets that
 * sign `POST /v1/hooks/verify` (several at once for rotation) and, for Okta's registration inline
 * hook (which cannot sign), the static Authorization value Okta sends; the answer's time budget and
 * what to answer when it is spent (fail-closed `deny` by default).
 */

import { z } from 'zod';

export const hookActionSchema = z.enum(['allow', 'deny', 'step_up']);
export type HookAction = z.infer<typeof hookActionSchema>;

export const hookConfigSchema = z.object({
  tenants: z
    .record(
      z.string().min(1),
      z.object({
        secrets: z.array(z.string().regex(/^whsec_[A-Za-z0-9+/=]{32,}$/)).default([]),
        okta: z
          .object({
            authorization: z.string().min(16),
            checkIdAttribute: z.string().min(1).default('livenessCheckId'),
            subjectAttribute: z.string().min(1).default('email'),
          })
          .optional(),
      }),
    )
    .default({}),
  budgetMs: z.number().int().min(100).max(30_000).default(2_500),
  onBudgetExceeded: hookActionSchema.default('deny'),
  /** What an `uncertain` decision asks the identity provider to do. */
  onUncertain: hookActionSchema.default('step_up'),
  maxCheckAgeSeconds: z.number().int().min(1).max(86_400).default(300),
});

export type HookConfig = z.infer<typeof hookConfigSchema>;
