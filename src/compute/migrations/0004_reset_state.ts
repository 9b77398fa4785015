/**
 * os-resetState: an administrator's declaration of a server's vm_state (active or error), shown until the
 * next action on the server. Frozen once released.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('server').addColumn('reset_state', 'varchar(16)').execute();
}

export async function down(): Promise<void> {
  throw new Error('compute migrations are forward-only');
}
