/**
 * One small SQL interface over the two databases the audit store supports, so a new store (sessions,
 * reference faces, …) is written once instead of once per database. Statements use `?` placeholders
 * everywhere; the PostgreSQL side rewrites them to `$1…$n`. `sqlDialectConfigFor` places them next to
 * the audit store (the `StoreConfig` of src/audit/open-audit-store.ts): its PostgreSQL database, or a
 * sibling SQLite file.
 *
 * Portable SQL, kept deliberately plain: TEXT for strings and ISO-8601 times, INTEGER for small counts
 * (PostgreSQL returns BIGINT and COUNT(*) as strings, so cast with Number() or keep to INTEGER), 0/1 for
 * booleans, `INSERT … ON CONFLICT … DO NOTHING/UPDATE` and `RETURNING` (both need SQLite ≥ 3.35, which
 * better-sqlite3 12 bundles). Use `dialect.kind` only for the rare DDL that must differ.
 */

import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoreConfig } from '../audit/open-audit-store.js';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlRow = Record<string, unknown>;

/** What a statement runner offers, inside or outside a transaction. */
export interface SqlExecutor {
  /** INSERT/UPDATE/DELETE; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  get<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export interface SqlDialect extends SqlExecutor {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs several `;`-separated statements without parameters (schema set-up). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. SQLite takes
   * the write lock up front (BEGIN IMMEDIATE); PostgreSQL starts READ COMMITTED, so guard a
   * read-modify-write with a conditional UPDATE (`… WHERE state = ?`) and check `changes`, which
   * behaves the same on both.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** True for a UNIQUE or PRIMARY KEY violation, whichever database raised it. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}

/**
 * Where the dialect-based stores live for an audit-store configuration: the same PostgreSQL database;
 * for SQLite, `stores.sqlite` next to the audit file. Not the audit file itself: better-sqlite3 waits
 * for a lock synchronously, so the audit store's connection writing while a dialect transaction on
 * the same file is between two awaits would block the event loop that transaction needs to finish
 * (a deadlock until busy_timeout, then SQLITE_BUSY).
 */
export function sqlDialectConfigFor(audit: StoreConfig): StoreConfig {
  return audit.kind === 'postgres'
    ? audit
    : { kind: 'sqlite', path: join(dirname(audit.path), 'stores.sqlite') };
}

/** One connection (and one lock) per SQLite file in this process, shared by every store on it. */
const sqliteFiles = new Map<string, { dialect: SqliteDialect; users: number }>();

export async function openSqlDialect(config: StoreConfig): Promise<SqlDialect> {
  if (config.kind === 'postgres') {
    return new PostgresDialect(new pg.Pool({ connectionString: config.url, max: 10 }));
  }
  const path = resolve(config.path);
  let shared = sqliteFiles.get(path);
  if (!shared) {
    await mkdir(dirname(path), { recursive: true });
    shared = sqliteFiles.get(path) ?? { dialect: new SqliteDialect(path), users: 0 };
    sqliteFiles.set(path, shared);
  }
  shared.users += 1;
  const file = shared;
  let closed = false;
  // Each opener gets its own close(); the connection closes with the last one.
  return Object.assign(Object.create(file.dialect) as SqlDialect, {
    close: async () => {
      if (closed) return;
      closed = true;
      file.users -= 1;
      if (file.users === 0) {
        sqliteFiles.delete(path);
        await file.dialect.close();
      }
    },
  });
}

/** Serialises async work on SQLite's single connection, so one transaction never interleaves another. */
class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();

  hold<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly lock = new AsyncLock();
  private readonly direct: SqlExecutor;

  constructor(path: string) {
    this.db = new Database(path);
    // The same settings as the SQLite audit store: durable commits, readers alongside one writer,
    // and a wait (not an error) when another connection holds the write lock — set first, so that
    // even switching to WAL waits for the audit store's connection on the same file.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.direct = {
      run: async (sql, params = []) => ({ changes: this.db.prepare(sql).run(...params).changes }),
      get: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
        this.db.prepare(sql).get(...params) as T | undefined,
      all: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
        this.db.prepare(sql).all(...params) as T[],
    };
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.lock.hold(() => this.direct.run(sql, params));
  }

  get<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.lock.hold(() => this.direct.get<T>(sql, params));
  }

  all<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.lock.hold(() => this.direct.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.lock.hold(async () => {
      this.db.exec(sql);
    });
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.hold(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async close(): Promise<void> {
    await this.lock.hold(async () => this.db.close());
  }
}

class PostgresDialect implements SqlDialect {
  readonly kind = 'postgres';

  constructor(private readonly pool: pg.Pool) {}

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return runOn(this.pool, sql, params);
  }

  get<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return getOn<T>(this.pool, sql, params);
  }

  all<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return allOn<T>(this.pool, sql, params);
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        run: (sql, params) => runOn(client, sql, params),
        get: (sql, params) => getOn(client, sql, params),
        all: (sql, params) => allOn(client, sql, params),
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === '23505';
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

type Queryable = Pick<pg.Pool, 'query'>;

async function runOn(
  db: Queryable,
  sql: string,
  params: readonly SqlValue[] = [],
): Promise<{ changes: number }> {
  const result = await db.query(numberedPlaceholders(sql), [...params]);
  return { changes: result.rowCount ?? 0 };
}

async function getOn<T extends SqlRow>(
  db: Queryable,
  sql: string,
  params: readonly SqlValue[] = [],
): Promise<T | undefined> {
  const result = await db.query(numberedPlaceholders(sql), [...params]);
  return result.rows[0] as T | undefined;
}

async function allOn<T extends SqlRow>(
  db: Queryable,
  sql: string,
  params: readonly SqlValue[] = [],
): Promise<T[]> {
  const result = await db.query(numberedPlaceholders(sql), [...params]);
  return result.rows as T[];
}

/**
 * `?` → `$1, $2, …` for PostgreSQL, leaving question marks inside quoted strings and identifiers alone.
 */
export function numberedPlaceholders(sql: string): string {
  let out = '';
  let index = 0;
  let quote: string | null = null;
  for (const char of sql) {
    if (quote !== null) {
      if (char === quote) quote = null;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === '?') {
      index += 1;
      out += `$${index}`;
    } else {
      out += char;
    }
  }
  return out;
}
