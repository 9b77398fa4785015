/**
 * Test support for the identity store suites: a freshly migrated identity database on each engine.
 * SQLite always (a file in a temp dir); PostgreSQL when the run started one (npm test sets
 * FLOTILLA_TEST_DATABASE_URL), each test database in a PostgreSQL database of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Database, type Engine } from '../platform/db/database.js';
import { migrate } from '../platform/db/migrate.js';
import { TEST_ENGINES } from '../platform/db/testing.js';
import { identityMigrations } from './migrations/index.js';
import type { IdentityTables } from './tables.js';

export interface StoreEngine {
  engine: Engine;
  /** Why this engine is not tested in this run (printed by node:test), if it is not. */
  skip?: string;
}

/** The engines a store suite runs on; PostgreSQL says why when it is skipped. */
export const STORE_ENGINES: readonly StoreEngine[] = TEST_ENGINES;

/** Where a test database lives: a data dir, and on PostgreSQL a database URL. */
export interface TestDatabasePlace {
  readonly engine: Engine;
  readonly dataDir: string;
  readonly url?: string;
  /** Opens another connection (pool) to the same database, as a second process would. */
  open(): Promise<Database<IdentityTables>>;
  /** Deletes the data dir and drops the PostgreSQL database. */
  destroy(): Promise<void>;
}

function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: onDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** An empty place for an identity database on `engine` (nothing migrated yet). */
export async function createTestDatabasePlace(engine: Engine, label: string): Promise<TestDatabasePlace> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-store-${label}-`));
  let url: string | undefined;
  let database: string | undefined;
  if (engine === 'postgres') {
    const base = process.env.FLOTILLA_TEST_DATABASE_URL;
    if (!base) throw new Error('FLOTILLA_TEST_DATABASE_URL is not set');
    database = `store_${label.replace(/\W/g, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
    await adminQuery(base, `CREATE DATABASE "${database}"`);
    url = onDatabase(base, database);
  }
  return {
    engine,
    dataDir,
    ...(url ? { url } : {}),
    open: () => openDatabase<IdentityTables>({ service: 'identity', dataDir, url }),
    async destroy() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (database) await adminQuery(process.env.FLOTILLA_TEST_DATABASE_URL!, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

export interface TestDatabase {
  readonly engine: Engine;
  readonly db: Kysely<IdentityTables>;
  close(): Promise<void>;
}

/** A migrated identity database; close() removes it. */
export async function openTestDatabase(engine: Engine, label: string): Promise<TestDatabase> {
  const place = await createTestDatabasePlace(engine, label);
  const database = await place.open();
  await migrate(database.db, identityMigrations, database.schema);
  return {
    engine,
    db: database.db,
    async close() {
      await database.close();
      await place.destroy();
    },
  };
}

/**
 * Makes the database refuse inserts into `table` whose `column` equals `value` (a trigger), so a test
 * can fail the second statement of a multi-statement write on purpose, as a crash between them would.
 * Returns the function that removes the trigger again.
 */
export async function poisonInserts(t: TestDatabase, table: string, column: string, value: string): Promise<() => Promise<void>> {
  const name = `poison_${table}`;
  const literal = value.replace(/'/g, "''");
  if (t.engine === 'sqlite') {
    await sql.raw(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN NEW.${column} = '${literal}' BEGIN SELECT RAISE(ABORT, 'poisoned insert'); END`).execute(t.db);
    return async () => { await sql.raw(`DROP TRIGGER ${name}`).execute(t.db); };
  }
  await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN IF NEW.${column} = '${literal}' THEN RAISE EXCEPTION 'poisoned insert'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`).execute(t.db);
  await sql.raw(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`).execute(t.db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${name} ON ${table}`).execute(t.db);
    await sql.raw(`DROP FUNCTION ${name}()`).execute(t.db);
  };
}
