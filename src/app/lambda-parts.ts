/**
 * What the API and notify functions build once per cold start on top of the shared state
 * (lambda-state.ts): the whole service for the API function (its model in-process, in the infer
 * function or in the GPU container), the outbox dispatcher for notify.
 */

import { FlagDelivery } from '../flags/deliver.js';
import { OutboxDispatcher } from '../flags/outbox-dispatcher.js';
import { setSigningKeyFor } from '../flags/signing-key.js';
import { buildService, type Service, type ServiceParts } from './build-service.js';
import { lambdaConfig, lambdaStore, once } from './lambda-state.js';

export {
  assertSharedState,
  lambdaCheckpointKeys,
  lambdaConfig,
  lambdaStore,
  lambdaSubjectPolicy,
} from './lambda-state.js';

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

export const lambdaDispatcher = once(async (): Promise<OutboxDispatcher> => {
  const config = await lambdaConfig();
  const key = await setSigningKeyFor(config);
  return new OutboxDispatcher(
    await lambdaStore(),
    new FlagDelivery(config.flags, key),
    config.flags.backoff,
  );
});
