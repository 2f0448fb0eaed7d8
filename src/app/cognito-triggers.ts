/**
 * The Cognito custom-authentication triggers (Define, Create and Verify Auth Challenge) for a liveness
 * challenge; the logic is in src/cognito/custom-challenge.ts. Settings: IFAS_PUBLIC_URL (where the
 * client posts photos), IFAS_COGNITO_TENANT (whose checks this pool redeems), IFAS_COGNITO_MAX_ATTEMPTS,
 * IFAS_COGNITO_MAX_CHECK_AGE_S.
 */

import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { z } from 'zod';
import {
  createAuthChallenge,
  defineAuthChallenge,
  verifyAuthChallenge,
} from '../cognito/custom-challenge.js';
import { parseEnv } from '../config/env.js';
import { lambdaConfig, lambdaStore, lambdaSubjectPolicy } from './lambda-parts.js';

const cognitoEnvSchema = z.object({
  IFAS_COGNITO_TENANT: z.string().min(1).default('default'),
  IFAS_COGNITO_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  IFAS_COGNITO_MAX_CHECK_AGE_S: z.coerce.number().int().min(10).max(3600).default(300),
});

// Read once per cold start, like before: a bad setting fails the function's initialisation.
const settings = parseEnv(cognitoEnvSchema, 'Cognito trigger configuration');

export const defineHandler = async (event: DefineAuthChallengeTriggerEvent) =>
  defineAuthChallenge(event, { maxAttempts: settings.IFAS_COGNITO_MAX_ATTEMPTS });

export const createHandler = async (event: CreateAuthChallengeTriggerEvent) =>
  createAuthChallenge(event, { checksUrl: `${(await lambdaConfig()).publicUrl}/v1/checks` });

export const verifyHandler = async (event: VerifyAuthChallengeResponseTriggerEvent) =>
  verifyAuthChallenge(event, {
    store: await lambdaStore(),
    subjectPolicy: await lambdaSubjectPolicy(),
    tenant: settings.IFAS_COGNITO_TENANT,
    maxCheckAgeSeconds: settings.IFAS_COGNITO_MAX_CHECK_AGE_S,
    onRefusal: (reason) =>
      console.warn(JSON.stringify({ trigger: 'VerifyAuthChallengeResponse', refused: reason })),
  });
