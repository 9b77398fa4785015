/**
 * The container-infra schema as first released. Frozen: later changes go in new migrations. A cluster's
 * node groups, events and certificates go with its row.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';
const NAME = 'varchar(255)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('cluster_template')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('id', 'integer', (c) => c.notNull().unique())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('user_id', NAME, (c) => c.notNull())
    .addColumn('coe', NAME, (c) => c.notNull())
    .addColumn('image_id', NAME, (c) => c.notNull())
    .addColumn('cluster_distro', NAME, (c) => c.notNull())
    .addColumn('server_type', NAME, (c) => c.notNull())
    .addColumn('flavor_id', NAME)
    .addColumn('master_flavor_id', NAME)
    .addColumn('keypair_id', NAME)
    .addColumn('dns_nameserver', NAME)
    .addColumn('external_network_id', NAME)
    .addColumn('fixed_network', NAME)
    .addColumn('fixed_subnet', NAME)
    .addColumn('network_driver', NAME)
    .addColumn('volume_driver', NAME)
    .addColumn('apiserver_port', 'integer')
    .addColumn('docker_volume_size', 'integer')
    .addColumn('docker_storage_driver', NAME)
    .addColumn('http_proxy', NAME)
    .addColumn('https_proxy', NAME)
    .addColumn('no_proxy', NAME)
    .addColumn('registry_enabled', 'integer', (c) => c.notNull())
    .addColumn('insecure_registry', NAME)
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('tls_disabled', 'integer', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull())
    .addColumn('master_lb_enabled', 'integer', (c) => c.notNull())
    .addColumn('floating_ip_enabled', 'integer', (c) => c.notNull())
    .addColumn('tags', NAME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('cluster_template_project').on('cluster_template').columns(['project_id', 'name']).execute();

  await db.schema.createTable('cluster')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('id', 'integer', (c) => c.notNull().unique())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('user_id', NAME, (c) => c.notNull())
    .addColumn('cluster_template_id', ID, (c) => c.notNull())
    .addColumn('keypair', NAME)
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('master_flavor_id', NAME)
    .addColumn('flavor_id', NAME)
    .addColumn('docker_volume_size', 'integer')
    .addColumn('create_timeout', 'integer', (c) => c.notNull())
    .addColumn('fixed_network', NAME)
    .addColumn('fixed_subnet', NAME)
    .addColumn('floating_ip_enabled', 'integer', (c) => c.notNull())
    .addColumn('master_lb_enabled', 'integer', (c) => c.notNull())
    .addColumn('discovery_url', 'text')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('health_status', 'varchar(32)')
    .addColumn('health_status_reason', 'text')
    .addColumn('api_address', NAME)
    .addColumn('master_addresses', 'text', (c) => c.notNull())
    .addColumn('node_addresses', 'text', (c) => c.notNull())
    .addColumn('coe_version', NAME)
    .addColumn('container_version', NAME)
    .addColumn('stack_id', ID)
    .addColumn('trust_id', ID)
    .addColumn('operation', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('node_secret_hash', 'varchar(64)')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('cluster_project').on('cluster').columns(['project_id', 'name']).execute();
  await db.schema.createIndex('cluster_template_ref').on('cluster').column('cluster_template_id').execute();

  await db.schema.createTable('nodegroup')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('id', 'integer', (c) => c.notNull().unique())
    .addColumn('cluster_id', ID, (c) => c.notNull().references('cluster.uuid').onDelete('cascade'))
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('role', NAME, (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('flavor_id', NAME)
    .addColumn('image_id', NAME, (c) => c.notNull())
    .addColumn('docker_volume_size', 'integer')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('node_count', 'integer', (c) => c.notNull())
    .addColumn('min_node_count', 'integer', (c) => c.notNull())
    .addColumn('max_node_count', 'integer')
    .addColumn('node_addresses', 'text', (c) => c.notNull())
    .addColumn('nodes', 'text', (c) => c.notNull())
    .addColumn('stack_id', ID)
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('version', NAME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('nodegroup_cluster_name').on('nodegroup').columns(['cluster_id', 'name']).unique().execute();

  await db.schema.createTable('cluster_event')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('cluster_id', ID, (c) => c.notNull().references('cluster.uuid').onDelete('cascade'))
    .addColumn('time', TIME, (c) => c.notNull())
    .addColumn('kind', NAME, (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cluster_event_cluster').on('cluster_event').columns(['cluster_id', 'id']).execute();

  await db.schema.createTable('cluster_certificate')
    .addColumn('cluster_id', ID, (c) => c.notNull().references('cluster.uuid').onDelete('cascade'))
    .addColumn('purpose', 'varchar(64)', (c) => c.notNull())
    .addColumn('cert_pem', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('cluster_certificate_pk', ['cluster_id', 'purpose'])
    .execute();

  await db.schema.createTable('quota')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('resource', NAME, (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('quota_project_resource').on('quota').columns(['project_id', 'resource']).unique().execute();

  await db.schema.createTable('mservice')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('host', NAME, (c) => c.notNull())
    .addColumn('binary', NAME, (c) => c.notNull())
    .addColumn('report_count', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', NAME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('mservice_host_binary').on('mservice').columns(['host', 'binary']).unique().execute();
}
