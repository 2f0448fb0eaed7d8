/**
 * How subjects are stored in audit records: plain, or keyed-hashed with the configured key (or one
 * created under the data folder on a single server).
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
