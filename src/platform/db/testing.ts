/**
 * Test support shared by every service's suites: the engines a suite runs on, and a database of its own
 * for one test on either engine.
 */
import path from 'node:path';
import type { Migration } from 'kysely';
import { openDatabase, type Database, type Engine } from './database.js';
import { migrate } from './migrate.js';

/** The engines a suite runs on; PostgreSQL says why when this run has none (npm test starts one). */
export const TEST_ENGINES: ReadonlyArray<{ engine: Engine; skip?: string }> = [
  { engine: 'sqlite' },
  process.env.FLOTILLA_TEST_DATABASE_URL
    ? { engine: 'postgres' }
    : { engine: 'postgres', skip: 'FLOTILLA_TEST_DATABASE_URL is not set (npm test starts a throwaway PostgreSQL and sets it)' },
];

export interface TestDatabase<T> {
  readonly database: Database<T>;
  /** Drops the PostgreSQL schema and closes the database (the data dir stays the caller's). */
  close(): Promise<void>;
}

/**
 * `service`'s database for one test in `dataDir` (a fresh temp dir): its SQLite file there, or on
 * PostgreSQL a schema named after the service and the data dir, so that suites running side by side never
 * share one. Migrated when `migrations` are given.
 */
export async function openTestDatabase<T>(opts: {
  service: string;
  engine: Engine;
  dataDir: string;
  migrations?: Readonly<Record<string, Migration>>;
}): Promise<TestDatabase<T>> {
  const url = opts.engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const schema = url ? `${opts.service}_${path.basename(opts.dataDir).replace(/\W/g, '_').toLowerCase()}` : opts.service;
  const database = await openDatabase<T>({ service: schema, dataDir: opts.dataDir, url });
  if (opts.migrations) await migrate(database.db, opts.migrations, database.schema);
  return {
    database,
    async close() {
      if (url) await database.db.schema.dropSchema(schema).ifExists().cascade().execute().catch(() => {});
      await database.close();
    },
  };
}
