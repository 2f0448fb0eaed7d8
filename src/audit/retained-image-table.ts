/**
 * The opt-in encrypted audit images (sealed by image-vault.ts), over the SQL dialect.
 */

import type { SqlExecutor } from '../store/sql-dialect.js';
import type { RetainedImage } from './image-vault.js';
import { type RetainedImageRow, retainedOf } from './store-rows.js';

export interface RetainedImageStore {
  /** Never called unless retention is configured. */
  retainImage(image: RetainedImage): Promise<void>;
  findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null>;
  /** Deletes images past their expiry; returns how many. */
  purgeExpiredImages(now?: Date): Promise<number>;
}

export class RetainedImageTable implements RetainedImageStore {
  constructor(private readonly sql: SqlExecutor) {}

  async retainImage(image: RetainedImage): Promise<void> {
    await this.sql.run(
      `INSERT INTO retained_images (tenant, check_id, format, expires_at, nonce, ciphertext, tag)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        image.tenant,
        image.checkId,
        image.format,
        image.expiresAt,
        image.nonce,
        image.ciphertext,
        image.tag,
      ],
    );
  }

  async findRetainedImage(tenant: string, checkId: string): Promise<RetainedImage | null> {
    const row = await this.sql.get<RetainedImageRow & Record<string, unknown>>(
      'SELECT * FROM retained_images WHERE tenant = ? AND check_id = ?',
      [tenant, checkId],
    );
    return row ? retainedOf(row) : null;
  }

  async purgeExpiredImages(now = new Date()): Promise<number> {
    return (
      await this.sql.run('DELETE FROM retained_images WHERE expires_at <= ?', [now.toISOString()])
    ).changes;
  }
}
