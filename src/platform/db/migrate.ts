/**
 * Runs a service's migrations: versioned, in name order, all pending ones in one transaction on both
 * engines (each supports transactional DDL), guarded by Kysely's migration lock so that two processes
 * starting together do not both migrate.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';

function isLostRace(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY')) || /already exists/.test(e.message ?? '');
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
  // Two processes opening one SQLite file at once: SQLite has no migration lock, so the later writer
  // fails (busy, or a table the other just created). Its transaction rolled back; once the other has
  // committed, a retry finds nothing left to do.
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
