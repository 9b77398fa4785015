/**
 * The identity migrations through platform/db/migrate on every engine: a second run is a no-op and
 * keeps the data, concurrent runs (one pool, or two "processes") do not conflict, and a migration
 * that fails part-way leaves nothing half-applied for the next start to trip over.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql, type Kysely, type Migration } from 'kysely';
import { migrate } from '../../platform/db/migrate.js';
import { createTestDatabasePlace, STORE_ENGINES } from '../stores-testing.js';
import { identityMigrations } from './index.js';

const NAMES = Object.keys(identityMigrations).sort();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
async function tableNames(db: Kysely<any>, engine: string): Promise<string[]> {
  const rows = engine === 'sqlite'
    ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows
    : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(db)).rows;
  return rows.map((r) => r.name).sort();
}

/** Two migrations, the second of which creates a table and then fails. */
const halfFailing: Record<string, Migration> = {
  '0001_first': { up: async (db) => { await db.schema.createTable('first_table').addColumn('id', 'integer').execute(); } },
  '0002_half': {
    up: async (db) => {
      await db.schema.createTable('half_table').addColumn('id', 'integer').execute();
      throw new Error('this migration fails after its first statement');
    },
  },
};

for (const { engine, skip } of STORE_ENGINES) {
  describe(`identity migrations (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    test('the first run applies every migration in order; a second run is a no-op that keeps the data', async () => {
      const place = await createTestDatabasePlace(engine, 'migrate-twice');
      const database = await place.open();
      try {
        assert.deepEqual(await migrate(database.db, identityMigrations, database.schema), NAMES);
        await database.db.insertInto('region').values({ id: 'kept', description: '', parent_region_id: null, extra: '{}' }).execute();
        const tables = await tableNames(database.db, engine);
        assert.deepEqual(await migrate(database.db, identityMigrations, database.schema), []);
        assert.deepEqual(await tableNames(database.db, engine), tables);
        assert.ok(await database.db.selectFrom('region').select('id').where('id', '=', 'kept').executeTakeFirst());
      } finally {
        await database.close();
        await place.destroy();
      }
    });

    test('two concurrent runs on one pool do not conflict, and apply each migration once', async () => {
      const place = await createTestDatabasePlace(engine, 'migrate-pool');
      const database = await place.open();
      try {
        const results = await Promise.allSettled([
          migrate(database.db, identityMigrations, database.schema),
          migrate(database.db, identityMigrations, database.schema),
        ]);
        const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        assert.deepEqual(errors, []);
        const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
        assert.deepEqual(applied.sort(), NAMES);
        assert.deepEqual(await migrate(database.db, identityMigrations, database.schema), []);
      } finally {
        await database.close();
        await place.destroy();
      }
    });

    // Once a bug on SQLite: no lock and no transaction, so both ran 0001_init and one failed.
    test('two processes migrating the same database at once do not conflict', async () => {
      const place = await createTestDatabasePlace(engine, 'migrate-two');
      const [a, b] = [await place.open(), await place.open()];
      try {
        const results = await Promise.allSettled([
          migrate(a.db, identityMigrations, a.schema),
          migrate(b.db, identityMigrations, b.schema),
        ]);
        const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        assert.deepEqual(errors, []);
        assert.deepEqual(results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).sort(), NAMES);
      } finally {
        await a.close();
        await b.close();
        await place.destroy();
      }
    });

    // Once a bug on SQLite: Kysely ran its migrations outside a transaction there.
    test('a migration that fails part-way leaves nothing half-applied, and the next run recovers', async () => {
      const place = await createTestDatabasePlace(engine, 'migrate-half');
      const database = await place.open();
      try {
        await assert.rejects(migrate(database.db, halfFailing, database.schema), /0002_half/);
        const left = await tableNames(database.db, engine);
        assert.ok(!left.includes('half_table'), `half_table was left behind: ${left.join(', ')}`);
        const fixed = { ...halfFailing, '0002_half': { up: async (db: Kysely<unknown>) => { await db.schema.createTable('half_table').addColumn('id', 'integer').execute(); } } };
        const rerun = await migrate(database.db, fixed, database.schema);
        assert.ok(rerun.includes('0002_half'), `the next run applied ${JSON.stringify(rerun)}`);
      } finally {
        await database.close();
        await place.destroy();
      }
    });
  });
}
