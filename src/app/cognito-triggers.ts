/**
 * The Cognito custom-authentication triggers (Define, Create and Verify Auth Challenge) for a liveness
 * challenge; the logic is in src/cognito/custom-challenge.ts. Settings: IFAS_PUBLIC_URL (where the
 * client posts photos), IFAS_COGNITO_TENANT (whose checks this pool redeems), IFAS_COGNITO_FLOW
 * (`password-then-liveness`, the default, or `step-up`), IFAS_COGNITO_MAX_ATTEMPTS,
 * IFAS_COGNITO_MAX_CHECK_AGE_S; IFAS_IDENTITY's requireReference for the tenant;
 * IFAS_COGNITO_SESSIONS=true makes the liveness challenge a liveness session (its capture URL),
 * IFAS_COGNITO_SESSION_TTL_S its lifetime. Either way the password (SRP) comes first.
 *
 * They run under Cognito's ~5 s limit, so they load only the configuration, the audit store and the
 * session ledger — never the model runtime, Hono or sharp (test/app/cognito-cold-import.test.ts walks
 * the imports).
 */

import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { z } from 'zod';
import {
  createAuthChallenge,
  createSessionChallenge,
  defineAuthChallenge,
  verifyAuthChallenge,
} from '../cognito/custom-challenge.js';
import { parseEnv } from '../config/env.js';
import { requiresReference } from '../config/identity-config.js';
import { SessionLedger } from '../sessions/session-ledger.js';
import { SessionStore } from '../sessions/session-store.js';
import { openSqlDialect } from '../store/sql-dialect.js';
import { lambdaConfig, lambdaStore, lambdaSubjectPolicy, once } from './lambda-parts.js';

const cognitoEnvSchema = z.object({
  IFAS_COGNITO_TENANT: z.string().min(1).default('default'),
  IFAS_COGNITO_FLOW: z
    .enum(['password-then-liveness', 'step-up'])
    .default('password-then-liveness'),
  IFAS_COGNITO_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  IFAS_COGNITO_MAX_CHECK_AGE_S: z.coerce.number().int().min(10).max(3600).default(300),
  /** Session mode: the challenge is a liveness session (capture page) instead of a posted photo. */
  IFAS_COGNITO_SESSIONS: z.enum(['true', 'false']).default('false'),
  IFAS_COGNITO_SESSION_TTL_S: z.coerce.number().int().min(10).max(600).default(180),
});

// Read once per cold start, like before: a bad setting fails the function's initialisation.
const settings = parseEnv(cognitoEnvSchema, 'Cognito trigger configuration');

export const defineHandler = async (event: DefineAuthChallengeTriggerEvent) =>
  defineAuthChallenge(event, {
    maxAttempts: settings.IFAS_COGNITO_MAX_ATTEMPTS,
    flow: settings.IFAS_COGNITO_FLOW,
  });

const sessionMode = settings.IFAS_COGNITO_SESSIONS === 'true';

/** The session ledger beside the audit store (no model: the triggers only create and redeem). */
const ledger = once(async () => {
  const config = await lambdaConfig();
  return new SessionLedger({
    store: await SessionStore.open(await openSqlDialect(config.store)),
    subjectPolicy: await lambdaSubjectPolicy(),
    config: config.sessions,
    publicUrl: config.publicUrl,
    requireReference: (tenant) => requiresReference(config.identity.policy, tenant),
  });
});

export const createHandler = async (event: CreateAuthChallengeTriggerEvent) =>
  sessionMode
    ? createSessionChallenge(event, {
        sessions: await ledger(),
        tenant: settings.IFAS_COGNITO_TENANT,
        ttlSeconds: settings.IFAS_COGNITO_SESSION_TTL_S,
        maxAttempts: settings.IFAS_COGNITO_MAX_ATTEMPTS,
      })
    : createAuthChallenge(event, { checksUrl: `${(await lambdaConfig()).publicUrl}/v1/checks` });

export const verifyHandler = async (event: VerifyAuthChallengeResponseTriggerEvent) =>
  verifyAuthChallenge(event, {
    requireReference:
      settings.IFAS_COGNITO_FLOW === 'step-up' ||
      requiresReference((await lambdaConfig()).identity.policy, settings.IFAS_COGNITO_TENANT),
    ...(sessionMode ? { sessions: await ledger() } : {}),
    store: await lambdaStore(),
    subjectPolicy: await lambdaSubjectPolicy(),
    tenant: settings.IFAS_COGNITO_TENANT,
    maxCheckAgeSeconds: settings.IFAS_COGNITO_MAX_CHECK_AGE_S,
    onRefusal: (reason) =>
      console.warn(JSON.stringify({ trigger: 'VerifyAuthChallengeResponse', refused: reason })),
  });
