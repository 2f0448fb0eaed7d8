/**
 * Where spoof flags go, validated with zod: Shared Signals receivers (SET push, RFC 8935) and
 * Standard Webhooks endpoints, each optionally limited to one tenant, and which outcomes raise a flag.
 */

import { z } from 'zod';

export const CAEP_RISK_LEVEL_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';
export const OKTA_USER_RISK_CHANGE =
  'https://schemas.okta.com/secevent/okta/event-type/user-risk-change';

const eventTypeSchema = z
  .union([z.enum(['risk-level-change', 'okta-user-risk-change']), z.url()])
  .default('risk-level-change')
  .transform((type) =>
    type === 'risk-level-change'
      ? CAEP_RISK_LEVEL_CHANGE
      : type === 'okta-user-risk-change'
        ? OKTA_USER_RISK_CHANGE
        : type,
  );

export const ssfReceiverSchema = z.object({
  name: z.string().min(1).max(64),
  tenant: z.string().min(1).optional(),
  url: z.url(),
  audience: z.string().min(1),
  eventType: eventTypeSchema,
  /** RFC 9493 subject format; `iss_sub` needs subjectIssuer. */
  subjectFormat: z.enum(['opaque', 'email', 'iss_sub']).default('opaque'),
  subjectIssuer: z.string().min(1).optional(),
  /** Sent as the push request's Authorization header (RFC 8935 §2: authenticate the push). */
  authorization: z.string().min(1).optional(),
});

export const webhookEndpointSchema = z.object({
  name: z.string().min(1).max(64),
  tenant: z.string().min(1).optional(),
  url: z.url(),
  /** Standard Webhooks symmetric secret, `whsec_` + base64 (24–64 bytes). */
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{32,}$/, 'a whsec_ secret (base64 of 24–64 bytes)'),
});

export const flagConfigSchema = z.object({
  outcomes: z
    .array(z.enum(['spoof', 'uncertain']))
    .min(1)
    .default(['spoof']),
  receivers: z.array(ssfReceiverSchema).default([]),
  webhooks: z.array(webhookEndpointSchema).default([]),
  backoff: z
    .object({
      maxAttempts: z.number().int().min(1).max(50).default(12),
      baseDelayMs: z.number().int().min(1).default(5_000),
      maxDelayMs: z
        .number()
        .int()
        .min(1)
        .default(6 * 3_600_000),
    })
    .default({ maxAttempts: 12, baseDelayMs: 5_000, maxDelayMs: 6 * 3_600_000 }),
});

export type SsfReceiver = z.infer<typeof ssfReceiverSchema>;
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;
export type FlagConfig = z.infer<typeof flagConfigSchema>;
