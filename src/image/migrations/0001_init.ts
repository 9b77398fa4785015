/**
 * The image schema as first released. Frozen: later changes go in new migrations.
 */
import type { Kysely } from 'kysely';

const ID = 'varchar(64)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('image')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)')
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('visibility', 'varchar(9)', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull())
    .addColumn('os_hidden', 'integer', (c) => c.notNull())
    .addColumn('checksum', 'varchar(32)')
    .addColumn('os_hash_algo', 'varchar(64)')
    .addColumn('os_hash_value', 'varchar(128)')
    .addColumn('owner', 'varchar(255)')
    .addColumn('size', 'bigint')
    .addColumn('virtual_size', 'bigint')
    .addColumn('container_format', 'varchar(32)')
    .addColumn('disk_format', 'varchar(32)')
    .addColumn('min_ram', 'integer', (c) => c.notNull())
    .addColumn('min_disk', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(40)')
    .addColumn('upload_id', ID)
    .execute();
  await db.schema.createIndex('image_owner').on('image').columns(['owner', 'deleted']).execute();
  await db.schema.createIndex('image_visibility').on('image').columns(['visibility', 'deleted']).execute();
  await db.schema.createIndex('image_status').on('image').column('status').execute();

  await db.schema.createTable('image_property')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('image.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text')
    .addPrimaryKeyConstraint('image_property_pk', ['image_id', 'name'])
    .execute();
  await db.schema.createIndex('image_property_name_value').on('image_property').columns(['name', 'image_id']).execute();

  await db.schema.createTable('image_tag')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('image.id').onDelete('cascade'))
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_tag_pk', ['image_id', 'value'])
    .execute();
  await db.schema.createIndex('image_tag_value').on('image_tag').column('value').execute();

  await db.schema.createTable('image_member')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('image.id').onDelete('cascade'))
    .addColumn('member_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_member_pk', ['image_id', 'member_id'])
    .execute();
  await db.schema.createIndex('image_member_member').on('image_member').columns(['member_id', 'status']).execute();

  await db.schema.createTable('image_segment')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('image.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('blob', 'varchar(64)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_segment_pk', ['image_id', 'position'])
    .execute();
  await db.schema.createIndex('image_segment_blob').on('image_segment').column('blob').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['image_segment', 'image_member', 'image_tag', 'image_property', 'image']) await db.schema.dropTable(table).execute();
}
