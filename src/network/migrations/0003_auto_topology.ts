/**
 * Get-me-a-network (Neutron's auto-allocated-topology): one row per project that has one, naming the
 * network, subnet and router made for it and the /24 of the cloud's routed pool its subnet took. Frozen
 * once released.
 *
 * The unique `cidr` is what makes two projects' concurrent first boots take different /24s; the project
 * primary key, that one project gets one topology however many servers ask for it at once.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('auto_topology')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', ID, (c) => c.notNull())
    .addColumn('subnet_id', ID, (c) => c.notNull())
    .addColumn('router_id', ID, (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auto_topology').ifExists().execute();
}
