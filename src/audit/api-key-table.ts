/**
 * The API key rows (hashes only), over the SQL dialect. Kept with the audit log in one database
 * because keys and the records they authorise must be backed up together.
 */

import type { SqlExecutor } from '../store/sql-dialect.js';
import type { ApiKeyRow } from './audit-store.js';
import { type KeyRow, keyOf } from './store-rows.js';

export interface ApiKeyStore {
  insertApiKey(row: ApiKeyRow): Promise<void>;
  findApiKey(id: string): Promise<ApiKeyRow | null>;
  listApiKeys(tenant?: string): Promise<ApiKeyRow[]>;
  /** Sets expiry (rotation grace) or revocation; never deletes, so key ids stay in the audit trail. */
  updateApiKey(id: string, change: { expiresAt?: string; revokedAt?: string }): Promise<void>;
}

export class ApiKeyTable implements ApiKeyStore {
  constructor(private readonly sql: SqlExecutor) {}

  async insertApiKey(row: ApiKeyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO api_keys (id, tenant, name, scopes, secret_hash, created_at, expires_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.id,
        row.tenant,
        row.name,
        row.scopes.join(' '),
        row.secretHash,
        row.createdAt,
        row.expiresAt,
        row.revokedAt,
      ],
    );
  }

  async findApiKey(id: string): Promise<ApiKeyRow | null> {
    const row = await this.sql.get<KeyRow & Record<string, unknown>>(
      'SELECT * FROM api_keys WHERE id = ?',
      [id],
    );
    return row ? keyOf(row) : null;
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRow[]> {
    const rows =
      tenant === undefined
        ? await this.sql.all<KeyRow & Record<string, unknown>>(
            'SELECT * FROM api_keys ORDER BY tenant, created_at',
          )
        : await this.sql.all<KeyRow & Record<string, unknown>>(
            'SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at',
            [tenant],
          );
    return rows.map(keyOf);
  }

  async updateApiKey(
    id: string,
    change: { expiresAt?: string; revokedAt?: string },
  ): Promise<void> {
    await this.sql.run(
      `UPDATE api_keys SET expires_at = COALESCE(?, expires_at), revoked_at = COALESCE(?, revoked_at)
       WHERE id = ?`,
      [change.expiresAt ?? null, change.revokedAt ?? null, id],
    );
  }
}
