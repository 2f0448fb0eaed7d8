/**
 * Opens reference faces when the deployment enables them (IFAS_REFERENCE_KEY): the embedder package,
 * verified file by file (a missing or altered graph stops the start with MODEL_FILE_TAMPERED), and the
 * encrypted reference table in the audit store's database (`db`, which the caller owns).
 */

import type { SubjectPolicy } from '../audit/audit-record.js';
import type { ServiceConfig } from '../config/service-config.js';
import {
  defaultEmbedderDir,
  type EmbedderVerifyOptions,
  FaceEmbedder,
} from '../face/face-embedder.js';
import type { SqlDialect } from '../store/sql-dialect.js';
import { FaceReferences } from './face-references.js';
import { ReferenceStore } from './reference-store.js';

export interface OpenedReferences {
  service: FaceReferences;
  close(): Promise<void>;
}

export async function openFaceReferences(
  config: Pick<ServiceConfig, 'identity' | 'limits'>,
  subjectPolicy: SubjectPolicy,
  db: SqlDialect,
  /** The process's one verified-files record (shared with the model); absent: hash every file. */
  verify: EmbedderVerifyOptions = {},
): Promise<OpenedReferences | null> {
  const { referenceKey, embedderDir, policy } = config.identity;
  if (referenceKey === null) return null;
  const embedder = await FaceEmbedder.load(embedderDir ?? defaultEmbedderDir(), undefined, verify);
  try {
    const store = await ReferenceStore.open(db, referenceKey);
    return {
      service: new FaceReferences(embedder, store, subjectPolicy, policy, config.limits.maxPixels),
      close: () => embedder.release(),
    };
  } catch (error) {
    await embedder.release();
    throw error;
  }
}
