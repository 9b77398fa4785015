/**
 * The compute schema as first released. Frozen: later changes go in new migrations.
 * Ids are strings (or integers from the sequence table) on both engines; no autoincrement, so SQLite and
 * PostgreSQL share one definition.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sequence')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();

  await db.schema.createTable('flavor')
    .addColumn('flavorid', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('internal_id', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('root_gb', 'integer', (c) => c.notNull())
    .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
    .addColumn('swap', 'integer', (c) => c.notNull())
    .addColumn('rxtx_factor', 'real', (c) => c.notNull())
    .addColumn('is_public', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createTable('flavor_extra_spec')
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull().references('flavor.flavorid').onDelete('cascade'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_extra_spec_pk', ['flavorid', 'key'])
    .execute();
  await db.schema.createTable('flavor_project')
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull().references('flavor.flavorid').onDelete('cascade'))
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_project_pk', ['flavorid', 'project_id'])
    .execute();

  await db.schema.createTable('keypair')
    .addColumn('id', 'integer', (c) => c.notNull().unique())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('keypair_pk', ['user_id', 'name'])
    .execute();

  await db.schema.createTable('quota')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_pk', ['project_id', 'user_id', 'resource'])
    .execute();

  await db.schema.createTable('service')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', ID, (c) => c.notNull().unique())
    .addColumn('binary', 'varchar(64)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('zone', 'varchar(255)', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'varchar(255)')
    .addColumn('forced_down', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', TIME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .addUniqueConstraint('service_host_binary', ['host', 'binary'])
    .execute();

  await db.schema.createTable('compute_host')
    .addColumn('host', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('hypervisor_id', 'integer', (c) => c.notNull().unique())
    .addColumn('hypervisor_uuid', ID, (c) => c.notNull().unique())
    .addColumn('zone', 'varchar(255)', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('disk_gb', 'integer', (c) => c.notNull())
    .addColumn('agent_socket', 'text', (c) => c.notNull())
    .addColumn('agent_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();

  await db.schema.createTable('server')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('internal_id', 'integer', (c) => c.notNull().unique())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('image_id', ID, (c) => c.notNull())
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('old_flavor', 'text')
    .addColumn('resize_phase', 'varchar(16)')
    .addColumn('key_name', 'varchar(255)')
    .addColumn('key_data', 'text')
    .addColumn('user_data', 'text')
    .addColumn('config_drive', 'integer', (c) => c.notNull())
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('host', 'varchar(255)')
    .addColumn('reservation_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('launch_index', 'integer', (c) => c.notNull())
    .addColumn('security_groups', 'text', (c) => c.notNull())
    .addColumn('requested_networks', 'text', (c) => c.notNull())
    .addColumn('access_ipv4', 'varchar(64)')
    .addColumn('access_ipv6', 'varchar(64)')
    .addColumn('locked_by', 'varchar(16)')
    .addColumn('locked_reason', 'varchar(255)')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('launched_at', TIME)
    .addColumn('terminated_at', TIME)
    .addColumn('deleted_at', TIME)
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('power', 'varchar(16)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('reboot_count', 'integer', (c) => c.notNull())
    .addColumn('rebuild_count', 'integer', (c) => c.notNull())
    .addColumn('task', 'varchar(32)')
    .addColumn('task_generation', 'integer', (c) => c.notNull())
    .addColumn('snapshot_image_id', ID)
    .addColumn('snapshot_requested_at', TIME)
    .addColumn('fault', 'text')
    .addColumn('obs_state', 'varchar(16)')
    .addColumn('obs_generation', 'integer', (c) => c.notNull())
    .addColumn('obs_fault', 'text')
    .addColumn('obs_started_at', TIME)
    .addColumn('obs_reboot_count', 'integer', (c) => c.notNull())
    .addColumn('obs_rebuild_count', 'integer', (c) => c.notNull())
    .addColumn('obs_snapshot_done', ID)
    .addColumn('observed_at', TIME)
    .execute();
  await db.schema.createIndex('server_project').on('server').columns(['project_id', 'deleted']).execute();
  await db.schema.createIndex('server_host').on('server').columns(['host', 'deleted']).execute();

  await db.schema.createTable('server_metadata')
    .addColumn('server_id', ID, (c) => c.notNull().references('server.id').onDelete('cascade'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_metadata_pk', ['server_id', 'key'])
    .execute();
  await db.schema.createTable('server_tag')
    .addColumn('server_id', ID, (c) => c.notNull().references('server.id').onDelete('cascade'))
    .addColumn('tag', 'varchar(80)', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_tag_pk', ['server_id', 'tag'])
    .execute();

  await db.schema.createTable('server_action')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('server_id', ID, (c) => c.notNull().references('server.id').onDelete('cascade'))
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('message', 'varchar(255)')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('server_action_server').on('server_action').columns(['server_id', 'id']).execute();
  await db.schema.createTable('server_action_event')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('action_id', 'integer', (c) => c.notNull().references('server_action.id').onDelete('cascade'))
    .addColumn('event', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', TIME, (c) => c.notNull())
    .addColumn('finish_time', TIME)
    .addColumn('result', 'varchar(255)')
    .addColumn('traceback', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('server_action_event_action').on('server_action_event').column('action_id').execute();

  await db.schema.createTable('server_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('policy', 'varchar(32)', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createTable('server_group_member')
    .addColumn('group_id', ID, (c) => c.notNull().references('server_group.id').onDelete('cascade'))
    .addColumn('server_id', ID, (c) => c.primaryKey())
    .execute();
  await db.schema.createIndex('server_group_member_group').on('server_group_member').column('group_id').execute();

  await db.schema.createTable('ipam_network')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', ID, (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createTable('ipam_subnet')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('ipam_subnet_pk', ['project_id', 'host'])
    .execute();
  await db.schema.createTable('ipam_port')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('server_id', ID, (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('subnet_idx', 'integer', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('mac', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ipam_port_server').on('ipam_port').column('server_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('compute migrations are forward-only');
}
