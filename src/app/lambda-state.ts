/**
 * The shared state every Lambda function needs, built once per cold start and nothing more: the
 * configuration (secrets loaded from Secrets Manager), the audit store, the subject policy and the
 * checkpoint keys. It imports neither the HTTP app nor the model, so the Cognito triggers and the
 * scheduled functions start without them. Failures reject the memoised promise, so the next
 * invocation retries rather than running half-configured.
 */

import type { AuditStore } from '../audit/audit-store.js';
import { openAuditStore } from '../audit/open-audit-store.js';
import { checkpointKeysFor } from '../config/local-secrets.js';
import { type ServiceConfig, serviceConfigFromEnv } from '../config/service-config.js';
import { ConfigError } from '../errors.js';
import { loadSecretsIntoEnv } from './lambda-environment.js';
import { subjectPolicyFor } from './subject-policy.js';

export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = null;
      throw error;
    });
    return made;
  };
}

/**
 * On Lambda every instance must share the keys and the database: a key generated in one instance's
 * /tmp would hash subjects, sign checkpoints and sign SETs differently from the next instance's, and
 * an SQLite file in /tmp dies with its instance. Refuses such a configuration by name.
 */
export function assertSharedState(config: ServiceConfig): void {
  const missing: string[] = [];
  if (config.store.kind !== 'postgres')
    missing.push('IFAS_AUDIT_STORE=postgres with IFAS_DATABASE_URL');
  else if (config.store.tls?.mode !== 'verify-full') missing.push('IFAS_DATABASE_TLS=verify-full');
  if (config.subjectPolicy === 'keyed-hash' && config.subjectHashKey === null)
    missing.push('IFAS_SUBJECT_HASH_KEY');
  if (config.checkpointPrivateKey === null) missing.push('IFAS_CHECKPOINT_PRIVATE_KEY');
  const flagging = config.flags.receivers.length > 0;
  if (flagging && config.setSigningKeyPem === null) missing.push('IFAS_SET_SIGNING_KEY');
  if (missing.length > 0) {
    throw new ConfigError(
      `on Lambda every instance must share these (keys from the secret IFAS_SECRET_ID, the database over verified TLS): ${missing.join(', ')}`,
    );
  }
}

export const lambdaConfig = once(async (): Promise<ServiceConfig> => {
  await loadSecretsIntoEnv();
  const config = serviceConfigFromEnv();
  // Only on real Lambda instances; tests drive the handlers in one process on purpose.
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) assertSharedState(config);
  return config;
});

export const lambdaStore = once(
  async (): Promise<AuditStore> => openAuditStore((await lambdaConfig()).store),
);

export const lambdaCheckpointKeys = once(async () => checkpointKeysFor(await lambdaConfig()));

export const lambdaSubjectPolicy = once(async () => subjectPolicyFor(await lambdaConfig()));
