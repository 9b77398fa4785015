/**
 * GET /v3/role_assignments: the raw grants, or with `effective` what they amount to per user and
 * project (groups expanded to members, inherited grants pushed down the tree, implied roles added,
 * domain-specific roles dropped), with Keystone's filters and `include_names`.
 */
import { BadRequest } from '../../platform/errors.js';
import { link, type IdentityContext } from '../context.js';
import type { Assignment, Project, Role } from '../model.js';

interface Entry {
  actor: 'user' | 'group';
  actorId: string;
  target: 'project' | 'domain' | 'system';
  targetId: string;
  roleId: string;
  inherited: boolean;
  links: Record<string, string>;
}

function grantLink(ctx: IdentityContext, a: Assignment): string {
  const actor = `${a.actor === 'user' ? 'users' : 'groups'}/${a.actorId}`;
  if (a.target === 'system') return link(ctx, `system/${actor}/roles/${a.roleId}`);
  const target = `${a.target === 'project' ? 'projects' : 'domains'}/${a.targetId}`;
  return a.inherited
    ? link(ctx, `OS-INHERIT/${target}/${actor}/roles/${a.roleId}/inherited_to_projects`)
    : link(ctx, `${target}/${actor}/roles/${a.roleId}`);
}

export async function listRoleAssignments(ctx: IdentityContext, q: Record<string, string>, includeSubtree: boolean): Promise<Record<string, unknown>[]> {
  const effective = q.effective !== undefined && q.effective !== 'false' && q.effective !== '0';
  const names = q.include_names !== undefined && q.include_names !== 'false' && q.include_names !== '0';
  const userId = q['user.id'];
  const groupId = q['group.id'];
  const roleId = q['role.id'];
  const projectId = q['scope.project.id'];
  const domainId = q['scope.domain.id'];
  const system = q['scope.system'];
  const inheritedTo = q['scope.OS-INHERIT:inherited_to'];
  if (effective && groupId !== undefined) throw new BadRequest('Combining effective and group filter will always result in an empty list.');
  if ([projectId, domainId, system].filter((x) => x !== undefined).length > 1) throw new BadRequest('Specify one of domain, project or system scope.');
  if (userId !== undefined && groupId !== undefined) throw new BadRequest('Specify a user or group, not both.');

  let projectScope: string[] | undefined;
  if (projectId !== undefined) {
    projectScope = [projectId];
    if (includeSubtree) projectScope.push(...(await ctx.resources.subtree(projectId)).map((p) => p.id));
  }

  let actorIds: string[] | undefined;
  if (userId !== undefined) actorIds = effective ? [userId, ...(await ctx.users.groupIdsOf(userId))] : [userId];
  else if (groupId !== undefined) actorIds = [groupId];

  const raw = await ctx.assignments.list({
    ...(actorIds ? { actorIds } : {}),
    ...(groupId !== undefined ? { actor: 'group' as const } : userId !== undefined && !effective ? { actor: 'user' as const } : {}),
    ...(!effective && roleId !== undefined ? { roleIds: [roleId] } : {}),
  });

  let entries: Entry[] = raw.map((a) => ({ ...a, links: { assignment: grantLink(ctx, a) } }));

  if (effective) {
    const expanded: Entry[] = [];
    const subtreeCache = new Map<string, Project[]>();
    const below = async (id: string): Promise<Project[]> => {
      if (!subtreeCache.has(id)) subtreeCache.set(id, (await ctx.resources.subtree(id)).filter((p) => !p.isDomain));
      return subtreeCache.get(id)!;
    };
    for (const e of entries) {
      const users = e.actor === 'user' ? [{ id: e.actorId, membership: undefined as string | undefined }]
        : (await ctx.users.memberIdsOf(e.actorId)).map((id) => ({ id, membership: link(ctx, `groups/${e.actorId}/users/${id}`) }));
      const targets = e.inherited && e.target !== 'system'
        ? (await below(e.targetId)).map((p) => ({ target: 'project' as const, targetId: p.id }))
        : [{ target: e.target, targetId: e.targetId }];
      for (const u of users) {
        if (userId !== undefined && u.id !== userId) continue;
        for (const t of targets) {
          expanded.push({ actor: 'user', actorId: u.id, ...t, roleId: e.roleId, inherited: false, links: { ...e.links, ...(u.membership ? { membership: u.membership } : {}) } });
        }
      }
    }
    // Implied roles, then drop domain-specific roles (they only stand for what they imply).
    const rules = await ctx.assignments.listImplications();
    const implied = new Map<string, string[]>();
    for (const r of rules) implied.set(r.priorRoleId, [...(implied.get(r.priorRoleId) ?? []), r.impliedRoleId]);
    const withImplied: Entry[] = [];
    for (const e of expanded) {
      const seen = new Set<string>();
      const stack: Array<{ id: string; prior?: string }> = [{ id: e.roleId }];
      while (stack.length) {
        const { id, prior } = stack.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        withImplied.push({ ...e, roleId: id, links: prior ? { ...e.links, prior_role: link(ctx, `roles/${prior}`) } : e.links });
        for (const next of implied.get(id) ?? []) stack.push({ id: next, prior: id });
      }
    }
    const domainRoles = new Set((await ctx.assignments.listRoles({ ids: [...new Set(withImplied.map((e) => e.roleId))] })).filter((r) => r.domainId !== null).map((r) => r.id));
    entries = withImplied.filter((e) => !domainRoles.has(e.roleId));
    const seenKeys = new Set<string>();
    entries = entries.filter((e) => {
      const k = `${e.actorId}|${e.target}|${e.targetId}|${e.roleId}`;
      if (seenKeys.has(k)) return false;
      seenKeys.add(k);
      return true;
    });
    if (roleId !== undefined) entries = entries.filter((e) => e.roleId === roleId);
  }

  entries = entries.filter((e) => {
    if (projectScope && !(e.target === 'project' && projectScope.includes(e.targetId))) return false;
    if (domainId !== undefined && !(e.target === 'domain' && e.targetId === domainId)) return false;
    if (system !== undefined && e.target !== 'system') return false;
    if (inheritedTo !== undefined && !e.inherited) return false;
    return true;
  });

  return Promise.all(entries.map((e) => render(ctx, e, names)));
}

