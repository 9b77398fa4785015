/** What the Keystone plugins share: finding domains, projects, users and roles by name or id, and grants. */
import type { ResourceContext } from '../types.js';
import { ResourceFailure } from '../types.js';

type Kind = 'projects' | 'users' | 'domains' | 'roles' | 'groups';

/** The id of the entity named (or with the id) `ref`, as Heat's keystone constraints resolve it. */
export async function keystoneId(ctx: ResourceContext, token: string, kind: Exclude<Kind, 'groups'>, ref: string): Promise<string> {
  const identity = ctx.clients.identity;
  const named = await identity.list(token, kind, { name: ref });
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) throw new ResourceFailure(`Multiple ${kind} matches found for name '${ref}', use an ID to be more specific.`);
  const all = await identity.list(token, kind);
  const byId = all.find((e) => e.id === ref || (kind === 'domains' && e.id.toLowerCase() === ref.toLowerCase()));
  if (!byId) throw new ResourceFailure(`The Keystone ${kind.slice(0, -1)} (${ref}) could not be found.`);
  return byId.id;
}

export interface Grant { role: string; project?: string; domain?: string }

/** Resolves `roles` entries ({role, project | domain}) to ids. */
export async function resolveGrants(ctx: ResourceContext, token: string, roles: unknown): Promise<Array<{ roleId: string; on: 'projects' | 'domains'; target: string }>> {
  const out: Array<{ roleId: string; on: 'projects' | 'domains'; target: string }> = [];
  for (const r of (Array.isArray(roles) ? roles : []) as Array<Record<string, unknown>>) {
    if (typeof r.role !== 'string') throw new ResourceFailure('Property error: roles: role must be given');
    const hasProject = typeof r.project === 'string' && r.project !== '';
    const hasDomain = typeof r.domain === 'string' && r.domain !== '';
    if (hasProject === hasDomain) throw new ResourceFailure('Only one of the domain or project can be specified');
    const roleId = await keystoneId(ctx, token, 'roles', r.role);
    out.push(hasProject
      ? { roleId, on: 'projects', target: await keystoneId(ctx, token, 'projects', String(r.project)) }
      : { roleId, on: 'domains', target: await keystoneId(ctx, token, 'domains', String(r.domain)) });
  }
  return out;
}

/** Grants (or revokes) every resolved role to a user or group; granting twice is granting once. */
export async function applyGrants(ctx: ResourceContext, token: string, actor: 'users' | 'groups', actorId: string, grants: ReadonlyArray<{ roleId: string; on: 'projects' | 'domains'; target: string }>, revoke = false): Promise<void> {
  for (const g of grants) {
    await ctx.clients.identity.grant(token, { on: g.on, target: g.target, actor, actorId, roleId: g.roleId }, revoke).catch((err: unknown) => {
      if (!(revoke && (err as { status?: unknown }).status === 404)) throw err;
    });
  }
}

/** The role-assignment property schema Heat's User and RoleAssignment share. */
export const ROLES_SCHEMA = {
  type: 'list' as const, description: 'List of role assignments.', updateAllowed: true,
  schema: { '*': { type: 'map' as const, description: 'Map between role with either project or domain.', schema: {
    role: { type: 'string' as const, description: 'Keystone role.', required: true },
    project: { type: 'string' as const, description: 'Keystone project.' },
    domain: { type: 'string' as const, description: 'Keystone domain.' },
  } } },
};
