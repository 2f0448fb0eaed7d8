/**
 * Answers already given to an identity provider's hook, by the provider's event id, so a resent
 * event (Okta retries an inline hook it did not hear back from) gets the same answer again instead of
 * an error or a second redemption. Written once over the SQL dialect. The first request claims the
 * event id; a duplicate arriving while it is still deciding waits for that answer.
 */

import type { SqlDialect } from '../store/sql-dialect.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS hook_answers (
    tenant TEXT NOT NULL,
    event_id TEXT NOT NULL,
    answer TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, event_id)
  )
`;

const POLL_MS = 50;

export class HookAnswerStore {
  private constructor(private readonly db: SqlDialect) {}

  static async open(db: SqlDialect): Promise<HookAnswerStore> {
    await db.exec(SCHEMA);
    return new HookAnswerStore(db);
  }

  /**
   * The answer for this event: the stored one when the event was seen before, else `decide()`'s,
   * stored. A duplicate that finds the first request still deciding waits up to `waitMs` for it.
   */
  async once<T>(
    tenant: string,
    eventId: string,
    decide: () => Promise<T>,
    waitMs: number,
    now = new Date(),
  ): Promise<T> {
    const claimed = await this.db.run(
      'INSERT INTO hook_answers (tenant, event_id, answer, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT (tenant, event_id) DO NOTHING',
      [tenant, eventId, now.toISOString()],
    );
    if (claimed.changes === 0) return this.waitFor<T>(tenant, eventId, waitMs);
    let answer: T;
    try {
      answer = await decide();
    } catch (error) {
      // Nothing was answered: release the claim so a retry decides afresh.
      await this.db.run(
        'DELETE FROM hook_answers WHERE tenant = ? AND event_id = ? AND answer IS NULL',
        [tenant, eventId],
      );
      throw error;
    }
    await this.db.run('UPDATE hook_answers SET answer = ? WHERE tenant = ? AND event_id = ?', [
      JSON.stringify(answer),
      tenant,
      eventId,
    ]);
    return answer;
  }

  private async waitFor<T>(tenant: string, eventId: string, waitMs: number): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = await this.db.get<{ answer: string | null }>(
        'SELECT answer FROM hook_answers WHERE tenant = ? AND event_id = ?',
        [tenant, eventId],
      );
      if (row?.answer) return JSON.parse(row.answer) as T;
      if (Date.now() >= deadline) {
        throw new Error(`event ${eventId} is still being answered`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
