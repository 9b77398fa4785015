/**
 * Test support: run an identity route suite once per database engine. SQLite always; PostgreSQL when
 * the run started one (npm test sets FLOTILLA_TEST_DATABASE_URL), each identity in a schema of its own.
 */
import { createTestIdentity, type TestIdentity } from './testing.js';

export type Engine = 'sqlite' | 'postgres';

export const ENGINES: readonly Engine[] = process.env.FLOTILLA_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** A bootstrapped identity service on `engine`. */
export async function createTestIdentityOn(engine: Engine): Promise<TestIdentity> {
  const url = process.env.FLOTILLA_TEST_DATABASE_URL;
  return engine === 'postgres' && url ? createTestIdentity({ databaseUrl: url }) : createTestIdentity();
}
