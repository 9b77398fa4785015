/**
 * A fresh database on the test PostgreSQL server (FLOTILLA_TEST_DATABASE_URL) for one test run, so
 * that runs which restart a real server on "its" database never see each other's tables.
 */
import pg from 'pg';

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Why PostgreSQL tests cannot run, or undefined when FLOTILLA_TEST_DATABASE_URL is set. */
export function postgresSkipReason(): string | undefined {
  return process.env.FLOTILLA_TEST_DATABASE_URL
    ? undefined
    : 'FLOTILLA_TEST_DATABASE_URL is not set (npm test starts a throwaway PostgreSQL and sets it)';
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database named after `prefix` on the server `baseUrl` points at. */
export async function createScratchDatabase(baseUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix.replace(/\W/g, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(baseUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
