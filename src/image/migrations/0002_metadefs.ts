/**
 * The metadata definitions catalog (Glance's metadefs): namespaces and what they hold (resource type
 * associations, objects, properties, tags), and the resource types Glance's own catalog names, seeded
 * as Glance's metadef loader seeds them. Frozen: later changes go in new migrations.
 */
import type { Kysely } from 'kysely';

const NAME = 'varchar(80)';
const TIME = 'varchar(40)';
/** The resource types Glance's bundled definitions associate namespaces with. */
const RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server', 'OS::Trove::Instance'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design (Kysely docs)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('metadef_namespace')
    .addColumn('namespace', NAME, (c) => c.primaryKey())
    .addColumn('display_name', NAME)
    .addColumn('description', 'varchar(500)')
    .addColumn('visibility', 'varchar(32)', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull())
    .addColumn('owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();

  await db.schema.createTable('metadef_resource_type')
    .addColumn('name', NAME, (c) => c.primaryKey())
    .addColumn('protected', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  await db.insertInto('metadef_resource_type').values(RESOURCE_TYPES.map((name) => ({ name, protected: 1, created_at: now, updated_at: now }))).execute();

  await db.schema.createTable('metadef_association')
    .addColumn('namespace', NAME, (c) => c.notNull().references('metadef_namespace.namespace').onDelete('cascade').onUpdate('cascade'))
    .addColumn('resource_type', NAME, (c) => c.notNull().references('metadef_resource_type.name'))
    .addColumn('prefix', NAME)
    .addColumn('properties_target', NAME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('metadef_association_pk', ['namespace', 'resource_type'])
    .execute();

  // Objects, properties and tags: one table each, keyed by namespace and name; the definition as JSON.
  for (const table of ['metadef_object', 'metadef_property', 'metadef_tag']) {
    await db.schema.createTable(table)
      .addColumn('namespace', NAME, (c) => c.notNull().references('metadef_namespace.namespace').onDelete('cascade').onUpdate('cascade'))
      .addColumn('name', NAME, (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addColumn('updated_at', TIME, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['namespace', 'name'])
      .execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['metadef_tag', 'metadef_property', 'metadef_object', 'metadef_association', 'metadef_resource_type', 'metadef_namespace']) {
    await db.schema.dropTable(table).execute();
  }
}
