/**
 * Servers on Neutron networks: the ports compute allocated (or was given) for each server, as compute last
 * read them from the network service (address, MAC, subnet facts the agent needs), and whether a server's
 * ports are still to be allocated (its agent does not see it until they are).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('server').addColumn('ports_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createTable('neutron_port')
    .addColumn('server_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('network_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('mac', 'varchar(32)', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('prefix_length', 'integer', (c) => c.notNull())
    .addColumn('gateway', 'varchar(64)')
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('owned', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('neutron_port_pk', ['server_id', 'position'])
    .execute();
  await db.schema.createIndex('neutron_port_port').on('neutron_port').column('port_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('compute migrations are forward-only');
}
