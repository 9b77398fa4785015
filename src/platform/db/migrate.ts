/**
 * Runs a service's migrations: versioned, in name order, all pending ones in one transaction on both
 * engines (each supports transactional DDL), guarded by Kysely's migration lock so that two processes
 * starting together do not both migrate.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';

/**
 * Errors a retry gets past. SQLite: two processes opening one file at once (SQLite has no migration lock,
 * so the later writer fails: busy, or a table the other just created). PostgreSQL: Kysely's introspection
 * reads every schema's tables in the database, and one dropped meanwhile by someone else (another
 * service's test tearing down) fails the whole read with invalid_schema_name (3F000) or undefined_table.
 */
function isLostRace(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (typeof e.code === 'string' && (e.code.startsWith('SQLITE_BUSY') || e.code === '3F000' || e.code === '42P01'))
    || /already exists/.test(e.message ?? '');
}

/** Applies every pending migration; throws with the failing migration's name on error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function migrate(db: Kysely<any>, migrations: Readonly<Record<string, Migration>>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    // Name the schema on PostgreSQL: Kysely looks for its bookkeeping tables across all schemas, and
    // another service's (or test run's) tables would otherwise make it skip creating its own.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // The failed attempt's transaction rolled back; a retry finds what the other did and carries on.
  for (let attempt = 1; error && isLostRace(error) && attempt <= 5; attempt++) {
    await new Promise((r) => setTimeout(r, 100 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
