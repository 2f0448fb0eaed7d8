/**
 * Enrolled reference faces, one per tenant + subject, written once over the SQL dialect (SQLite or
 * PostgreSQL). Only the face descriptor is kept, never the image, and only encrypted: AES-256-GCM with
 * tenant, subject and embedding model as associated data, so a row copied to another subject or read
 * with another model's descriptors fails to open instead of matching. Subjects are stored under the
 * deployment's subject policy (plain or keyed hash), like the audit log.
 */

import { openAesGcm, requireAes256Key, sealAesGcm } from '../crypto/aead.js';
import type { SqlDialect } from '../store/sql-dialect.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS face_references (
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    model TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    tag TEXT NOT NULL,
    check_id TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    PRIMARY KEY (tenant, subject)
  )
`;

export interface ReferenceFace {
  /** The embedding model whose descriptor this is. */
  model: string;
  descriptor: Float32Array;
  /** The live check the reference was enrolled from. */
  checkId: string;
  enrolledAt: string;
}

interface ReferenceRow extends Record<string, unknown> {
  model: string;
  nonce: string;
  ciphertext: string;
  tag: string;
  check_id: string;
  enrolled_at: string;
}

export class ReferenceStore {
  private constructor(
    private readonly db: SqlDialect,
    private readonly key: Buffer,
  ) {}

  /** `subject` arguments are already under the subject policy (see subjectValue). */
  static async open(db: SqlDialect, key: Buffer): Promise<ReferenceStore> {
    await db.exec(SCHEMA);
    return new ReferenceStore(db, requireAes256Key(key, 'IFAS_REFERENCE_KEY'));
  }

  private static associatedData(tenant: string, subject: string, model: string): Buffer {
    return Buffer.from(JSON.stringify([tenant, subject, model]));
  }

  /**
   * Enrols or replaces the subject's reference; with `replace: false` only where the subject has none
   * (atomic: of two racing enrolments one stores). false when nothing was stored.
   */
  async put(
    tenant: string,
    subject: string,
    reference: ReferenceFace,
    { replace = true }: { replace?: boolean } = {},
  ): Promise<boolean> {
    const plain = Buffer.from(
      reference.descriptor.buffer,
      reference.descriptor.byteOffset,
      reference.descriptor.byteLength,
    );
    const sealed = sealAesGcm(
      this.key,
      ReferenceStore.associatedData(tenant, subject, reference.model),
      plain,
    );
    const onConflict = replace
      ? `DO UPDATE SET model = excluded.model, nonce = excluded.nonce,
         ciphertext = excluded.ciphertext, tag = excluded.tag, check_id = excluded.check_id,
         enrolled_at = excluded.enrolled_at`
      : 'DO NOTHING';
    const { changes } = await this.db.run(
      `INSERT INTO face_references (tenant, subject, model, nonce, ciphertext, tag, check_id, enrolled_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, subject) ${onConflict}`,
      [
        tenant,
        subject,
        reference.model,
        sealed.nonce.toString('base64'),
        sealed.ciphertext.toString('base64'),
        sealed.tag.toString('base64'),
        reference.checkId,
        reference.enrolledAt,
      ],
    );
    return changes > 0;
  }

  /** The subject's reference, or null; throws when the row was altered or the key is wrong. */
  async get(tenant: string, subject: string): Promise<ReferenceFace | null> {
    const row = await this.db.get<ReferenceRow>(
      'SELECT model, nonce, ciphertext, tag, check_id, enrolled_at FROM face_references WHERE tenant = ? AND subject = ?',
      [tenant, subject],
    );
    if (!row) return null;
    const plain = openAesGcm(this.key, ReferenceStore.associatedData(tenant, subject, row.model), {
      nonce: Buffer.from(row.nonce, 'base64'),
      ciphertext: Buffer.from(row.ciphertext, 'base64'),
      tag: Buffer.from(row.tag, 'base64'),
    });
    const descriptor = new Float32Array(plain.byteLength / 4);
    Buffer.from(descriptor.buffer).set(plain);
    return { model: row.model, descriptor, checkId: row.check_id, enrolledAt: row.enrolled_at };
  }

  /** true when a reference was removed. */
  async delete(tenant: string, subject: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'DELETE FROM face_references WHERE tenant = ? AND subject = ?',
      [tenant, subject],
    );
    return changes > 0;
  }
}
