/**
 * Secrets for the Lambda functions come from AWS Secrets Manager, not from the deployment template:
 * IFAS_SECRET_ID (name or ARN) names a secret whose JSON value holds IFAS_* settings (database URL, subject hash
 * key, checkpoint and SET signing keys, hook and flag configuration); they are read once per cold
 * start into the environment the configuration is parsed from. Nothing secret sits in CloudFormation.
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const secretValueSchema = z.record(z.string().regex(/^IFAS_[A-Z0-9_]+$/), z.string());

export async function loadSecretsIntoEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<void> {
  const secretId = env.IFAS_SECRET_ID;
  if (!secretId) return;
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  let parsed: z.infer<typeof secretValueSchema>;
  try {
    parsed = secretValueSchema.parse(JSON.parse(output.SecretString ?? ''));
  } catch (error) {
    throw new ConfigError(
      'the IFAS_SECRET_ID secret must hold a JSON object of IFAS_* string settings',
      {
        cause: error,
      },
    );
  }
  for (const [name, value] of Object.entries(parsed)) {
    // The template's explicit settings win over the secret's.
    env[name] ??= value;
  }
}
