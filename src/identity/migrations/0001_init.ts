/**
 * The identity schema as first released. Frozen: later changes go in new migrations.
 * Ids are strings on both engines; no autoincrement, so SQLite and PostgreSQL share one definition.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('project')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('parent_id', ID)
    .addColumn('is_domain', 'integer', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('project_domain_name', ['domain_id', 'name'])
    .execute();
  await db.schema.createIndex('project_parent').on('project').column('parent_id').execute();

  await db.schema.createTable('project_tag')
    .addColumn('project_id', ID, (c) => c.notNull().references('project.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tag_pk', ['project_id', 'name'])
    .execute();

  await db.schema.createTable('identity_user')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('default_project_id', ID)
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('last_active_at', 'varchar(40)')
    .addColumn('password_hash', 'text')
    .addColumn('password_created_at', 'varchar(40)')
    .addColumn('password_expires_at', 'varchar(40)')
    .addUniqueConstraint('user_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema.createTable('password_history')
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_history_user').on('password_history').column('user_id').execute();

  await db.schema.createTable('identity_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('group_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema.createTable('user_group_membership')
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('group_id', ID, (c) => c.notNull().references('identity_group.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('membership_pk', ['user_id', 'group_id'])
    .execute();
  await db.schema.createIndex('membership_group').on('user_group_membership').column('group_id').execute();

  await db.schema.createTable('role')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_name_domain', ['name', 'domain_id'])
    .execute();

  await db.schema.createTable('implied_role')
    .addColumn('prior_role_id', ID, (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addColumn('implied_role_id', ID, (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('implied_role_pk', ['prior_role_id', 'implied_role_id'])
    .execute();

  await db.schema.createTable('assignment')
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', ID, (c) => c.notNull())
    .addColumn('target_id', ID, (c) => c.notNull())
    .addColumn('role_id', ID, (c) => c.notNull())
    .addColumn('inherited', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignment_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
    .execute();
  await db.schema.createIndex('assignment_actor').on('assignment').column('actor_id').execute();
  await db.schema.createIndex('assignment_target').on('assignment').column('target_id').execute();
  await db.schema.createIndex('assignment_role').on('assignment').column('role_id').execute();

  await db.schema.createTable('region')
    .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(255)', (c) => c.notNull())
    .addColumn('parent_region_id', 'varchar(255)')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('service')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('endpoint')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('service_id', ID, (c) => c.notNull().references('service.id').onDelete('cascade'))
    .addColumn('region_id', 'varchar(255)')
    .addColumn('interface', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('endpoint_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('filters', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('project_endpoint')
    .addColumn('endpoint_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_pk', ['endpoint_id', 'project_id'])
    .execute();
  await db.schema.createTable('project_endpoint_group')
    .addColumn('endpoint_group_id', ID, (c) => c.notNull().references('endpoint_group.id').onDelete('cascade'))
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_group_pk', ['endpoint_group_id', 'project_id'])
    .execute();

  await db.schema.createTable('credential')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID)
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('encrypted_blob', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credential_user').on('credential').column('user_id').execute();

  await db.schema.createTable('policy')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('trust')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('trustor_user_id', ID, (c) => c.notNull())
    .addColumn('trustee_user_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID)
    .addColumn('impersonation', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('remaining_uses', 'integer')
    .addColumn('redelegated_trust_id', ID)
    .addColumn('redelegation_count', 'integer')
    .addColumn('deleted_at', 'varchar(40)')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('trust_role')
    .addColumn('trust_id', ID, (c) => c.notNull().references('trust.id').onDelete('cascade'))
    .addColumn('role_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('trust_role_pk', ['trust_id', 'role_id'])
    .execute();

  await db.schema.createTable('application_credential')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID)
    .addColumn('system', 'varchar(16)')
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('unrestricted', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addUniqueConstraint('app_cred_user_name', ['user_id', 'name'])
    .execute();
  await db.schema.createTable('application_credential_role')
    .addColumn('application_credential_id', ID, (c) => c.notNull().references('application_credential.id').onDelete('cascade'))
    .addColumn('role_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('app_cred_role_pk', ['application_credential_id', 'role_id'])
    .execute();
  await db.schema.createTable('access_rule')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('service', 'varchar(64)', (c) => c.notNull())
    .addColumn('path', 'varchar(128)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addUniqueConstraint('access_rule_unique', ['user_id', 'service', 'path', 'method'])
    .execute();
  await db.schema.createTable('application_credential_access_rule')
    .addColumn('application_credential_id', ID, (c) => c.notNull().references('application_credential.id').onDelete('cascade'))
    .addColumn('access_rule_id', ID, (c) => c.notNull().references('access_rule.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('app_cred_access_rule_pk', ['application_credential_id', 'access_rule_id'])
    .execute();

  await db.schema.createTable('revocation_event')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID)
    .addColumn('project_id', ID)
    .addColumn('user_id', ID)
    .addColumn('role_id', ID)
    .addColumn('trust_id', ID)
    .addColumn('consumer_id', ID)
    .addColumn('access_token_id', ID)
    .addColumn('audit_id', 'varchar(32)')
    .addColumn('audit_chain_id', 'varchar(32)')
    .addColumn('issued_before', 'varchar(40)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revocation_event_revoked_at').on('revocation_event').column('revoked_at').execute();

  await db.schema.createTable('domain_config')
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('group_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('option_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('domain_config_pk', ['domain_id', 'group_name', 'option_name'])
    .execute();

  await db.schema.createTable('identity_provider')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('authorization_ttl', 'integer')
    .execute();
  await db.schema.createTable('idp_remote_id')
    .addColumn('idp_id', ID, (c) => c.notNull().references('identity_provider.id').onDelete('cascade'))
    .addColumn('remote_id', 'varchar(255)', (c) => c.primaryKey())
    .execute();
  await db.schema.createTable('federation_protocol')
    .addColumn('id', ID, (c) => c.notNull())
    .addColumn('idp_id', ID, (c) => c.notNull().references('identity_provider.id').onDelete('cascade'))
    .addColumn('mapping_id', ID, (c) => c.notNull())
    .addColumn('remote_id_attribute', 'varchar(64)')
    .addPrimaryKeyConstraint('federation_protocol_pk', ['id', 'idp_id'])
    .execute();
  await db.schema.createTable('mapping')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'varchar(5)', (c) => c.notNull())
    .execute();
  await db.schema.createTable('service_provider')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('auth_url', 'varchar(256)', (c) => c.notNull())
    .addColumn('sp_url', 'varchar(256)', (c) => c.notNull())
    .addColumn('relay_state_prefix', 'varchar(256)', (c) => c.notNull())
    .execute();

  await db.schema.createTable('consumer')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('request_token')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('request_secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('verifier', 'varchar(64)')
    .addColumn('authorizing_user_id', ID)
    .addColumn('requested_project_id', ID, (c) => c.notNull())
    .addColumn('role_ids', 'text')
    .addColumn('consumer_id', ID, (c) => c.notNull().references('consumer.id').onDelete('cascade'))
    .addColumn('expires_at', 'varchar(40)')
    .execute();
  await db.schema.createTable('access_token')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('access_secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('authorizing_user_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('role_ids', 'text', (c) => c.notNull())
    .addColumn('consumer_id', ID, (c) => c.notNull().references('consumer.id').onDelete('cascade'))
    .addColumn('expires_at', 'varchar(40)')
    .execute();

  await db.schema.createTable('registered_limit')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('service_id', ID, (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('default_limit', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
  await db.schema.createTable('limit_')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID)
    .addColumn('domain_id', ID)
    .addColumn('service_id', ID, (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource_limit', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('identity migrations are forward-only');
}
