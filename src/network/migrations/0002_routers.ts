/**
 * Routers, floating IPs and the hosts' side of the data plane (issue 5 part 3). Frozen once released.
 *
 * A router's gateway and interfaces are ports (device_id = the router), as in Neutron, so their addresses
 * go through the same IPAM rows; the router row holds only what is the router's own: SNAT, static routes
 * and the host it is placed on. A floating IP owns a port on the external network (its address); deleting
 * that port takes the floating IP with it. The plan revision is the `:plan` row of project_lock.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';
const NAME = 'varchar(255)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('router')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('enable_snat', 'integer', (c) => c.notNull())
    .addColumn('routes', 'text', (c) => c.notNull())
    .addColumn('host', NAME, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('router_project').on('router').column('project_id').execute();
  await db.schema.createIndex('router_host').on('router').column('host').execute();

  await db.schema.createTable('floating_ip')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('floating_network_id', ID, (c) => c.notNull())
    .addColumn('floating_port_id', ID, (c) => c.notNull().references('port.id').onDelete('cascade'))
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('fixed_port_id', ID, (c) => c.references('port.id').onDelete('set null'))
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', ID)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('floating_ip_project').on('floating_ip').column('project_id').execute();
  await db.schema.createIndex('floating_ip_fixed_port').on('floating_ip').column('fixed_port_id').execute();
  await db.schema.createIndex('floating_ip_router').on('floating_ip').column('router_id').execute();

  await db.schema.createTable('network_host')
    .addColumn('host', NAME, (c) => c.primaryKey())
    .addColumn('endpoint', 'varchar(64)')
    .addColumn('active_ports', 'text', (c) => c.notNull())
    .addColumn('active_routers', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .addColumn('report_revision', 'integer', (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['network_host', 'floating_ip', 'router']) await db.schema.dropTable(t).ifExists().execute();
}
