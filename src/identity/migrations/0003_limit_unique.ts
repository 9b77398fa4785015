/**
 * Unified limits: at most one registered limit per (service, region, resource), and at most one limit
 * per (that, project or domain). Enforced by the database so two concurrent creates cannot both pass
 * the store's check. region_id and the owner columns may be NULL, which unique constraints treat as
 * distinct, hence indexes over COALESCE (both SQLite and PostgreSQL index expressions).
 * Frozen once released.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('registered_limit_unique').on('registered_limit').unique()
    .expression(sql`service_id, coalesce(region_id, ''), resource_name`)
    .execute();
  await db.schema.createIndex('limit_unique').on('limit_').unique()
    .expression(sql`service_id, coalesce(region_id, ''), resource_name, coalesce(project_id, ''), coalesce(domain_id, '')`)
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('identity migrations are forward-only');
}
