/**
 * Inbound identity-provider hooks, validated with zod: per tenant, the Standard Webhooks secrets that
 * sign `POST /v1/hooks/verify` (several at once for rotation) and, for Okta's registration inline
 * hook (which cannot sign), how Okta authenticates: the static Authorization value, and/or Okta's
 * OAuth 2.0 inline-hook authentication (a bearer access token Okta obtains with a client secret or a
 * private-key JWT, verified against the authorization server's JWKS); the answer's time budget and
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
            authorization: z.string().min(16).optional(),
            oauth: z
              .object({
                /** The Okta authorization server that issues the hook's tokens, e.g. https://acme.okta.com/oauth2/aus1. */
                issuer: z.string().min(1),
                audience: z.string().min(1),
                jwksUrl: z.url().optional(),
                jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
                /** The client id of the Okta inline-hook app (the token's `cid`). */
                clientId: z.string().min(1),
                /** A scope the token must carry. */
                scope: z.string().min(1),
                algorithms: z.array(z.string().min(1)).min(1).default(['RS256']),
              })
              .refine((o) => (o.jwksUrl === undefined) !== (o.jwks === undefined), {
                message: 'configure exactly one of jwksUrl or jwks',
              })
              .optional(),
            checkIdAttribute: z.string().min(1).default('livenessCheckId'),
            subjectAttribute: z.string().min(1).default('email'),
          })
          .refine((o) => o.authorization !== undefined || o.oauth !== undefined, {
            message: 'okta needs authorization (static header) or oauth (OAuth 2.0 bearer)',
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
