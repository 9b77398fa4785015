/**
 * Software configs and deployments (heat/db/sqlalchemy/models.py SoftwareConfig, SoftwareDeployment),
 * for the /software_configs and /software_deployments API. Frozen: later changes go in new migrations.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';
const NAME = 'varchar(255)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('software_config')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('group', NAME, (c) => c.notNull())
    /** JSON {config, inputs, outputs, options}, as Heat keeps it. */
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('software_config_project').on('software_config').column('project_id').execute();

  await db.schema.createTable('software_deployment')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('config_id', ID, (c) => c.notNull())
    .addColumn('server_id', NAME, (c) => c.notNull())
    .addColumn('input_values', 'text', (c) => c.notNull())
    .addColumn('output_values', 'text', (c) => c.notNull())
    .addColumn('action', NAME, (c) => c.notNull())
    .addColumn('status', NAME, (c) => c.notNull())
    .addColumn('status_reason', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('software_deployment_server').on('software_deployment').columns(['project_id', 'server_id']).execute();
}
