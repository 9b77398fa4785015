/**
 * The network schema as first released. Frozen: later changes go in new migrations. Deleting a network
 * removes its subnets and ports only through the service (which checks they are unused); the foreign keys
 * cascade so a port's addresses and group memberships go with it.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';
const NAME = 'varchar(255)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('network')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('external', 'integer', (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', NAME)
    .addColumn('segmentation_id', 'integer', (c) => c.unique())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_project').on('network').column('project_id').execute();

  await db.schema.createTable('subnet')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('network_id', ID, (c) => c.notNull().references('network.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('gateway_ip', 'varchar(64)')
    .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
    .addColumn('allocation_pools', 'text', (c) => c.notNull())
    .addColumn('dns_nameservers', 'text', (c) => c.notNull())
    .addColumn('host_routes', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('subnet_network').on('subnet').column('network_id').execute();

  await db.schema.createTable('port')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('network_id', ID, (c) => c.notNull().references('network.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('device_id', NAME, (c) => c.notNull())
    .addColumn('device_owner', NAME, (c) => c.notNull())
    .addColumn('binding_host_id', NAME, (c) => c.notNull())
    .addColumn('binding_profile', 'text', (c) => c.notNull())
    .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
    .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addUniqueConstraint('port_network_mac', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('port_project').on('port').column('project_id').execute();
  await db.schema.createIndex('port_device').on('port').column('device_id').execute();

  await db.schema.createTable('ip_allocation')
    .addColumn('subnet_id', ID, (c) => c.notNull().references('subnet.id').onDelete('cascade'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('port_id', ID, (c) => c.notNull().references('port.id').onDelete('cascade'))
    .addColumn('network_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_allocation_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ip_allocation_port').on('ip_allocation').column('port_id').execute();

  await db.schema.createTable('security_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('stateful', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_group_project').on('security_group').column('project_id').execute();

  await db.schema.createTable('default_security_group')
    .addColumn('project_id', NAME, (c) => c.primaryKey())
    .addColumn('security_group_id', ID, (c) => c.notNull().references('security_group.id').onDelete('cascade'))
    .execute();

  await db.schema.createTable('security_group_rule')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('security_group_id', ID, (c) => c.notNull().references('security_group.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', ID, (c) => c.references('security_group.id').onDelete('cascade'))
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_group_rule_group').on('security_group_rule').column('security_group_id').execute();

  await db.schema.createTable('port_security_group')
    .addColumn('port_id', ID, (c) => c.notNull().references('port.id').onDelete('cascade'))
    .addColumn('security_group_id', ID, (c) => c.notNull().references('security_group.id'))
    .addPrimaryKeyConstraint('port_security_group_pk', ['port_id', 'security_group_id'])
    .execute();
  await db.schema.createIndex('port_security_group_group').on('port_security_group').column('security_group_id').execute();

  await db.schema.createTable('quota')
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_pk', ['project_id', 'resource'])
    .execute();

  await db.schema.createTable('project_lock')
    .addColumn('project_id', NAME, (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema.createTable('tag')
    .addColumn('resource_id', ID, (c) => c.notNull())
    .addColumn('tag', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('tag_pk', ['resource_id', 'tag'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['tag', 'project_lock', 'quota', 'port_security_group', 'security_group_rule', 'default_security_group', 'security_group', 'ip_allocation', 'port', 'subnet', 'network']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
