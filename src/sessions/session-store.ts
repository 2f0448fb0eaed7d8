/**
 * Liveness sessions and the hashes of the frames they received, written once over the SQL dialect so
 * the same code runs on the SQLite file and on PostgreSQL. The capture token is stored only as its
 * SHA-256; frames only as their SHA-256 and difference hash, never the image.
 *
 * State changes are conditional UPDATEs, so two requests racing on one session cannot both claim its
 * last attempt, both record a decision, or both redeem it.
 */

import type { z } from 'zod';
import type { sessionEnrolmentSchema } from '../audit/audit-record.js';
import type { FaceMatch } from '../face/face-match.js';
import type { SqlDialect, SqlExecutor } from '../store/sql-dialect.js';
import { dhashBands, hammingDistance } from './frame-hash.js';

export const SESSION_PURPOSES = ['login', 'enrol', 'step_up'] as const;
export type SessionPurpose = (typeof SESSION_PURPOSES)[number];
export type SessionState = 'created' | 'capturing' | 'judged' | 'consumed';

/** What a judged attempt concluded; kept as one JSON column so both databases store it alike. */
export interface SessionResult {
  decision: 'live' | 'spoof' | 'uncertain';
  /** The lowest frame liveness: the session is only as live as its weakest frame. */
  liveness: number | null;
  rationale: string;
  attackMedium: string | null;
  /** Session-level reason codes (replayed_capture, static_frames, frames_disagree, quality reasons…). */
  reasons: string[];
  /** The audited checks of every frame of every attempt, in order. */
  checkIds: string[];
  /**
   * The frames against the subject's enrolled reference face: the weakest score, matched only when
   * every frame matched. Absent when the subject has no reference (or the session predates matching).
   */
  match?: FaceMatch | null;
  /** Each attempt's own decision record in the audit log (absent on sessions judged before them). */
  decisionRecords?: Array<{ id: string; seq: number; hash: string }>;
  /** enrol sessions: what became of the reference face (absent before any live attempt). */
  enrolment?: SessionEnrolment | null;
  judgedAt: string;
}

/** enrol sessions: what became of the reference face (the audit record's shape). */
export type SessionEnrolment = z.infer<typeof sessionEnrolmentSchema>;

export interface SessionRow {
  id: string;
  tenant: string;
  subject: string;
  purpose: SessionPurpose;
  returnUrl: string | null;
  state: SessionState;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  expiresAt: string;
  createdBy: string;
  result: SessionResult | null;
  consumedAt: string | null;
  consumedBy: string | null;
  /** enrol sessions: may replace a reference the subject already has. */
  replaceReference: boolean;
}

export interface NewSession {
  id: string;
  tenant: string;
  subject: string;
  purpose: SessionPurpose;
  returnUrl: string | null;
  tokenHash: string;
  maxAttempts: number;
  createdAt: string;
  expiresAt: string;
  createdBy: string;
  replaceReference?: boolean;
}

