/** Failed-login bookkeeping for account lockout ([security_compliance] lockout_failure_attempts). */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('identity_user').addColumn('failed_auth_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('identity_user').addColumn('failed_auth_at', 'varchar(40)').execute();
}

export async function down(): Promise<void> {
  throw new Error('identity migrations are forward-only');
}
