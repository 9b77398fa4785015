/**
 * Quota classes (os-quota-class-sets): the `default` class overrides the built-in default limits for
 * every project without limits of its own. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('quota_class')
    .addColumn('class_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_class_pk', ['class_name', 'resource'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('compute migrations are forward-only');
}
