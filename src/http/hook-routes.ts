/**
 * Inbound identity-provider hooks. They authenticate by the message, not by an API key:
 * `POST /v1/hooks/verify` by a Standard Webhooks signature (the standardwebhooks library; its
 * five-minute timestamp tolerance; a message id seen before is refused as a replay) whose secret
 * also names the tenant; `POST /v1/hooks/okta/registration` (self-service registration and
 * progressive profiling) by the static Authorization value or an Okta OAuth 2.0 bearer, answered in
 * Okta's command format, the same answer again for a resent event id.
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Webhook } from 'standardwebhooks';
import type { AuditStore } from '../audit/audit-store.js';
import type { HookConfig } from '../config/hook-config.js';
import { HookAuthenticationError, HookReplayError, ValidationError } from '../errors.js';
import type { HookAnswerStore } from '../hooks/hook-answers.js';
import type { HookAnswer, HookDecider } from '../hooks/hook-decider.js';
import {
  oktaAuthenticator,
  oktaCommands,
  oktaQuestion,
  oktaRegistrationSchema,
} from '../hooks/okta-registration.js';
import { DECISIONS, EXPLAIN_MODES } from '../inference/check-result.js';
import { issueSummary } from '../zod-issues.js';
import type { AppEnv } from './app-env.js';
import { boundedBody } from './bounded-body.js';
import { problemAnswer } from './schemas.js';

export interface HookRouteOptions {
  config: HookConfig;
  decider: HookDecider;
  store: AuditStore;
  /** Answers given per Okta event id, so a resent event is answered the same. */
  answers: HookAnswerStore;
  maxBodyBytes: number;
}

export const verifyHookBodySchema = z
  .object({
    type: z.literal('liveness.verify'),
    data: z
      .object({
        subject: z.string().min(1).max(256),
        checkId: z.string().min(1).max(64).optional(),
        sessionId: z.string().min(1).max(64).optional(),
        image: z.base64().optional(),
        clientRequestId: z.string().min(1).max(128).optional(),
        explain: z.enum(EXPLAIN_MODES).optional(),
      })
      .refine(
        (data) =>
          [data.checkId, data.sessionId, data.image].filter((field) => field !== undefined)
            .length === 1,
        {
          message:
            'send exactly one of checkId (look up a check), sessionId (redeem a session) or image (run one)',
        },
      ),
  })
  .openapi('VerifyHookRequest');

const hookAnswerSchema = z
  .object({
    action: z.enum(['allow', 'deny', 'step_up']),
    reason: z.string().openapi({
      description:
        'live, spoof, uncertain, budget_exceeded, check_not_found, subject_mismatch, check_expired, check_already_used, face_mismatch, reference_required, session_not_found, session_not_judged, session_expired, session_already_used',
    }),
    checkId: z.string().nullable(),
    sessionId: z.string().optional(),
    decision: z.enum(DECISIONS).nullable(),
    liveness: z.number().nullable(),
    rationale: z.string().nullable(),
    attackMedium: z.string().nullable(),
    qualityReason: z.string().nullable(),
  })
  .openapi('HookAnswer');

const verifyHook = createRoute({
  method: 'post',
  path: '/v1/hooks/verify',
  summary: 'Identity-provider hook: allow, deny or step up a login on a liveness check',
  description:
    'Signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Runs a check on ' +
    '`image`, or redeems `checkId` or `sessionId` (same subject, recent, single use), within the configured time budget.',
  request: { body: { content: { 'application/json': { schema: verifyHookBodySchema } } } },
  responses: {
    200: {
      description: 'The answer.',
      content: { 'application/json': { schema: hookAnswerSchema } },
    },
    401: problemAnswer('Missing or invalid signature, or a timestamp outside the tolerance.'),
    409: problemAnswer('The webhook-id was seen before.'),
    422: problemAnswer('The body does not match the schema.'),
  },
});

