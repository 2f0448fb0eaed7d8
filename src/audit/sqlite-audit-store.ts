/**
 * The embedded audit store: an append-only, hash-chained table in SQLite (better-sqlite3, WAL mode,
 * synchronous=FULL so an acknowledged append survives a crash). Appends run in an IMMEDIATE
 * transaction, so the head read and the insert cannot interleave with another writer. Retention
 * purges the oldest records and stores a signed checkpoint that anchors the rest of the chain.
 * Knows rows and hashes; what a record contains is the caller's business (it must be JSON).
 */

import type { KeyObject } from 'node:crypto';
import Database from 'better-sqlite3';
import { type Checkpoint, checkpointIsAuthentic, signCheckpoint } from './checkpoint.js';
import {
  type ChainedRecord,
  type ChainVerdict,
  GENESIS,
  linkHash,
  verifyChain,
} from './hash-chain.js';

interface Row {
  seq: number;
  prev_hash: string;
  hash: string;
  body: string;
}

export interface StoreVerdict extends ChainVerdict {
  checkpoint: Checkpoint | null;
  checkpointAuthentic: boolean | null;
}

export class SqliteAuditStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS audit_records (
        seq INTEGER PRIMARY KEY,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        head_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        purged INTEGER NOT NULL,
        signature TEXT NOT NULL
      );
    `);
  }

  /** Appends one record, linked to the current head; returns it as stored. */
  append(body: Record<string, unknown>, now: Date = new Date()): ChainedRecord {
    const insert = this.db.transaction((): ChainedRecord => {
      const head = this.db
        .prepare('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1')
        .get() as { seq: number; hash: string } | undefined;
      // After a purge the chain continues from the checkpoint, not from genesis.
      const checkpoint = head ? null : this.latestCheckpoint();
      const seq = head ? head.seq + 1 : (checkpoint?.seq ?? 0) + 1;
      const prevHash = head ? head.hash : (checkpoint?.headHash ?? GENESIS);
      const hash = linkHash(seq, body, prevHash);
      this.db
        .prepare(
          'INSERT INTO audit_records (seq, prev_hash, hash, created_at, body) VALUES (?, ?, ?, ?, ?)',
        )
        .run(seq, prevHash, hash, now.toISOString(), JSON.stringify(body));
      return { seq, prevHash, hash, body };
    });
    return insert.immediate();
  }

  /** Records in chain order (optionally from a sequence number). */
  records(fromSeq = 0): ChainedRecord[] {
    const rows = this.db
      .prepare('SELECT seq, prev_hash, hash, body FROM audit_records WHERE seq >= ? ORDER BY seq')
      .all(fromSeq) as Row[];
    return rows.map((row) => ({
      seq: row.seq,
      prevHash: row.prev_hash,
      hash: row.hash,
      body: JSON.parse(row.body) as Record<string, unknown>,
    }));
  }

  latestCheckpoint(): Checkpoint | null {
    const row = this.db
      .prepare(
        'SELECT seq, head_hash, created_at, purged, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
      )
      .get() as
      | { seq: number; head_hash: string; created_at: string; purged: number; signature: string }
      | undefined;
    return row
      ? {
          seq: row.seq,
          headHash: row.head_hash,
          createdAt: row.created_at,
          purged: row.purged,
          signature: row.signature,
        }
      : null;
  }

  /**
   * Deletes records created before `cutoff` and writes a checkpoint signed with `signingKey` that
   * vouches for the last deleted record's hash. Returns the checkpoint, or null when nothing was old
   * enough.
   */
  purgeBefore(cutoff: Date, signingKey: KeyObject, now: Date = new Date()): Checkpoint | null {
    const purge = this.db.transaction((): Checkpoint | null => {
      const last = this.db
        .prepare(
          'SELECT seq, hash FROM audit_records WHERE created_at < ? ORDER BY seq DESC LIMIT 1',
        )
        .get(cutoff.toISOString()) as { seq: number; hash: string } | undefined;
      if (!last) {
        return null;
      }
      const purged = this.db
        .prepare('DELETE FROM audit_records WHERE seq <= ?')
        .run(last.seq).changes;
      const checkpoint = signCheckpoint(
        { seq: last.seq, headHash: last.hash, createdAt: now.toISOString(), purged },
        signingKey,
      );
      this.db
        .prepare(
          'INSERT INTO audit_checkpoints (seq, head_hash, created_at, purged, signature) VALUES (?, ?, ?, ?, ?)',
        )
        .run(
          checkpoint.seq,
          checkpoint.headHash,
          checkpoint.createdAt,
          checkpoint.purged,
          checkpoint.signature,
        );
      return checkpoint;
    });
    return purge.immediate();
  }

  /** Recomputes the whole chain from its anchor (genesis or the latest checkpoint, whose signature is checked). */
  verify(checkpointKey?: KeyObject): StoreVerdict {
    const checkpoint = this.latestCheckpoint();
    const authentic =
      checkpoint && checkpointKey ? checkpointIsAuthentic(checkpoint, checkpointKey) : null;
    const anchor = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.headHash } : undefined;
    const verdict = verifyChain(this.records(), anchor);
    return {
      ...verdict,
      ok: verdict.ok && authentic !== false,
      checkpoint,
      checkpointAuthentic: authentic,
    };
  }

  /** Raw access for tests and migrations; the product never edits rows. */
  get database(): Database.Database {
    return this.db;
  }

  close(): void {
    this.db.close();
  }
}
