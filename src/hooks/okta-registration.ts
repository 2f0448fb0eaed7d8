/**
 * Okta's registration inline hook, both of its request types: self-service registration
 * (`self.service.registration`: the new user's attributes in `data.userProfile`) and progressive
 * profiling (`progressive.profile`: the existing user in `data.context.user.profile`, the newly
 * submitted attributes in `data.userProfileUpdate`). Which tenant a request belongs to is decided by
 * how Okta authenticated: the static Authorization value (constant-time compare) or an OAuth 2.0
 * bearer from the tenant's Okta authorization server (jose, JWKS, issuer, audience, client id, scope).
 *
 * @see https://developer.okta.com/docs/reference/registration-hook/
 */

import { z } from 'zod';
import { secretsEqual } from '../auth/constant-time.js';
import { jwtVerifier } from '../auth/jwt-verifier.js';
import type { HookConfig } from '../config/hook-config.js';
import { HookAuthenticationError } from '../errors.js';
import type { HookAnswer } from './hook-decider.js';

type OktaSettings = NonNullable<HookConfig['tenants'][string]['okta']>;

const attributes = z.record(z.string(), z.unknown());

export const oktaRegistrationSchema = z.object({
  eventId: z.string().min(1).max(256).optional(),
  eventType: z.string(),
  /** Absent in Classic Engine requests, which are self-service registrations. */
  requestType: z.enum(['self.service.registration', 'progressive.profile']).optional(),
  data: z.object({
    userProfile: attributes.optional(),
    userProfileUpdate: attributes.optional(),
    context: z
      .object({ user: z.object({ profile: attributes.optional() }).partial().optional() })
      .partial()
      .optional(),
  }),
});

export type OktaRegistration = z.infer<typeof oktaRegistrationSchema>;

/** Where the liveness check id and the subject are in this request, per request type. */
export function oktaQuestion(
  request: OktaRegistration,
  okta: OktaSettings,
): { checkId: string | null; subject: string | null; location: string } {
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
  if (request.requestType === 'progressive.profile') {
    const update = request.data.userProfileUpdate ?? {};
    const existing = request.data.context?.user?.profile ?? {};
    return {
      checkId: text(update[okta.checkIdAttribute]),
      // The account is the existing user's; an attribute submitted in the form cannot change whose it is.
      subject: text(existing[okta.subjectAttribute]),
      location: `data.userProfileUpdate.${okta.checkIdAttribute}`,
    };
  }
  const profile = request.data.userProfile ?? {};
  return {
    checkId: text(profile[okta.checkIdAttribute]),
    subject: text(profile[okta.subjectAttribute]),
    location: `data.userProfile.${okta.checkIdAttribute}`,
  };
}

/** Okta's command response: ALLOW, or DENY with an end-user error on the check id attribute. */
export function oktaCommands(answer: HookAnswer, location: string): Record<string, unknown> {
  const allow = answer.action === 'allow';
  return {
    commands: [
      { type: 'com.okta.action.update', value: { registration: allow ? 'ALLOW' : 'DENY' } },
    ],
    ...(allow
      ? {}
      : {
          error: {
            errorSummary:
              answer.reason === 'spoof' ||
              answer.reason === 'uncertain' ||
              answer.reason === 'face_mismatch'
                ? 'The face check did not pass. Please retry the face check.'
                : 'A valid face check is required. Please complete the face check.',
            errorCauses: [
              {
                errorSummary: `liveness: ${answer.reason}`,
                reason: answer.reason.toUpperCase(),
                locationType: 'body',
                location,
                domain: 'end-user',
              },
            ],
          },
        }),
  };
}

export type OktaAuthenticator = (
  authorization: string,
) => Promise<{ tenant: string; okta: OktaSettings }>;

/** Built once: one jose verifier per tenant that uses OAuth 2.0, the static values compared per request. */
export function oktaAuthenticator(config: HookConfig): OktaAuthenticator {
  const tenants = Object.entries(config.tenants).flatMap(([tenant, settings]) =>
    settings.okta ? [{ tenant, okta: settings.okta }] : [],
  );
  const bearers = tenants.flatMap(({ tenant, okta }) => {
    if (!okta.oauth) return [];
    const { oauth } = okta;
    const verify = jwtVerifier({
      ...(oauth.jwksUrl ? { jwksUrl: oauth.jwksUrl } : {}),
      ...(oauth.jwks ? { jwks: oauth.jwks } : {}),
      issuer: oauth.issuer,
      audience: oauth.audience,
      algorithms: oauth.algorithms,
      // Okta access tokens name their client in `cid`; it must be the hook's app.
      tenantClaim: 'cid',
    });
    return [{ tenant, okta, oauth, verify }];
  });
  return async (authorization) => {
    for (const { tenant, okta } of tenants) {
      if (okta.authorization && secretsEqual(authorization, okta.authorization)) {
        return { tenant, okta };
      }
    }
    const token = /^Bearer (\S+)$/i.exec(authorization)?.[1];
    if (token) {
      for (const { tenant, okta, oauth, verify } of bearers) {
        const principal = await verify(token).catch(() => null);
        if (principal && principal.tenant === oauth.clientId && principal.scopes.has(oauth.scope)) {
          return { tenant, okta };
        }
      }
    }
    throw new HookAuthenticationError(
      'the Authorization header is neither the configured Okta value nor a valid Okta OAuth 2.0 token',
    );
  };
}
