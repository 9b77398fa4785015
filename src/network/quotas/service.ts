/**
 * Neutron's quotas: a limit per project and resource (a stored row, else the default), usage counted from
 * the resource tables, and the check made inside the creating transaction after taking the project's lock
 * row, so two concurrent creates in one project cannot both take the last unit (on either engine).
 */
import type { Kysely } from 'kysely';
import type { NetworkTables } from '../tables.js';
import { overQuota } from '../errors.js';

/** The resources this service counts, in the order Neutron lists them. */
export const QUOTA_RESOURCES = ['floatingip', 'network', 'port', 'router', 'security_group', 'security_group_rule', 'subnet'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Neutron's defaults (neutron/conf/quota.py); -1 is unlimited. */
export const DEFAULT_QUOTAS: Readonly<Record<QuotaResource, number>> = {
  floatingip: 50,
  network: 100,
  port: 500,
  router: 10,
  security_group: 10,
  security_group_rule: 100,
  subnet: 100,
};

type CountedTable = 'floating_ip' | 'network' | 'port' | 'router' | 'security_group' | 'security_group_rule' | 'subnet';
const TABLE: Readonly<Record<QuotaResource, CountedTable>> = {
  floatingip: 'floating_ip', network: 'network', port: 'port', router: 'router', security_group: 'security_group', security_group_rule: 'security_group_rule', subnet: 'subnet',
};

export function isQuotaResource(name: string): name is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(name);
}

/**
 * Takes a named lock row until the caller's transaction ends: an UPDATE holds a row lock on PostgreSQL
 * and the write lock on SQLite, so transactions taking the same key serialize behind it.
 */
export async function lockKey(tx: Kysely<NetworkTables>, key: string): Promise<void> {
  await tx.insertInto('project_lock').values({ project_id: key, version: 0 }).onConflict((oc) => oc.column('project_id').doNothing()).execute();
  await tx.updateTable('project_lock').set((eb) => ({ version: eb('version', '+', 1) })).where('project_id', '=', key).execute();
}

/** The lock of one project's creates (quota checks, its default security group). */
export async function lockProject(tx: Kysely<NetworkTables>, projectId: string): Promise<void> {
  await lockKey(tx, projectId);
}

/**
 * The lock of VNI allocation, shared by every project: network creation is rare, and without it
 * concurrent creates on PostgreSQL race for the lowest free VNI. (':' never appears in a project id.)
 */
export async function lockVniAllocation(tx: Kysely<NetworkTables>): Promise<void> {
  await lockKey(tx, ':vni');
}

/** The row whose version is the cloud-wide agent plan revision (agent/plan.ts). */
export const PLAN_KEY = ':plan';

/**
 * Bumps the plan revision inside a write that changes what some host must hold (ports, subnets, rules,
 * routers, floating IPs, tunnel endpoints). Called last in the transaction, after every other lock, so it
 * holds the hot row as briefly as possible and always in the same order.
 */
export async function bumpPlan(tx: Kysely<NetworkTables>): Promise<void> {
  await lockKey(tx, PLAN_KEY);
}

/** The current plan revision (0 before any write). */
export async function planRevision(db: Kysely<NetworkTables>): Promise<number> {
  const row = await db.selectFrom('project_lock').select('version').where('project_id', '=', PLAN_KEY).executeTakeFirst();
  return Number(row?.version ?? 0);
}

/** The project's limits: its stored ones over the defaults. */
export async function limitsOf(db: Kysely<NetworkTables>, projectId: string): Promise<Record<QuotaResource, number>> {
  const out = { ...DEFAULT_QUOTAS };
  const rows = await db.selectFrom('quota').selectAll().where('project_id', '=', projectId).execute();
  for (const r of rows) if (isQuotaResource(r.resource)) out[r.resource] = r.hard_limit;
  return out;
}

/** How many of each resource the project has. */
export async function usageOf(db: Kysely<NetworkTables>, projectId: string): Promise<Record<QuotaResource, number>> {
  const out = {} as Record<QuotaResource, number>;
  for (const r of QUOTA_RESOURCES) out[r] = await count(db, r, projectId);
  return out;
}

async function count(db: Kysely<NetworkTables>, resource: QuotaResource, projectId: string): Promise<number> {
  const row = await db.selectFrom(TABLE[resource]).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Throws OverQuota unless the project may create `delta` more of `resource`. Call inside the creating
 * transaction, after lockProject.
 */
export async function checkQuota(tx: Kysely<NetworkTables>, projectId: string, resource: QuotaResource, delta = 1): Promise<void> {
  const stored = await tx.selectFrom('quota').select('hard_limit').where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
  const limit = stored?.hard_limit ?? DEFAULT_QUOTAS[resource];
  if (limit < 0) return;
  if ((await count(tx, resource, projectId)) + delta > limit) throw overQuota([resource]);
}
