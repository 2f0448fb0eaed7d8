/**
 * What each Lambda function builds once per cold start, and nothing more: the API function the
 * whole service (its model in-process or in the infer function); the scheduled and Cognito functions
 * only the audit store and what they use of it. Failures reject the memoised promise, so the next
 * invocation retries rather than running half-configured.
 */

import type { AuditStore } from '../audit/audit-store.js';
import { openAuditStore } from '../audit/open-audit-store.js';
import { checkpointKeysFor } from '../config/local-secrets.js';
import { type ServiceConfig, serviceConfigFromEnv } from '../config/service-config.js';
import { ConfigError } from '../errors.js';
import { FlagDelivery } from '../flags/deliver.js';
import { OutboxDispatcher } from '../flags/outbox-dispatcher.js';
import { setSigningKeyFor } from '../flags/signing-key.js';
// Type-only: the whole service is imported when the api function first needs it, so the light
// functions (Cognito triggers, scheduled jobs) never load the model runtime, Hono or sharp.
import type { Service, ServiceParts } from './build-service.js';
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
  else if (config.store.tls.mode !== 'verify-full') missing.push('IFAS_DATABASE_TLS=verify-full');
  if (config.subjectPolicy === 'keyed-hash' && config.subjectHashKey === null)
    missing.push('IFAS_SUBJECT_HASH_KEY');
  if (config.checkpointPrivateKey === null) missing.push('IFAS_CHECKPOINT_PRIVATE_KEY');
  // A file in /tmp is no anchor: checkpoints must leave the database for the Object Lock bucket.
  if (config.anchoring.s3 === null) missing.push('IFAS_ANCHOR_S3_BUCKET');
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

let service: Promise<Service> | null = null;

export function lambdaService(parts: ServiceParts = {}): Promise<Service> {
  service ??= lambdaConfig()
    .then(async (config) => (await import('./build-service.js')).buildService(config, parts))
    .catch((error: unknown) => {
      service = null;
      throw error;
    });
  return service;
}

export const lambdaStore = once(
  async (): Promise<AuditStore> => openAuditStore((await lambdaConfig()).store),
);

export const lambdaDispatcher = once(async (): Promise<OutboxDispatcher> => {
  const config = await lambdaConfig();
  const key = await setSigningKeyFor(config);
  return new OutboxDispatcher(
    await lambdaStore(),
    new FlagDelivery(config.flags, key),
    config.flags.backoff,
  );
});

export const lambdaCheckpointKeys = once(async () => checkpointKeysFor(await lambdaConfig()));

/** The anchor sinks (the S3 bucket on Lambda); imported on first use, so Cognito never loads the S3 SDK. */
export const lambdaAnchors = once(async () =>
  (await import('./anchor-sinks.js')).anchorSinksFor((await lambdaConfig()).anchoring),
);

export const lambdaSubjectPolicy = once(async () => subjectPolicyFor(await lambdaConfig()));
