/**
 * Effective roles: what a user holds on a project, domain or the system once group membership,
 * inheritance (OS-INHERIT) and implied roles are applied, as Keystone computes them for tokens and for
 * `GET /v3/role_assignments?effective`.
 */
import type { Assignment, Project, Role } from '../model.js';
import type { AssignmentStore } from './store.js';
import type { ResourceStore } from '../resource/store.js';
import type { UserStore } from '../users/store.js';

export type RoleScope = { kind: 'project'; project: Project } | { kind: 'domain'; domainId: string } | { kind: 'system' };

export class RoleResolver {
  constructor(
    private readonly assignments: AssignmentStore,
    private readonly resources: ResourceStore,
    private readonly users: UserStore,
  ) {}

  /** The ids of every target whose inherited assignments reach `project`: its parents and its domain. */
  async inheritanceSources(project: Project): Promise<string[]> {
    const parents = await this.resources.parents(project);
    return [...parents.map((p) => p.id), project.domainId];
  }

  /** Direct and group assignments (before implied roles) that give `userId` roles on `scope`. */
  async assignmentsFor(userId: string, scope: RoleScope): Promise<Assignment[]> {
    const actorIds = [userId, ...(await this.users.groupIdsOf(userId))];
    switch (scope.kind) {
      case 'system':
        return this.assignments.list({ actorIds, target: 'system' });
      case 'domain':
        return this.assignments.list({ actorIds, target: 'domain', targetIds: [scope.domainId], inherited: false });
      case 'project': {
        const direct = await this.assignments.list({ actorIds, target: 'project', targetIds: [scope.project.id], inherited: false });
        const inherited = await this.assignments.list({ actorIds, targetIds: await this.inheritanceSources(scope.project), inherited: true });
        return [...direct, ...inherited.filter((a) => a.target !== 'system')];
      }
    }
  }

  /** Role ids of `userId` on `scope`, implied roles included, domain-specific roles left out. */
  async effectiveRoleIds(userId: string, scope: RoleScope): Promise<string[]> {
    const assigned = (await this.assignmentsFor(userId, scope)).map((a) => a.roleId);
    return this.expand(assigned);
  }

  /**
   * Adds every role implied (transitively) by `roleIds` and drops domain-specific roles: those only
   * carry the global roles they imply, as in Keystone.
   */
  async expand(roleIds: readonly string[]): Promise<string[]> {
    if (roleIds.length === 0) return [];
    const rules = await this.assignments.listImplications();
    const implies = new Map<string, string[]>();
    for (const r of rules) implies.set(r.priorRoleId, [...(implies.get(r.priorRoleId) ?? []), r.impliedRoleId]);
    const seen = new Set<string>();
    const stack = [...roleIds];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(implies.get(id) ?? []));
    }
    const roles = await this.assignments.listRoles({ ids: [...seen] });
    return roles.filter((r) => r.domainId === null).map((r) => r.id);
  }

  /** Roles by id, in name order. */
  async roles(ids: readonly string[]): Promise<Role[]> {
    return this.assignments.listRoles({ ids: [...ids] });
  }
}