const oktaRegistration = createRoute({
  method: 'post',
  path: '/v1/hooks/okta/registration',
  summary:
    'Okta registration inline hook (self-service registration and progressive profiling): ALLOW or DENY on the liveness check id in the profile',
  responses: {
    200: {
      description: "Okta's command response.",
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    401: problemAnswer(
      'The Authorization value is neither the configured static value nor a valid Okta OAuth 2.0 bearer.',
    ),
    422: problemAnswer('Not a registration inline hook request.'),
  },
});

function signedTenant(config: HookConfig, raw: string, headers: Record<string, string>): string {
  for (const [tenant, settings] of Object.entries(config.tenants)) {
    for (const secret of settings.secrets) {
      try {
        new Webhook(secret).verify(raw, headers);
        return tenant;
      } catch {
        // Try the next secret: rotation keeps several valid at once.
      }
    }
  }
  throw new HookAuthenticationError(
    'the webhook signature does not verify, or its timestamp is outside the tolerance',
  );
}

export function registerHookRoutes(app: OpenAPIHono<AppEnv>, options: HookRouteOptions): void {
  app.use('/v1/hooks/*', boundedBody(options.maxBodyBytes));

  // Registered with plain handlers: the signature covers the raw body, so it must be read before parsing.
  app.openAPIRegistry.registerPath(verifyHook);
  app.post('/v1/hooks/verify', async (c: Context<AppEnv>) => {
    const raw = await c.req.text();
    const headers = {
      'webhook-id': c.req.header('webhook-id') ?? '',
      'webhook-timestamp': c.req.header('webhook-timestamp') ?? '',
      'webhook-signature': c.req.header('webhook-signature') ?? '',
    };
    const tenant = signedTenant(options.config, raw, headers);
    if (!(await options.store.rememberHookMessage(tenant, headers['webhook-id']))) {
      throw new HookReplayError(`message ${headers['webhook-id']} was already received`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ValidationError('the body is not JSON');
    }
    const parsed = verifyHookBodySchema.safeParse(json);
    if (!parsed.success) {
      throw new ValidationError(`invalid hook body: ${issueSummary(parsed.error)}`);
    }
    const { data } = parsed.data;
    const answer = await options.decider.answer({
      tenant,
      subject: data.subject,
      via: `standard-webhooks:${headers['webhook-id']}`,
      ...(data.checkId ? { checkId: data.checkId } : {}),
      ...(data.sessionId ? { sessionId: data.sessionId } : {}),
      ...(data.image ? { image: Buffer.from(data.image, 'base64') } : {}),
      ...(data.clientRequestId ? { clientRequestId: data.clientRequestId } : {}),
      ...(data.explain ? { explain: data.explain } : {}),
    });
    return c.json(answer, 200);
  });

  app.openAPIRegistry.registerPath(oktaRegistration);
  const authenticateOkta = oktaAuthenticator(options.config);
  app.post('/v1/hooks/okta/registration', async (c: Context<AppEnv>) => {
    const { tenant, okta } = await authenticateOkta(c.req.header('authorization') ?? '');
    const parsed = oktaRegistrationSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) {
      throw new ValidationError(
        `not an Okta registration inline hook request: ${issueSummary(parsed.error)}`,
      );
    }
    const request = parsed.data;
    const question = oktaQuestion(request, okta);
    const decide = async () => {
      const answer =
        question.checkId !== null && question.subject !== null
          ? await options.decider.answer({
              tenant,
              subject: question.subject,
              checkId: question.checkId,
              via: `okta:${request.eventId ?? request.requestType ?? 'registration'}`,
            })
          : ({ action: 'deny', reason: 'check_not_found' } as HookAnswer);
      return oktaCommands(answer, question.location);
    };
    // Okta may send an event again when it did not hear back: the same event gets the same answer.
    const body = request.eventId
      ? await options.answers.once(
          tenant,
          `okta:${request.eventId}`,
          decide,
          options.config.budgetMs,
        )
      : await decide();
    return c.json(body, 200);
  });
}
