/**
 * Unified limits: registered limits (a service's default for a resource, optionally per region) and
 * limits (a project's or domain's override of one). A limit names its registered limit by
 * (service, region, resource), which is what Keystone returns for it too.
 */
import type { Kysely, Transaction } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { isUniqueViolation } from '../../platform/db/database.js';
import type { IdentityTables, LimitTable, RegisteredLimitTable } from '../tables.js';

/** What a registered limit and its limits have in common. */
export interface LimitKey { serviceId: string; regionId: string | null; resourceName: string; }

export interface RegisteredLimit extends LimitKey { id: string; defaultLimit: number; description: string | null; }

/** Exactly one of projectId and domainId is set. */
export interface Limit extends LimitKey {
  id: string;
  projectId: string | null;
  domainId: string | null;
  resourceLimit: number;
  description: string | null;
}

export type RegisteredLimitFilter = Partial<LimitKey>;
export interface LimitFilter extends Partial<LimitKey> { projectId?: string; domainId?: string; }

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

const toRegistered = (r: RegisteredLimitTable): RegisteredLimit => ({
  id: r.id, serviceId: r.service_id, regionId: r.region_id, resourceName: r.resource_name, defaultLimit: r.default_limit, description: r.description,
});
const toLimit = (r: LimitTable): Limit => ({
  id: r.id, projectId: r.project_id, domainId: r.domain_id, serviceId: r.service_id, regionId: r.region_id,
  resourceName: r.resource_name, resourceLimit: r.resource_limit, description: r.description,
});

const duplicate = (type: 'registered_limit' | 'limit', cause?: unknown): Conflict =>
  new Conflict(`Conflict occurred attempting to store ${type} - Duplicate entry.`, cause === undefined ? {} : { cause });

export class LimitStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- registered limits ---

  async getRegistered(id: string): Promise<RegisteredLimit> {
    const r = await this.#db.selectFrom('registered_limit').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFound(`Could not find registered limit for ${id}.`);
    return toRegistered(r);
  }

  async listRegistered(filter: RegisteredLimitFilter = {}, db: Db = this.#db): Promise<RegisteredLimit[]> {
    let q = db.selectFrom('registered_limit').selectAll();
    if (filter.serviceId !== undefined) q = q.where('service_id', '=', filter.serviceId);
    if (filter.regionId !== undefined) q = filter.regionId === null ? q.where('region_id', 'is', null) : q.where('region_id', '=', filter.regionId);
    if (filter.resourceName !== undefined) q = q.where('resource_name', '=', filter.resourceName);
    return (await q.orderBy('id').execute()).map(toRegistered);
  }

  /** Creates all or none; a duplicate (stored or within the batch) is a Conflict. */
  async insertRegistered(items: RegisteredLimit[]): Promise<RegisteredLimit[]> {
    return this.#batch('registered_limit', async (tx) => {
      for (const r of items) {
        if ((await this.listRegistered(keyOf(r), tx)).length > 0) throw duplicate('registered_limit');
        await tx.insertInto('registered_limit').values({
          id: r.id, service_id: r.serviceId, region_id: r.regionId, resource_name: r.resourceName, default_limit: r.defaultLimit, description: r.description,
        }).execute();
      }
      return items;
    });
  }

  /** Saves a changed registered limit; a Conflict if its new key is taken by another. */
  async updateRegistered(next: RegisteredLimit): Promise<RegisteredLimit> {
    return this.#batch('registered_limit', async (tx) => {
      if ((await this.listRegistered(keyOf(next), tx)).some((r) => r.id !== next.id)) throw duplicate('registered_limit');
      await tx.updateTable('registered_limit').set({
        service_id: next.serviceId, region_id: next.regionId, resource_name: next.resourceName, default_limit: next.defaultLimit, description: next.description,
      }).where('id', '=', next.id).execute();
      return next;
    });
  }

  async deleteRegistered(id: string): Promise<void> {
    await this.#db.deleteFrom('registered_limit').where('id', '=', id).execute();
  }

  // --- limits ---

  async getLimit(id: string): Promise<Limit> {
    const r = await this.findLimit(id);
    if (!r) throw new NotFound(`Could not find limit for ${id}.`);
    return r;
  }

  async findLimit(id: string): Promise<Limit | undefined> {
    const r = await this.#db.selectFrom('limit_').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toLimit(r) : undefined;
  }

  async listLimits(filter: LimitFilter = {}, db: Db = this.#db): Promise<Limit[]> {
    let q = db.selectFrom('limit_').selectAll();
    if (filter.serviceId !== undefined) q = q.where('service_id', '=', filter.serviceId);
    if (filter.regionId !== undefined) q = filter.regionId === null ? q.where('region_id', 'is', null) : q.where('region_id', '=', filter.regionId);
    if (filter.resourceName !== undefined) q = q.where('resource_name', '=', filter.resourceName);
    if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    return (await q.orderBy('id').execute()).map(toLimit);
  }

  /** True if any limit overrides this registered limit (it may then be neither changed nor deleted). */
  async isReferenced(r: RegisteredLimit): Promise<boolean> {
    return (await this.listLimits(keyOf(r))).length > 0;
  }

  /** Creates all or none; a duplicate for the same owner (stored or within the batch) is a Conflict. */
  async insertLimits(items: Limit[]): Promise<Limit[]> {
    return this.#batch('limit', async (tx) => {
      for (const l of items) {
        const owner = l.projectId !== null ? { projectId: l.projectId } : { domainId: l.domainId ?? '' };
        if ((await this.listLimits({ ...keyOf(l), ...owner }, tx)).length > 0) throw duplicate('limit');
        await tx.insertInto('limit_').values({
          id: l.id, project_id: l.projectId, domain_id: l.domainId, service_id: l.serviceId, region_id: l.regionId,
          resource_name: l.resourceName, resource_limit: l.resourceLimit, description: l.description,
        }).execute();
      }
      return items;
    });
  }

  async updateLimit(next: Limit): Promise<Limit> {
    await this.#db.updateTable('limit_').set({ resource_limit: next.resourceLimit, description: next.description }).where('id', '=', next.id).execute();
    return next;
  }

  async deleteLimit(id: string): Promise<void> {
    await this.#db.deleteFrom('limit_').where('id', '=', id).execute();
  }

  /** Runs a write in a transaction; the unique indexes of migration 0003 catch what a race slips past. */
  async #batch<T>(type: 'registered_limit' | 'limit', work: (tx: Transaction<IdentityTables>) => Promise<T>): Promise<T> {
    try {
      return await this.#db.transaction().execute(work);
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(type, err);
      throw err;
    }
  }
}

function keyOf(k: LimitKey): LimitKey {
  return { serviceId: k.serviceId, regionId: k.regionId, resourceName: k.resourceName };
}
