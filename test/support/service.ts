/**
 * The real service, assembled from environment-style configuration on a temporary data folder with
 * the tiny fixture model (images are face crops, so no detector), plus a helper to issue keys.
 */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, type Service } from '../../src/app/build-service.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import type { Scope } from '../../src/auth/scopes.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { TINY_PACKAGE } from './fixtures.js';

export async function testServiceEnv(
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    IFAS_MODEL_DIR: TINY_PACKAGE,
    IFAS_DETECT_FACES: 'false',
    IFAS_DATA_DIR: await mkdtemp(join(tmpdir(), 'ifas-service-')),
    IFAS_MAX_NEW_TOKENS: '8',
    // The model in the main thread: worker pools have their own tests (test/app/local-judge.test.ts).
    IFAS_WORKERS: '0',
    ...env,
  };
}

export async function startTestService(env: Record<string, string> = {}): Promise<Service> {
  const service = await buildService(serviceConfigFromEnv(await testServiceEnv(env)));
  await service.modelLoaded;
  return service;
}

export async function keyFor(service: Service, tenant: string, scopes: Scope[]): Promise<string> {
  return (await issueApiKey(service.store, { tenant, name: 'test', scopes })).key;
}

/** Records a check through the service's CheckService (as a capture page would); returns its id. */
export async function recordCheck(
  service: Service,
  options: { tenant: string; subject: string | null; image: Uint8Array },
): Promise<string> {
  const outcome = await service.checks.submit({
    ...options,
    clientRequestId: null,
    explain: 'auto',
    caller: { kind: 'cli', id: 'test' },
    requestId: null,
    userAgent: null,
  });
  return outcome.stored.record.checkId;
}
