/**
 * The risk level ifas-guard last reported for each subject, per tenant, so a risk-change event can say
 * what the level was before (`previous_level`) instead of inventing one. Written once over the SQL
 * dialect; subjects are kept under the deployment's subject policy, as in the audit log.
 */

import type { SqlDialect } from '../store/sql-dialect.js';

export type RiskLevel = 'low' | 'medium' | 'high';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS subject_risk_levels (
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    level TEXT NOT NULL,
    check_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, subject)
  )
`;

export class RiskLevelStore {
  private constructor(private readonly db: SqlDialect) {}

  static async open(db: SqlDialect): Promise<RiskLevelStore> {
    await db.exec(SCHEMA);
    return new RiskLevelStore(db);
  }

  /** The level last reported for the subject; null when none was (the event then omits it). */
  async get(tenant: string, subject: string): Promise<RiskLevel | null> {
    const row = await this.db.get<{ level: RiskLevel }>(
      'SELECT level FROM subject_risk_levels WHERE tenant = ? AND subject = ?',
      [tenant, subject],
    );
    return row?.level ?? null;
  }

  async set(
    tenant: string,
    subject: string,
    level: RiskLevel,
    checkId: string,
    now = new Date(),
  ): Promise<void> {
    await this.db.run(
      `INSERT INTO subject_risk_levels (tenant, subject, level, check_id, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant, subject) DO UPDATE SET level = excluded.level, check_id = excluded.check_id,
         updated_at = excluded.updated_at`,
      [tenant, subject, level, checkId, now.toISOString()],
    );
  }
}
