/**
 * Test support: run an identity route suite once per database engine. SQLite always; PostgreSQL when
 * the run started one (npm test sets FLOTILLA_TEST_DATABASE_URL). Each PostgreSQL identity gets a
 * database of its own, because Kysely's migrator, given no schema, finds its bookkeeping tables in
 * *any* schema of the database and would skip creating them in a second one.
 */
import pg from 'pg';
import { createTestIdentity, type TestIdentity } from './testing.js';

export type Engine = 'sqlite' | 'postgres';

export const ENGINES: readonly Engine[] = process.env.FLOTILLA_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: onDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A bootstrapped identity service on `engine`; its close() also drops the PostgreSQL database. */
export async function createTestIdentityOn(engine: Engine, name: string): Promise<TestIdentity> {
  const url = process.env.FLOTILLA_TEST_DATABASE_URL;
  if (engine === 'sqlite' || !url) return createTestIdentity();
  const database = `identity_${name.replace(/\W/g, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  await admin(url, `CREATE DATABASE "${database}"`);
  const identity = await createTestIdentity({ databaseUrl: onDatabase(url, database) });
  return {
    ...identity,
    async close() {
      await identity.close();
      await admin(url, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}
