/**
 * How subjects are stored (plain, or a keyed hash with the deployment's key), from the configuration.
 * Its own module so light entry points (the Cognito triggers) need not load the whole service.
 */

import { join } from 'node:path';
import type { SubjectPolicy } from '../audit/audit-record.js';
import { loadSubjectHashKey } from '../config/local-secrets.js';
import type { ServiceConfig } from '../config/service-config.js';

export async function subjectPolicyFor(config: ServiceConfig): Promise<SubjectPolicy> {
  if (config.subjectPolicy === 'plain') return { kind: 'plain' };
  const key =
    config.subjectHashKey ?? (await loadSubjectHashKey(join(config.dataDir, 'subject-hash.key')));
  return { kind: 'keyed-hash', key };
}