export interface CaptureHash {
  sha256: string;
  dhash: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS liveness_sessions (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    return_url TEXT,
    token_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    result TEXT,
    consumed_at TEXT,
    consumed_by TEXT
  );
  CREATE INDEX IF NOT EXISTS liveness_sessions_tenant ON liveness_sessions (tenant, created_at);
  CREATE TABLE IF NOT EXISTS capture_hashes (
    tenant TEXT NOT NULL,
    session_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    dhash TEXT NOT NULL,
    band0 TEXT NOT NULL,
    band1 TEXT NOT NULL,
    band2 TEXT NOT NULL,
    band3 TEXT NOT NULL,
    captured_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS capture_hashes_sha ON capture_hashes (tenant, sha256);
  CREATE INDEX IF NOT EXISTS capture_hashes_band0 ON capture_hashes (tenant, band0);
  CREATE INDEX IF NOT EXISTS capture_hashes_band1 ON capture_hashes (tenant, band1);
  CREATE INDEX IF NOT EXISTS capture_hashes_band2 ON capture_hashes (tenant, band2);
  CREATE INDEX IF NOT EXISTS capture_hashes_band3 ON capture_hashes (tenant, band3);
  CREATE INDEX IF NOT EXISTS capture_hashes_time ON capture_hashes (captured_at);
  CREATE TABLE IF NOT EXISTS capture_claims (
    tenant TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    session_id TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (tenant, sha256)
  );
  CREATE INDEX IF NOT EXISTS capture_claims_time ON capture_claims (claimed_at);
`;

interface Row {
  id: string;
  tenant: string;
  subject: string;
  purpose: string;
  return_url: string | null;
  token_hash: string;
  state: string;
  attempts: number | string;
  max_attempts: number | string;
  created_at: string;
  expires_at: string;
  created_by: string;
  result: string | null;
  consumed_at: string | null;
  consumed_by: string | null;
  replace_reference?: number | string | null;
  [column: string]: unknown;
}

function sessionOf(row: Row): SessionRow {
  return {
    id: row.id,
    tenant: row.tenant,
    subject: row.subject,
    purpose: row.purpose as SessionPurpose,
    returnUrl: row.return_url,
    state: row.state as SessionState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    result: row.result === null ? null : (JSON.parse(row.result) as SessionResult),
    consumedAt: row.consumed_at,
    consumedBy: row.consumed_by,
    replaceReference: Number(row.replace_reference ?? 0) === 1,
  };
}

export class SessionStore {
  private constructor(private readonly db: SqlDialect) {}

  static async open(db: SqlDialect): Promise<SessionStore> {
    await db.exec(SCHEMA);
    await addReplaceReferenceColumn(db);
    return new SessionStore(db);
  }

  async create(session: NewSession): Promise<void> {
    await this.db.run(
      `INSERT INTO liveness_sessions (id, tenant, subject, purpose, return_url, token_hash, state,
         attempts, max_attempts, created_at, expires_at, created_by, replace_reference)
       VALUES (?, ?, ?, ?, ?, ?, 'created', 0, ?, ?, ?, ?, ?)`,
      [
        session.id,
        session.tenant,
        session.subject,
        session.purpose,
        session.returnUrl,
        session.tokenHash,
        session.maxAttempts,
        session.createdAt,
        session.expiresAt,
        session.createdBy,
        session.replaceReference ? 1 : 0,
      ],
    );
  }

  /** Any tenant's session by id (the capture route knows only the id and the token). */
  async find(id: string): Promise<(SessionRow & { tokenHash: string }) | null> {
    const row = await this.db.get<Row>('SELECT * FROM liveness_sessions WHERE id = ?', [id]);
    return row ? { ...sessionOf(row), tokenHash: row.token_hash } : null;
  }

  async findForTenant(tenant: string, id: string): Promise<SessionRow | null> {
    const row = await this.db.get<Row>(
      'SELECT * FROM liveness_sessions WHERE id = ? AND tenant = ?',
      [id, tenant],
    );
    return row ? sessionOf(row) : null;
  }

  /** Takes one attempt if the session is open, unexpired and has attempts left; the new count, or null. */
  async claimAttempt(id: string, now: Date): Promise<number | null> {
    const claimed = await this.db.get<{ attempts: number | string }>(
      `UPDATE liveness_sessions SET attempts = attempts + 1, state = 'capturing'
       WHERE id = ? AND state IN ('created', 'capturing') AND attempts < max_attempts AND expires_at > ?
       RETURNING attempts`,
      [id, now.toISOString()],
    );
    return claimed ? Number(claimed.attempts) : null;
  }

  /**
   * Records an attempt's frames before its decision, in one transaction: each exact SHA-256 is claimed
   * for the tenant (primary key tenant + sha256, `ON CONFLICT DO NOTHING`), and the difference hashes
   * are stored for the near-copy search. Two sessions sending the same bytes at the same instant
   * cannot both claim them: the database lets one insert win. Returns false when some frame was
   * already claimed — by an earlier capture, a concurrent one, or this session's earlier attempt.
   * A claim is never released, so a decision that is not recorded afterwards still burns the frames.
   */
  async claimFrames(
    session: Pick<SessionRow, 'id' | 'tenant'>,
    frames: readonly CaptureHash[],
    at: Date,
  ): Promise<boolean> {
    const capturedAt = at.toISOString();
    const distinct = [...new Map(frames.map((frame) => [frame.sha256, frame])).values()];
    return this.db.transaction(async (tx) => {
      let fresh = true;
      for (const frame of distinct) {
        const claimed = await tx.run(
          `INSERT INTO capture_claims (tenant, sha256, session_id, claimed_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (tenant, sha256) DO NOTHING`,
          [session.tenant, frame.sha256, session.id, capturedAt],
        );
        if (claimed.changes === 0) fresh = false;
      }
      for (const frame of frames) await insertHash(tx, session, frame, capturedAt);
      return fresh;
    });
  }

  /** Records an attempt's outcome: `judged` when final, back to `capturing` when the client may retry. */
  async recordAttempt(
    session: Pick<SessionRow, 'id' | 'tenant'>,
    outcome: { final: boolean; result: SessionResult },
  ): Promise<void> {
    await this.db.run(
      `UPDATE liveness_sessions SET state = ?, result = ? WHERE id = ? AND state = 'capturing'`,
      [outcome.final ? 'judged' : 'capturing', JSON.stringify(outcome.result), session.id],
    );
  }

  /** Earlier frames of the tenant that this frame copies: the same bytes, or a difference hash within `maxDistance`. */
  async findReplays(
    tenant: string,
    frame: CaptureHash,
    since: Date,
    maxDistance: number,
  ): Promise<Array<{ sessionId: string; kind: 'identical' | 'near' }>> {
    const bands = dhashBands(frame.dhash);
    const rows = await this.db.all<{ session_id: string; sha256: string; dhash: string }>(
      `SELECT session_id, sha256, dhash FROM capture_hashes
       WHERE tenant = ? AND captured_at >= ?
         AND (sha256 = ? OR band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?)
       LIMIT 200`,
      [tenant, since.toISOString(), frame.sha256, ...bands],
    );
    return rows.flatMap((row): Array<{ sessionId: string; kind: 'identical' | 'near' }> => {
      if (row.sha256 === frame.sha256)
        return [{ sessionId: row.session_id, kind: 'identical' as const }];
      return hammingDistance(row.dhash, frame.dhash) <= maxDistance
        ? [{ sessionId: row.session_id, kind: 'near' as const }]
        : [];
    });
  }

  /** Single use: judged → consumed, once. */
  async consume(tenant: string, id: string, usedBy: string, now: Date): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE liveness_sessions SET state = 'consumed', consumed_at = ?, consumed_by = ?
       WHERE id = ? AND tenant = ? AND state = 'judged'`,
      [now.toISOString(), usedBy, id, tenant],
    );
    return changed.changes === 1;
  }

