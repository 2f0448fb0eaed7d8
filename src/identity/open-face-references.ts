/**
 * Opens reference faces when the deployment enables them (IFAS_REFERENCE_KEY): the embedder package,
 * verified file by file (a missing or altered graph stops the start with MODEL_FILE_TAMPERED), and the
 * encrypted reference table in the audit store's database.
 */

import type { SubjectPolicy } from '../audit/audit-record.js';
import type { ServiceConfig } from '../config/service-config.js';
import { defaultEmbedderDir, FaceEmbedder } from '../face/face-embedder.js';
import { openSqlDialect } from '../store/sql-dialect.js';
import { FaceReferences } from './face-references.js';
import { ReferenceStore } from './reference-store.js';

export interface OpenedReferences {
  service: FaceReferences;
  close(): Promise<void>;
}

export async function openFaceReferences(
  config: Pick<ServiceConfig, 'identity' | 'store' | 'limits'>,
  subjectPolicy: SubjectPolicy,
): Promise<OpenedReferences | null> {
  const { referenceKey, embedderDir, policy } = config.identity;
  if (referenceKey === null) return null;
  const embedder = await FaceEmbedder.load(embedderDir ?? defaultEmbedderDir());
  const db = await openSqlDialect(config.store);
  try {
    const store = await ReferenceStore.open(db, referenceKey);
    return {
      service: new FaceReferences(embedder, store, subjectPolicy, policy, config.limits.maxPixels),
      async close() {
        await embedder.release();
        await db.close();
      },
    };
  } catch (error) {
    await embedder.release();
    await db.close();
    throw error;
  }
}
