/**
 * One small SQL interface over the two databases the audit store supports, so a new store (sessions,
 * reference faces, …) is written once instead of once per database. Statements use `?` placeholders
 * everywhere; the PostgreSQL side rewrites them to `$1…$n`. Every store — the audit store, reference
 * faces, risk levels — opens it on the same `StoreConfig`, so they share one database: for SQLite one
 * connection per file in this process (see `openSqlDialect`), for PostgreSQL one pool per URL.
 *
 * Portable SQL, kept deliberately plain: TEXT for strings and ISO-8601 times, INTEGER for small counts
 * (PostgreSQL returns BIGINT and COUNT(*) as strings, so cast with Number() or keep to INTEGER), 0/1 for
 * booleans, `INSERT … ON CONFLICT … DO NOTHING/UPDATE` and `RETURNING` (both need SQLite ≥ 3.35, which
 * better-sqlite3 12 bundles). Use `dialect.kind` only for the rare DDL that must differ.
 */

import { chmodSync, closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DatabaseTls, postgresConnection } from './postgres-tls.js';
import { DEFAULT_MAX_BUSY_WAIT_MS, SQLITE_BUSY_WAIT_MS, whileBusy } from './sqlite-busy.js';

/** Which database: an SQLite file (the embedded default) or a PostgreSQL server. */
export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; tls?: DatabaseTls; poolMax?: number };

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

export interface SqlDialectOptions {
  /** SQLite: how long an operation waits (without blocking) for another connection's write lock. */
  maxBusyWaitMs?: number;
}

/**
 * A handle on the database, shared in this process: every opener of one SQLite file gets the same
 * connection and the same queue, every opener of one PostgreSQL URL the same pool; each handle has its
 * own close(), and the connection closes with the last one. One SQLite connection per file matters:
 * a second connection's BEGIN IMMEDIATE while the first holds the write lock between two awaits could
 * only fail busy and retry until the first commits; on one connection the transactions simply queue.
 */
export async function openSqlDialect(
  config: StoreConfig,
  options: SqlDialectOptions = {},
): Promise<SqlDialect> {
  if (config.kind === 'postgres') {
    // One pool per URL and connection settings: a different CA or TLS mode is a different pool.
    return share(
      `postgres:${config.url}:${JSON.stringify(config.tls ?? null)}:${config.poolMax ?? 10}`,
      () => {
        // TLS as configured (on Lambda: verify-full against the RDS CA bundle), a pool sized per instance.
        const connection = postgresConnection(config.url, config.tls ?? { mode: 'url' });
        const pool = new pg.Pool({ ...connection, max: config.poolMax ?? 10 });
        // A server restart must not crash the process through an idle client's error event.
        pool.on('error', () => undefined);
        const dialect = new PostgresDialect(pool);
        return { resource: dialect, close: () => dialect.close() };
      },
      (dialect) => dialect,
    );
  }
  const maxBusyWaitMs = options.maxBusyWaitMs ?? DEFAULT_MAX_BUSY_WAIT_MS;
  const handle = (connection: SqliteConnection) => new SqliteDialect(connection, maxBusyWaitMs);
  if (config.path === ':memory:') {
    // A new database per connection, so never shared.
    return share(Symbol(':memory:'), () => sqliteConnection(config.path), handle);
  }
  const path = resolve(config.path);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  return share(`sqlite:${path}`, () => sqliteConnection(path), handle);
}

interface SqliteConnection {
  db: Database.Database;
  /** One queue per connection, however many handles it has. */
  lock: AsyncLock;
}

function sqliteConnection(path: string) {
  const connection: SqliteConnection = { db: openSqliteFile(path), lock: new AsyncLock() };
  return {
    resource: connection,
    close: () =>
      connection.lock.hold(async () => {
        connection.db.close();
      }),
  };
}

const sharedDatabases = new Map<
  string | symbol,
  { resource: unknown; users: number; close(): Promise<void> }
>();

function share<T>(
  key: string | symbol,
  open: () => { resource: T; close(): Promise<void> },
  handle: (resource: T) => SqlDialect,
): SqlDialect {
  let shared = sharedDatabases.get(key);
  if (!shared) {
    shared = { ...open(), users: 0 };
    sharedDatabases.set(key, shared);
  }
  shared.users += 1;
  const database = shared;
  let closed = false;
  // Each opener gets its own close(); the connection closes with the last one.
  return Object.assign(Object.create(handle(database.resource as T)) as SqlDialect, {
    close: async () => {
      if (closed) return;
      closed = true;
      database.users -= 1;
      if (database.users === 0) {
        sharedDatabases.delete(key);
        await database.close();
      }
    },
  });
}

/**
 * Opens an SQLite connection with the settings every store shares. The file is created owner-only
 * (0600) before SQLite opens it, and SQLite gives its -wal and -shm files the same mode. Stores get
 * their connection through `openSqlDialect`, which keeps one per file.
 */
export function openSqliteFile(path: string): Database.Database {
  if (path !== ':memory:') {
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path);
  // Only a short synchronous wait for another connection's write lock — set first, so that even
  // switching to WAL waits briefly — the rest of the wait is asynchronous (sqlite-busy.ts). Then
  // durable commits and readers alongside one writer.
  db.pragma(`busy_timeout = ${SQLITE_BUSY_WAIT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
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
  private readonly lock: AsyncLock;
  private readonly direct: SqlExecutor;

  constructor(
    connection: SqliteConnection,
    private readonly maxBusyWaitMs: number,
  ) {
    this.db = connection.db;
    this.lock = connection.lock;
    this.direct = {
      run: async (sql, params = []) => ({ changes: this.db.prepare(sql).run(...params).changes }),
      get: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
        this.db.prepare(sql).get(...params) as T | undefined,
      all: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
        this.db.prepare(sql).all(...params) as T[],
    };
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.lock.hold(() => this.whileBusy(() => this.direct.run(sql, params)));
  }

  get<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.lock.hold(() => this.whileBusy(() => this.direct.get<T>(sql, params)));
  }

  all<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.lock.hold(() => this.whileBusy(() => this.direct.all<T>(sql, params)));
  }

  private whileBusy<T>(work: () => Promise<T>): Promise<T> {
    return whileBusy(work, this.maxBusyWaitMs);
  }

  exec(sql: string): Promise<void> {
    return this.lock.hold(() =>
      this.whileBusy(async () => {
        this.db.exec(sql);
      }),
    );
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.hold(async () => {
      await this.whileBusy(async () => this.db.exec('BEGIN IMMEDIATE'));
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

  /** Only the shared handle's close() (openSqlDialect) closes the connection, with its last user. */
  async close(): Promise<void> {
    await this.lock.hold(async () => {
      this.db.close();
    });
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
    // A checked-out client whose connection drops (a server restart) emits 'error': without a
    // listener that would crash the process. Note it, and destroy the client instead of reusing it.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
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
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken ??= rollbackError;
      });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
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
