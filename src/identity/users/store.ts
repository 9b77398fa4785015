/**
 * Users, groups and group membership. Passwords are stored only as scrypt hashes (see passwords.ts),
 * with a history of earlier hashes for the unique-password rule.
 */
import type { Kysely, Transaction } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, parseJson, toBool } from '../../platform/db/database.js';
import type { GroupTable, IdentityTables, UserTable } from '../tables.js';
import type { Group, User } from '../model.js';

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

export interface UserFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  ids?: string[];
}

function toUser(r: UserTable): User {
  return {
    id: r.id,
    name: r.name,
    domainId: r.domain_id,
    enabled: toBool(r.enabled),
    defaultProjectId: r.default_project_id,
    extra: parseJson(r.extra, {}),
    options: parseJson(r.options, {}),
    createdAt: r.created_at,
    lastActiveAt: r.last_active_at,
    passwordHash: r.password_hash,
    passwordCreatedAt: r.password_created_at,
    passwordExpiresAt: r.password_expires_at,
    failedAuthCount: r.failed_auth_count,
    failedAuthAt: r.failed_auth_at,
  };
}

function toGroup(r: GroupTable): Group {
  return { id: r.id, name: r.name, domainId: r.domain_id, description: r.description ?? '', extra: parseJson(r.extra, {}) };
}

