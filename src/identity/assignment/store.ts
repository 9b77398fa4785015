/**
 * Roles, implied roles and role assignments (grants). Assignment rows follow Keystone's single table:
 * (type, actor, target, role, inherited), the system being target 'system'.
 */
import type { Kysely, Transaction } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, isUniqueViolation, parseJson, toBool } from '../../platform/db/database.js';
import type { AssignmentTable, AssignmentType, IdentityTables, RoleTable } from '../tables.js';
import { NULL_DOMAIN_ID, type ActorKind, type Assignment, type Role, type TargetKind } from '../model.js';

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

const SYSTEM_TARGET = 'system';

function toRole(r: RoleTable): Role {
  return {
    id: r.id,
    name: r.name,
    domainId: r.domain_id === NULL_DOMAIN_ID ? null : r.domain_id,
    description: r.description,
    options: parseJson(r.options, {}),
    extra: parseJson(r.extra, {}),
  };
}

export function assignmentType(actor: ActorKind, target: TargetKind): AssignmentType {
  const a = actor === 'user' ? 'User' : 'Group';
  const t = target === 'project' ? 'Project' : target === 'domain' ? 'Domain' : 'System';
  return `${a}${t}` as AssignmentType;
}

function toAssignment(r: AssignmentTable): Assignment {
  const actor: ActorKind = r.type.startsWith('User') ? 'user' : 'group';
  const target: TargetKind = r.type.endsWith('Project') ? 'project' : r.type.endsWith('Domain') ? 'domain' : 'system';
  return {
    actor,
    actorId: r.actor_id,
    target,
    targetId: target === 'system' ? 'all' : r.target_id,
    roleId: r.role_id,
    inherited: toBool(r.inherited),
  };
}

export interface AssignmentFilter {
  actor?: ActorKind;
  actorIds?: string[];
  target?: TargetKind;
  targetIds?: string[];
  roleIds?: string[];
  inherited?: boolean;
}

