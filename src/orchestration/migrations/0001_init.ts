/**
 * The orchestration schema as first released. Frozen: later changes go in new migrations. Resources and
 * events go with their stack row (which Heat only soft-deletes, so in practice they stay for
 * `show_deleted` until a purge).
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';
const TIME = 'varchar(40)';
const NAME = 'varchar(255)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('stack')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('user_id', NAME, (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_reason', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('disable_rollback', 'integer', (c) => c.notNull())
    .addColumn('timeout_mins', 'integer')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('owner_id', ID)
    .addColumn('owner_resource', NAME)
    .addColumn('root_id', ID, (c) => c.notNull())
    .addColumn('nested_depth', 'integer', (c) => c.notNull())
    .addColumn('trust_id', ID)
    .addColumn('operation', 'text')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .addColumn('deleted_at', TIME)
    .execute();
  await db.schema.createIndex('stack_project_name').on('stack').columns(['project_id', 'name']).execute();
  await db.schema.createIndex('stack_owner').on('stack').column('owner_id').execute();
  await db.schema.createIndex('stack_operation').on('stack').column('status').execute();

  await db.schema.createTable('resource')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('stack_id', ID, (c) => c.notNull().references('stack.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('type', NAME, (c) => c.notNull())
    .addColumn('physical_id', NAME)
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_reason', 'text', (c) => c.notNull())
    .addColumn('properties', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('requires', 'text', (c) => c.notNull())
    .addColumn('replaced_by', ID)
    .addColumn('replaces', ID)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('resource_stack').on('resource').columns(['stack_id', 'name']).execute();

  await db.schema.createTable('event')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('stack_id', ID, (c) => c.notNull().references('stack.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('resource_name', NAME, (c) => c.notNull())
    .addColumn('physical_id', NAME, (c) => c.notNull())
    .addColumn('resource_type', NAME, (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_stack_seq').on('event').columns(['stack_id', 'seq']).execute();
}