export class UserStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  async find(id: string, db: Db = this.#db): Promise<User | undefined> {
    const r = await db.selectFrom('identity_user').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async get(id: string, db: Db = this.#db): Promise<User> {
    const u = await this.find(id, db);
    if (!u) throw new NotFound(`Could not find user: ${id}.`);
    return u;
  }

  async findByName(name: string, domainId: string): Promise<User | undefined> {
    const r = await this.#db.selectFrom('identity_user').selectAll().where('domain_id', '=', domainId).where('name', '=', name).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async list(filter: UserFilter = {}): Promise<User[]> {
    let q = this.#db.selectFrom('identity_user').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', fromBool(filter.enabled));
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return (await q.orderBy('name').orderBy('id').execute()).map(toUser);
  }

  /** Stores a user and, if it has a password, the password's history entry, atomically. */
  async insert(u: User, db: Db = this.#db): Promise<User> {
    try {
      await inTransaction(db, async (tx) => {
        await tx.insertInto('identity_user').values({
          id: u.id,
          domain_id: u.domainId,
          name: u.name,
          enabled: fromBool(u.enabled),
          default_project_id: u.defaultProjectId,
          extra: JSON.stringify(u.extra),
          options: JSON.stringify(u.options),
          created_at: u.createdAt,
          last_active_at: u.lastActiveAt,
          password_hash: u.passwordHash,
          password_created_at: u.passwordCreatedAt,
          password_expires_at: u.passwordExpiresAt,
          failed_auth_count: u.failedAuthCount,
          failed_auth_at: u.failedAuthAt,
        }).execute();
        if (u.passwordHash) await this.#remember(u.id, u.passwordHash, u.passwordCreatedAt ?? u.createdAt, tx);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${u.name} at domain ID ${u.domainId}.`, { cause: err });
      throw err;
    }
    return u;
  }

  /** Saves every attribute; pass `passwordChanged` to record the new hash in the history (atomically). */
  async update(u: User, passwordChanged: boolean, db: Db = this.#db): Promise<User> {
    try {
      await inTransaction(db, async (tx) => {
        await tx.updateTable('identity_user').set({
          name: u.name,
          enabled: fromBool(u.enabled),
          default_project_id: u.defaultProjectId,
          extra: JSON.stringify(u.extra),
          options: JSON.stringify(u.options),
          last_active_at: u.lastActiveAt,
          password_hash: u.passwordHash,
          password_created_at: u.passwordCreatedAt,
          password_expires_at: u.passwordExpiresAt,
          failed_auth_count: u.failedAuthCount,
          failed_auth_at: u.failedAuthAt,
        }).where('id', '=', u.id).execute();
        if (passwordChanged && u.passwordHash) await this.#remember(u.id, u.passwordHash, u.passwordCreatedAt ?? new Date().toISOString(), tx);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to update user - Duplicate entry found with name ${u.name} at domain ID ${u.domainId}.`, { cause: err });
      throw err;
    }
    return u;
  }

  async #remember(userId: string, hash: string, createdAt: string, db: Db): Promise<void> {
    await db.insertInto('password_history').values({ user_id: userId, hash, created_at: createdAt }).execute();
  }

  /** The user's most recent password hashes, newest first. */
  async passwordHistory(userId: string, count: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('password_history').select('hash').where('user_id', '=', userId)
      .orderBy('created_at', 'desc').limit(count).execute();
    return rows.map((r) => r.hash);
  }

  /** Counts a failed password login. */
  async recordFailedAuth(userId: string, at: string): Promise<void> {
    await this.#db.updateTable('identity_user')
      .set((eb) => ({ failed_auth_count: eb('failed_auth_count', '+', 1), failed_auth_at: at }))
      .where('id', '=', userId).execute();
  }

  /** Clears the failed-login count (a successful login, or an admin re-enabling the user). */
  async resetFailedAuth(userId: string): Promise<void> {
    await this.#db.updateTable('identity_user').set({ failed_auth_count: 0, failed_auth_at: null }).where('id', '=', userId).execute();
  }

  async touchLastActive(userId: string, at: string): Promise<void> {
    await this.#db.updateTable('identity_user').set({ last_active_at: at }).where('id', '=', userId).execute();
  }

  async delete(id: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('identity_user').where('id', '=', id).execute();
  }

  // --- groups ---

  async findGroup(id: string, db: Db = this.#db): Promise<Group | undefined> {
    const r = await db.selectFrom('identity_group').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toGroup(r) : undefined;
  }

  async getGroup(id: string, db: Db = this.#db): Promise<Group> {
    const g = await this.findGroup(id, db);
    if (!g) throw new NotFound(`Could not find group: ${id}.`);
    return g;
  }

  async listGroups(filter: { name?: string; domainId?: string; ids?: string[] } = {}): Promise<Group[]> {
    let q = this.#db.selectFrom('identity_group').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return (await q.orderBy('name').orderBy('id').execute()).map(toGroup);
  }

  async insertGroup(g: Group, db: Db = this.#db): Promise<Group> {
    try {
      await db.insertInto('identity_group').values({
        id: g.id, domain_id: g.domainId, name: g.name, description: g.description, extra: JSON.stringify(g.extra),
      }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store group - Duplicate entry found with name ${g.name} at domain ID ${g.domainId}.`, { cause: err });
      throw err;
    }
    return g;
  }

  async updateGroup(g: Group, db: Db = this.#db): Promise<Group> {
    try {
      await db.updateTable('identity_group').set({ name: g.name, description: g.description, extra: JSON.stringify(g.extra) })
        .where('id', '=', g.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to update group - Duplicate entry found with name ${g.name}.`, { cause: err });
      throw err;
    }
    return g;
  }

  async deleteGroup(id: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('identity_group').where('id', '=', id).execute();
  }

  async addMember(groupId: string, userId: string): Promise<void> {
    await this.#db.insertInto('user_group_membership').values({ group_id: groupId, user_id: userId })
      .onConflict((oc) => oc.doNothing()).execute();
  }

  async removeMember(groupId: string, userId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('user_group_membership').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async isMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.#db.selectFrom('user_group_membership').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }

  async groupIdsOf(userId: string, db: Db = this.#db): Promise<string[]> {
    return (await db.selectFrom('user_group_membership').select('group_id').where('user_id', '=', userId).execute()).map((r) => r.group_id);
  }

  async memberIdsOf(groupId: string, db: Db = this.#db): Promise<string[]> {
    return (await db.selectFrom('user_group_membership').select('user_id').where('group_id', '=', groupId).execute()).map((r) => r.user_id);
  }
}
