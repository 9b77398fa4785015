/**
 * Application credentials and their access rules. The secret is stored only as a hash.
 */
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, isUniqueViolation, toBool } from '../../platform/db/database.js';
import type { ApplicationCredentialTable, IdentityTables } from '../tables.js';
import type { AccessRule, ApplicationCredential } from '../model.js';

function toAppCred(r: ApplicationCredentialTable, roleIds: string[], accessRuleIds: string[]): ApplicationCredential {
  return {
    id: r.id,
    name: r.name,
    secretHash: r.secret_hash,
    description: r.description,
    userId: r.user_id,
    projectId: r.project_id,
    system: r.system,
    expiresAt: r.expires_at,
    unrestricted: toBool(r.unrestricted),
    roleIds,
    accessRuleIds,
    createdAt: r.created_at,
  };
}

export class AppCredStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  async #hydrate(rows: ApplicationCredentialTable[]): Promise<ApplicationCredential[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const roles = await this.#db.selectFrom('application_credential_role').selectAll().where('application_credential_id', 'in', ids).execute();
    const rules = await this.#db.selectFrom('application_credential_access_rule').selectAll().where('application_credential_id', 'in', ids).execute();
    return rows.map((r) => toAppCred(
      r,
      roles.filter((x) => x.application_credential_id === r.id).map((x) => x.role_id),
      rules.filter((x) => x.application_credential_id === r.id).map((x) => x.access_rule_id),
    ));
  }

  async find(id: string): Promise<ApplicationCredential | undefined> {
    const r = await this.#db.selectFrom('application_credential').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? (await this.#hydrate([r]))[0] : undefined;
  }

  async findByName(userId: string, name: string): Promise<ApplicationCredential | undefined> {
    const r = await this.#db.selectFrom('application_credential').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    return r ? (await this.#hydrate([r]))[0] : undefined;
  }

  async get(userId: string, id: string): Promise<ApplicationCredential> {
    const a = await this.find(id);
    if (!a || a.userId !== userId) throw new NotFound(`Could not find Application Credential: ${id}.`);
    return a;
  }

  async list(userId: string, filter: { name?: string } = {}): Promise<ApplicationCredential[]> {
    let q = this.#db.selectFrom('application_credential').selectAll().where('user_id', '=', userId);
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    return this.#hydrate(await q.orderBy('name').execute());
  }

  /** Stores a credential, creating the access rules it names that the user does not have yet. */
  async insert(a: ApplicationCredential, newRules: AccessRule[]): Promise<void> {
    try {
      await this.#db.transaction().execute(async (tx) => {
        for (const rule of newRules) {
          await tx.insertInto('access_rule').values({ id: rule.id, service: rule.service, path: rule.path, method: rule.method, user_id: rule.userId }).execute();
        }
        await tx.insertInto('application_credential').values({
          id: a.id, name: a.name, secret_hash: a.secretHash, description: a.description, user_id: a.userId,
          project_id: a.projectId, system: a.system, expires_at: a.expiresAt, unrestricted: fromBool(a.unrestricted), created_at: a.createdAt,
        }).execute();
        if (a.roleIds.length > 0) {
          await tx.insertInto('application_credential_role').values(a.roleIds.map((role_id) => ({ application_credential_id: a.id, role_id }))).execute();
        }
        if (a.accessRuleIds.length > 0) {
          await tx.insertInto('application_credential_access_rule').values(a.accessRuleIds.map((access_rule_id) => ({ application_credential_id: a.id, access_rule_id }))).execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${a.name}.`, { cause: err });
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('application_credential').where('id', '=', id).execute();
  }

  async deleteForUser(userId: string, projectId?: string): Promise<string[]> {
    let q = this.#db.selectFrom('application_credential').select('id').where('user_id', '=', userId);
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length > 0) await this.#db.deleteFrom('application_credential').where('id', 'in', ids).execute();
    return ids;
  }

  // --- access rules ---

  async listAccessRules(userId: string, ids?: string[]): Promise<AccessRule[]> {
    let q = this.#db.selectFrom('access_rule').selectAll().where('user_id', '=', userId);
    if (ids !== undefined) {
      if (ids.length === 0) return [];
      q = q.where('id', 'in', ids);
    }
    return (await q.orderBy('id').execute()).map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method, userId: r.user_id }));
  }

  async accessRuleInUse(id: string): Promise<boolean> {
    return (await this.#db.selectFrom('application_credential_access_rule').select('access_rule_id').where('access_rule_id', '=', id).executeTakeFirst()) !== undefined;
  }

  async deleteAccessRule(id: string): Promise<void> {
    await this.#db.deleteFrom('access_rule').where('id', '=', id).execute();
  }
}
