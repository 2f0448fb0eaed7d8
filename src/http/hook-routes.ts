/**
 * Inbound identity-provider hooks. They authenticate by the message, not by an API key:
 * `POST /v1/hooks/verify` by a Standard Webhooks signature (the standardwebhooks library; its
 * five-minute timestamp tolerance; a message id seen before gets the answer it got then) whose secret
 * also names the tenant; `POST /v1/hooks/okta/registration` (self-service registration and
 * progressive profiling) by the static Authorization value or an Okta OAuth 2.0 bearer, answered in
 * Okta's command format, the same answer again for a resent event id. Both hooks remember a message
 * with its answer through the store's one replay guard (`answerOnce`).
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Webhook } from 'standardwebhooks';
import type { ReplayGuard } from '../audit/hook-deliveries.js';
import type { HookConfig } from '../config/hook-config.js';
import { HookAuthenticationError, HookReplayError, ValidationError } from '../errors.js';
import { faceMatchSchema } from '../face/face-match.js';
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
  /** Remembers each message id (webhook-id, Okta eventId) with the answer it got. */
  store: ReplayGuard;
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
        image: z.base64().min(1).optional(),
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
    referenceRequired: z.boolean().optional().openapi({
      description:
        'Where a check or session was judged: whether the tenant requires an enrolled reference face (IFAS_IDENTITY).',
    }),
    match: faceMatchSchema.nullable().optional().openapi({
      description: 'The face against the subject’s enrolled reference; null without one.',
    }),
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
    409: problemAnswer('A delivery with the same webhook-id is still being handled.'),
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
    409: problemAnswer('A delivery of the same eventId is still being handled.'),
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

/**
 * Handles a hook message once: the first delivery runs `handle` and its answer is remembered with the
 * message id; a resend gets that same answer; a delivery that threw is forgotten so a retry runs again.
 */
async function answerOnce<T>(
  guard: ReplayGuard,
  tenant: string,
  messageId: string,
  handle: () => Promise<T>,
): Promise<T> {
  const claim = await guard.claimHookMessage(tenant, messageId);
  if (claim.state === 'answered') return JSON.parse(claim.answer) as T;
  if (claim.state === 'in_progress') {
    throw new HookReplayError(`message ${messageId} is still being handled; retry later`);
  }
  let answer: T;
  try {
    answer = await handle();
  } catch (error) {
    await guard.releaseHookMessage(tenant, messageId);
    throw error;
  }
  await guard.settleHookMessage(tenant, messageId, JSON.stringify(answer));
  return answer;
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
    const answer = await answerOnce(options.store, tenant, headers['webhook-id'], async () => {
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
      return options.decider.answer({
        tenant,
        subject: data.subject,
        via: `standard-webhooks:${headers['webhook-id']}`,
        ...(data.checkId !== undefined ? { checkId: data.checkId } : {}),
        ...(data.sessionId !== undefined ? { sessionId: data.sessionId } : {}),
        ...(data.image !== undefined ? { image: Buffer.from(data.image, 'base64') } : {}),
        ...(data.clientRequestId ? { clientRequestId: data.clientRequestId } : {}),
        ...(data.explain ? { explain: data.explain } : {}),
      });
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
      ? await answerOnce(options.store, tenant, `okta:${request.eventId}`, decide)
      : await decide();
    return c.json(body, 200);
  });
}