export class AssignmentStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- roles ---

  async findRole(id: string, db: Db = this.#db): Promise<Role | undefined> {
    const r = await db.selectFrom('role').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRole(r) : undefined;
  }

  async getRole(id: string, db: Db = this.#db): Promise<Role> {
    const r = await this.findRole(id, db);
    if (!r) throw new NotFound(`Could not find role: ${id}.`);
    return r;
  }

  async findRoleByName(name: string, domainId: string | null): Promise<Role | undefined> {
    const r = await this.#db.selectFrom('role').selectAll().where('name', '=', name)
      .where('domain_id', '=', domainId ?? NULL_DOMAIN_ID).executeTakeFirst();
    return r ? toRole(r) : undefined;
  }

  async listRoles(filter: { name?: string; domainId?: string | null; ids?: string[] } = {}): Promise<Role[]> {
    let q = this.#db.selectFrom('role').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId ?? NULL_DOMAIN_ID);
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return (await q.orderBy('name').orderBy('id').execute()).map(toRole);
  }

  async insertRole(r: Role, db: Db = this.#db): Promise<Role> {
    try {
      await db.insertInto('role').values({
        id: r.id, name: r.name, domain_id: r.domainId ?? NULL_DOMAIN_ID, description: r.description,
        options: JSON.stringify(r.options), extra: JSON.stringify(r.extra),
      }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${r.name}.`, { cause: err });
      throw err;
    }
    return r;
  }

  async updateRole(r: Role): Promise<Role> {
    try {
      await this.#db.updateTable('role').set({
        name: r.name, description: r.description, options: JSON.stringify(r.options), extra: JSON.stringify(r.extra),
      }).where('id', '=', r.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to update role - Duplicate entry found with name ${r.name}.`, { cause: err });
      throw err;
    }
    return r;
  }

  /** Deletes a role with its assignments and implication rules. */
  async deleteRole(id: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('assignment').where('role_id', '=', id).execute();
    await db.deleteFrom('implied_role').where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)])).execute();
    await db.deleteFrom('role').where('id', '=', id).execute();
  }

  // --- implied roles ---

  async listImplications(priorRoleId?: string): Promise<Array<{ priorRoleId: string; impliedRoleId: string }>> {
    let q = this.#db.selectFrom('implied_role').selectAll();
    if (priorRoleId !== undefined) q = q.where('prior_role_id', '=', priorRoleId);
    const rows = await q.orderBy('prior_role_id').orderBy('implied_role_id').execute();
    return rows.map((r) => ({ priorRoleId: r.prior_role_id, impliedRoleId: r.implied_role_id }));
  }

  async addImplication(priorRoleId: string, impliedRoleId: string, db: Db = this.#db): Promise<void> {
    await db.insertInto('implied_role').values({ prior_role_id: priorRoleId, implied_role_id: impliedRoleId })
      .onConflict((oc) => oc.doNothing()).execute();
  }

  async hasImplication(priorRoleId: string, impliedRoleId: string): Promise<boolean> {
    return (await this.#db.selectFrom('implied_role').select('prior_role_id').where('prior_role_id', '=', priorRoleId)
      .where('implied_role_id', '=', impliedRoleId).executeTakeFirst()) !== undefined;
  }

  async removeImplication(priorRoleId: string, impliedRoleId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('implied_role').where('prior_role_id', '=', priorRoleId)
      .where('implied_role_id', '=', impliedRoleId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- assignments ---

  async grant(a: Assignment, db: Db = this.#db): Promise<void> {
    await db.insertInto('assignment').values({
      type: assignmentType(a.actor, a.target),
      actor_id: a.actorId,
      target_id: a.target === 'system' ? SYSTEM_TARGET : a.targetId,
      role_id: a.roleId,
      inherited: fromBool(a.inherited),
    }).onConflict((oc) => oc.doNothing()).execute();
  }

  async revoke(a: Assignment): Promise<boolean> {
    const r = await this.#db.deleteFrom('assignment')
      .where('type', '=', assignmentType(a.actor, a.target))
      .where('actor_id', '=', a.actorId)
      .where('target_id', '=', a.target === 'system' ? SYSTEM_TARGET : a.targetId)
      .where('role_id', '=', a.roleId)
      .where('inherited', '=', fromBool(a.inherited))
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async exists(a: Assignment): Promise<boolean> {
    const r = await this.#db.selectFrom('assignment').select('role_id')
      .where('type', '=', assignmentType(a.actor, a.target))
      .where('actor_id', '=', a.actorId)
      .where('target_id', '=', a.target === 'system' ? SYSTEM_TARGET : a.targetId)
      .where('role_id', '=', a.roleId)
      .where('inherited', '=', fromBool(a.inherited))
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Assignments matching every given field. */
  async list(filter: AssignmentFilter = {}, db: Db = this.#db): Promise<Assignment[]> {
    let q = db.selectFrom('assignment').selectAll();
    const types: AssignmentType[] = [];
    for (const actor of filter.actor ? [filter.actor] : (['user', 'group'] as const)) {
      for (const target of filter.target ? [filter.target] : (['project', 'domain', 'system'] as const)) {
        types.push(assignmentType(actor, target));
      }
    }
    if (types.length < 6) q = q.where('type', 'in', types);
    if (filter.actorIds !== undefined) {
      if (filter.actorIds.length === 0) return [];
      q = q.where('actor_id', 'in', filter.actorIds);
    }
    if (filter.targetIds !== undefined) {
      if (filter.targetIds.length === 0) return [];
      q = q.where('target_id', 'in', filter.targetIds.map((t) => (t === 'all' ? SYSTEM_TARGET : t)));
    }
    if (filter.roleIds !== undefined) {
      if (filter.roleIds.length === 0) return [];
      q = q.where('role_id', 'in', filter.roleIds);
    }
    if (filter.inherited !== undefined) q = q.where('inherited', '=', fromBool(filter.inherited));
    return (await q.execute()).map(toAssignment);
  }

  /** Removes every assignment naming an actor (a deleted user or group). */
  async deleteForActor(actorId: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('assignment').where('actor_id', '=', actorId).execute();
  }

  /** Removes every assignment on a target (a deleted project or domain). */
  async deleteForTarget(targetId: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('assignment').where('target_id', '=', targetId).execute();
  }
}
