/**
 * What each Lambda function builds once per cold start, and nothing more: the API function the
 * whole service (its model in-process or in the infer function); the scheduled and Cognito functions
 * only the audit store and what they use of it. Failures reject the memoised promise, so the next
 * invocation retries rather than running half-configured.
 */

import type { AuditStore } from '../audit/audit-store.js';
import { openAuditStore } from '../audit/open-audit-store.js';
import { checkpointKeysFromPem, loadCheckpointKeys } from '../config/local-secrets.js';
import { type ServiceConfig, serviceConfigFromEnv } from '../config/service-config.js';
import { FlagDelivery } from '../flags/deliver.js';
import { OutboxDispatcher } from '../flags/outbox-dispatcher.js';
import { loadSetSigningKey, setSigningKeyFromPem } from '../flags/signing-key.js';
import {
  buildService,
  type Service,
  type ServiceParts,
  subjectPolicyFor,
} from '../service/build-service.js';
import { loadSecretsIntoEnv } from './lambda-environment.js';

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = null;
      throw error;
    });
    return made;
  };
}

export const lambdaConfig = once(async (): Promise<ServiceConfig> => {
  await loadSecretsIntoEnv();
  return serviceConfigFromEnv();
});

let service: Promise<Service> | null = null;

export function lambdaService(parts: ServiceParts = {}): Promise<Service> {
  service ??= lambdaConfig()
    .then((config) => buildService(config, parts))
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
  const key = config.setSigningKeyPem
    ? await setSigningKeyFromPem(config.setSigningKeyPem)
    : await loadSetSigningKey(config.setSigningKeyFile);
  return new OutboxDispatcher(
    await lambdaStore(),
    new FlagDelivery(config.flags, key),
    config.flags.backoff,
  );
});

export const lambdaCheckpointKeys = once(async () => {
  const config = await lambdaConfig();
  return config.checkpointPrivateKey
    ? checkpointKeysFromPem(config.checkpointPrivateKey)
    : loadCheckpointKeys(config.checkpointKeyFile);
});

export const lambdaSubjectPolicy = once(async () => subjectPolicyFor(await lambdaConfig()));
