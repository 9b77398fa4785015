/**
 * OS-ENDPOINT-POLICY: which policy blob applies to an endpoint, a service, or a service in a region.
 * Frozen once released.
 *
 * The id is derived from (endpoint_id, service_id, region_id) by the store, so "one association per
 * target" is the primary key itself; a unique constraint over the three nullable columns would not
 * hold, since SQL treats NULLs as distinct.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('policy_association')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('policy_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('endpoint_id', 'varchar(64)')
    .addColumn('service_id', 'varchar(64)')
    .addColumn('region_id', 'varchar(255)')
    .execute();
  await db.schema.createIndex('policy_association_policy').on('policy_association').column('policy_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('identity migrations are forward-only');
}
