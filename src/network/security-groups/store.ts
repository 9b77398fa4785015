/**
 * Security groups and their rules: rows, the caller's view of them, rendering, and the per-project
 * `default` group Neutron creates on a project's first use, with its four rules (egress anywhere and
 * ingress from members of the same group, for IPv4 and IPv6).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { NetworkTables, SecurityGroupRuleTable, SecurityGroupTable } from '../tables.js';
import type { Caller } from '../context.js';
import { now } from '../context.js';
import { securityGroupNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';

export type SecurityGroupRow = Selectable<SecurityGroupTable>;
export type RuleRow = Selectable<SecurityGroupRuleTable>;

export const DEFAULT_GROUP_NAME = 'default';
export const DEFAULT_GROUP_DESCRIPTION = 'Default security group';

export function groupTarget(g: SecurityGroupRow): Record<string, unknown> {
  return { project_id: g.project_id, tenant_id: g.project_id };
}

export function ruleTarget(r: RuleRow, groupProject: string): Record<string, unknown> {
  return { project_id: r.project_id, tenant_id: r.project_id, 'security_group:project_id': groupProject, 'security_group:tenant_id': groupProject };
}

/**
 * The project's default group, created (with its rules) if it has none. Call inside a transaction that
 * holds the project's lock (quotas/service.ts lockProject), so concurrent first uses make one group.
 */
export async function ensureDefaultGroup(tx: Kysely<NetworkTables>, projectId: string): Promise<string> {
  const existing = await tx.selectFrom('default_security_group').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
  if (existing) return existing.security_group_id;
  const id = randomUUID();
  const t = now();
  await tx.insertInto('security_group').values({
    id, project_id: projectId, name: DEFAULT_GROUP_NAME, description: DEFAULT_GROUP_DESCRIPTION, stateful: 1, created_at: t, updated_at: t, revision_number: 1,
  }).execute();
  await tx.insertInto('default_security_group').values({ project_id: projectId, security_group_id: id }).execute();
  for (const ethertype of ['IPv4', 'IPv6']) {
    for (const direction of ['egress', 'ingress']) {
      await tx.insertInto('security_group_rule').values({
        id: randomUUID(), project_id: projectId, security_group_id: id, direction, ethertype, protocol: null,
        port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: direction === 'ingress' ? id : null,
        description: '', created_at: t, updated_at: t, revision_number: 1,
      }).execute();
    }
  }
  return id;
}

/** True if the project has its default group already (a read, so listing groups writes only once). */
export async function hasDefaultGroup(db: Kysely<NetworkTables>, projectId: string): Promise<boolean> {
  return (await db.selectFrom('default_security_group').select('project_id').where('project_id', '=', projectId).executeTakeFirst()) !== undefined;
}

/** True if the group is its project's default. */
export async function isDefaultGroup(db: Kysely<NetworkTables>, id: string): Promise<boolean> {
  return (await db.selectFrom('default_security_group').select('project_id').where('security_group_id', '=', id).executeTakeFirst()) !== undefined;
}

/** The groups a caller may list: all for admins, else its project's. */
export async function visibleGroups(db: Kysely<NetworkTables>, caller: Caller): Promise<SecurityGroupRow[]> {
  let q = db.selectFrom('security_group').selectAll();
  // Services (compute binding a server's ports to its groups by name) see every project's groups, as the
  // policy below allows them; the project filter is only a shortcut for everyone else.
  const service = caller.auth.roles.some((r) => r.name === 'service');
  if (!caller.isAdmin && !service) q = q.where('project_id', '=', caller.projectId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.filter((g) => caller.can('get_security_group', groupTarget(g)));
}

/** The group if the caller may see it; SecurityGroupNotFound otherwise. */
export async function getVisibleGroup(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<SecurityGroupRow> {
  const g = await db.selectFrom('security_group').selectAll().where('id', '=', id).executeTakeFirst();
  if (!g || !caller.can('get_security_group', groupTarget(g))) throw securityGroupNotFound(id);
  return g;
}

export function renderRule(r: RuleRow): Record<string, unknown> {
  return {
    id: r.id,
    tenant_id: r.project_id,
    project_id: r.project_id,
    security_group_id: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.port_range_min,
    port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix,
    remote_group_id: r.remote_group_id,
    description: r.description,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision_number: r.revision_number,
  };
}

/** Groups as Neutron shows them, each with its rules. */
export async function renderGroups(db: Kysely<NetworkTables>, groups: readonly SecurityGroupRow[]): Promise<Array<Record<string, unknown>>> {
  if (groups.length === 0) return [];
  const ids = groups.map((g) => g.id);
  const rules = new Map<string, RuleRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('security_group_rule').selectAll().where('security_group_id', 'in', ids.slice(i, i + 500)).orderBy('created_at').orderBy('id').execute();
    for (const r of rows) rules.set(r.security_group_id, [...(rules.get(r.security_group_id) ?? []), r]);
  }
  const tags = await tagsOf(db, ids);
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    description: g.description,
    tenant_id: g.project_id,
    project_id: g.project_id,
    security_group_rules: (rules.get(g.id) ?? []).map(renderRule),
    tags: tags.get(g.id) ?? [],
    created_at: g.created_at,
    updated_at: g.updated_at,
    revision_number: g.revision_number,
  }));
}
