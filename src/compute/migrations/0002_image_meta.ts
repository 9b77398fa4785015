/**
 * What a server inherited from its image at boot (Nova's image_* system metadata): min_ram, min_disk (at
 * least the boot flavor's root disk), formats and custom properties. Snapshots inherit them, so they work
 * even after the base image is gone. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('server').addColumn('image_meta', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('compute migrations are forward-only');
}