  /** Retention: frame hashes and sessions older than the replay window go; the audit log keeps the checks. */
  async purgeBefore(before: Date): Promise<{ hashes: number; sessions: number }> {
    const cutoff = before.toISOString();
    return this.db.transaction(async (tx) => {
      // A claim is one frame's exact hash and goes with it; the count is of frames.
      await tx.run('DELETE FROM capture_claims WHERE claimed_at < ?', [cutoff]);
      const hashes = await tx.run('DELETE FROM capture_hashes WHERE captured_at < ?', [cutoff]);
      const sessions = await tx.run('DELETE FROM liveness_sessions WHERE expires_at < ?', [cutoff]);
      return { hashes: hashes.changes, sessions: sessions.changes };
    });
  }
}

/**
 * The one column added after the first release: databases created before it gain it here (the rare DDL
 * that differs, since SQLite has no ADD COLUMN IF NOT EXISTS).
 */
async function addReplaceReferenceColumn(db: SqlDialect): Promise<void> {
  const columns =
    db.kind === 'postgres'
      ? `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'liveness_sessions'`
      : "SELECT name FROM pragma_table_info('liveness_sessions')";
  const has = async () =>
    (await db.all<{ name: string }>(columns)).some((row) => row.name === 'replace_reference');
  if (await has()) return;
  // Another process may add it between the look and the ALTER.
  await db
    .exec('ALTER TABLE liveness_sessions ADD COLUMN replace_reference INTEGER NOT NULL DEFAULT 0')
    .catch(async (error: unknown) => {
      if (!(await has())) throw error;
    });
}

async function insertHash(
  tx: SqlExecutor,
  session: Pick<SessionRow, 'id' | 'tenant'>,
  frame: CaptureHash,
  capturedAt: string,
): Promise<void> {
  await tx.run(
    `INSERT INTO capture_hashes (tenant, session_id, sha256, dhash, band0, band1, band2, band3, captured_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [session.tenant, session.id, frame.sha256, frame.dhash, ...dhashBands(frame.dhash), capturedAt],
  );
}
