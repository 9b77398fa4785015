/**
 * One database per service: a SQLite file under the data dir by default, or a PostgreSQL schema named
 * after the service when FLOTILLA_DATABASE_URL is set. Engine differences stay in this folder; stores
 * see only Kysely.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { BadRequest } from '../errors.js';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DialectAdapter } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

export interface Database<T> {
  readonly db: Kysely<T>;
  readonly engine: Engine;
  /** The PostgreSQL schema holding the service's tables; undefined on SQLite. */
  readonly schema?: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** The owning service; names its SQLite file or PostgreSQL schema. */
  service: string;
  dataDir: string;
  /** postgres://… or undefined for SQLite. */
  url?: string | undefined;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

/**
 * The pg driver, loaded only when a PostgreSQL URL is configured: the embedded SQLite default should not
 * pay its memory. PostgreSQL returns BIGINT (int8) as a string by default; our counters fit in a double.
 */
let pgModule: Promise<typeof pg> | undefined;
function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then((m) => {
    m.default.types.setTypeParser(20, (v: string) => Number(v));
    return m.default;
  });
  return pgModule;
}

/**
 * PostgreSQL rejects values SQLite would store: strings longer than their column, integers beyond their
 * type, NUL characters. Those are the client's bad input (class 22, "data exception"), so they become
 * a BadRequest here, where the engine's errors enter, instead of reaching a route as a 500.
 */
const TRANSLATING = Symbol('translating');

function translatingPool(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    // Pooled clients come back again and again: wrap each one once.
    if ((client as unknown as Record<symbol, boolean>)[TRANSLATING]) return client;
    (client as unknown as Record<symbol, boolean>)[TRANSLATING] = true;
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      try {
        return await query(...args);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (typeof code === 'string' && code.startsWith('22')) {
          throw new BadRequest(`Invalid value: ${(err as Error).message}.`, { cause: err });
        }
        throw err;
      }
    };
    return client;
  };
  return pool;
}

/**
 * SQLite does roll back schema changes with the transaction they ran in, but Kysely's SQLite adapter says
 * it does not, so its migrator would run migrations outside any transaction and a crash half-way through
 * one would leave tables that the retry then trips over. This adapter tells the truth.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean { return true; }
}

class FlotillaSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter { return new TransactionalDdlSqliteAdapter(); }
}

/** Opens (and creates if needed) the service's database. */
export async function openDatabase<T>(options: OpenDatabaseOptions): Promise<Database<T>> {
  const schema = options.service.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  if (options.url) {
    // Each service lives in its own schema, reached through search_path, so a service cannot
    // read another's tables by accident and each could move to its own database.
    const pg = await loadPg();
    const admin = new pg.Client({ connectionString: options.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (err) {
      // Two processes creating the schema at once race on the catalog; the loser sees a duplicate.
      if ((err as { code?: string }).code !== '23505') throw err;
    } finally {
      await admin.end();
    }
    const pool = translatingPool(new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: `-c search_path="${schema}"`,
    }));
    const db = new Kysely<T>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', schema, close: () => db.destroy() };
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(options.dataDir, `${schema}.sqlite`);
  const sqlite = new SQLite(file);
  // WAL keeps readers and the writer apart; synchronous=NORMAL is durable across process crashes
  // (only an OS crash can lose the last transactions). busy_timeout lets a second process wait.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  fs.chmodSync(file, 0o600);
  const db = new Kysely<T>({ dialect: new FlotillaSqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, engine: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely prepares every query it runs; compiling the same SQL again each time was the largest piece of
 * the API's own CPU while servers boot (a profile: 1.3 s in prepare over 30 boots). better-sqlite3's
 * statements are reusable (and run synchronously, so never two at once), and SQLite re-prepares one
 * whose schema changed, so they are kept per SQL text, the least recently used dropped past a bound.
 */
function withStatementCache(sqlite: SQLite.Database, size = 512): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string): SQLite.Statement {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = sqlite.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
    close(): void {
      cache.clear();
      sqlite.close();
    },
  };
}

/** Runs `fn` in a transaction, or in the caller's transaction when `db` already is one. */
export async function inTransaction<DB, R>(db: Kysely<DB>, fn: (tx: Kysely<DB>) => Promise<R>): Promise<R> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** True if `err` is a unique or primary-key violation from either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True if `err` is a foreign-key violation from either engine. */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Booleans are stored as 0/1 integers on both engines; these convert at the store boundary. */
export const toBool = (v: number | boolean | null | undefined): boolean => v === true || v === 1;
export const fromBool = (v: boolean): number => (v ? 1 : 0);

/** JSON columns are TEXT on both engines. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export { sql };
