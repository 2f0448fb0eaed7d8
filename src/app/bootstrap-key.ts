/**
 * First-run convenience for the embedded default: when the store has no API keys at all, issue one
 * for tenant `default` with every scope and write it to a file readable only by its owner. The key
 * never goes to the log; the log says where the file is.
 */

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditStore } from '../audit/audit-store.js';
import { issueApiKey } from '../auth/api-keys.js';
import { SCOPES } from '../auth/scopes.js';

/** Returns the new key's id, or null when keys already existed (nothing written). */
export async function writeBootstrapKey(store: AuditStore, file: string): Promise<string | null> {
  if ((await store.listApiKeys()).length > 0) {
    return null;
  }
  const issued = await issueApiKey(store, { tenant: 'default', name: 'bootstrap', scopes: SCOPES });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${issued.key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return issued.row.id;
}