async function render(ctx: IdentityContext, e: Entry, names: boolean): Promise<Record<string, unknown>> {
  const roleRef = async (): Promise<Record<string, unknown>> => {
    if (!names) return { id: e.roleId };
    const r: Role | undefined = await ctx.assignments.findRole(e.roleId);
    if (!r) return { id: e.roleId };
    const out: Record<string, unknown> = { id: r.id, name: r.name };
    if (r.domainId) out.domain = await domainRef(r.domainId);
    return out;
  };
  const domainRef = async (id: string): Promise<Record<string, unknown>> => {
    const d = await ctx.resources.find(id);
    return { id, ...(d ? { name: d.name } : {}) };
  };
  const actorRef = async (): Promise<Record<string, unknown>> => {
    if (!names) return { id: e.actorId };
    const a = e.actor === 'user' ? await ctx.users.find(e.actorId) : await ctx.users.findGroup(e.actorId);
    return a ? { id: a.id, name: a.name, domain: await domainRef(a.domainId) } : { id: e.actorId };
  };
  let scope: Record<string, unknown>;
  if (e.target === 'system') scope = { system: { all: true } };
  else if (!names) scope = { [e.target]: { id: e.targetId } };
  else {
    const t = await ctx.resources.find(e.targetId);
    scope = { [e.target]: t ? (e.target === 'project' ? { id: t.id, name: t.name, domain: await domainRef(t.domainId) } : { id: t.id, name: t.name }) : { id: e.targetId } };
  }
  if (e.inherited) scope['OS-INHERIT:inherited_to'] = 'projects';
  return { role: await roleRef(), [e.actor]: await actorRef(), scope, links: e.links };
}
