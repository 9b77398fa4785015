/**
 * OS-EP-FILTER data: endpoint groups (saved filters over the catalog's endpoints) and which endpoints
 * and endpoint groups each project is limited to.
 */
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { isUniqueViolation, parseJson } from '../../platform/db/database.js';
import type { EndpointGroupTable, IdentityTables } from '../tables.js';
import type { Interface } from '../model.js';

/** The attributes an endpoint group may filter on; an endpoint matches when all given ones are equal. */
export interface EndpointGroupFilters {
  interface?: Interface;
  service_id?: string;
  region_id?: string | null;
}

export interface EndpointGroup {
  id: string;
  name: string;
  description: string | null;
  filters: EndpointGroupFilters;
}

const toGroup = (r: EndpointGroupTable): EndpointGroup => ({ id: r.id, name: r.name, description: r.description, filters: parseJson(r.filters, {}) });

export class EndpointFilterStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- endpoint groups ---

  async findGroup(id: string): Promise<EndpointGroup | undefined> {
    const r = await this.#db.selectFrom('endpoint_group').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toGroup(r) : undefined;
  }

  async getGroup(id: string): Promise<EndpointGroup> {
    const g = await this.findGroup(id);
    if (!g) throw new NotFound(`Could not find Endpoint Group: ${id}.`);
    return g;
  }

  async listGroups(filter: { name?: string; ids?: string[] } = {}): Promise<EndpointGroup[]> {
    let q = this.#db.selectFrom('endpoint_group').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return (await q.orderBy('id').execute()).map(toGroup);
  }

  async insertGroup(g: EndpointGroup): Promise<EndpointGroup> {
    await this.#db.insertInto('endpoint_group').values({ id: g.id, name: g.name, description: g.description, filters: JSON.stringify(g.filters) }).execute();
    return g;
  }

  async updateGroup(g: EndpointGroup): Promise<EndpointGroup> {
    await this.#db.updateTable('endpoint_group').set({ name: g.name, description: g.description, filters: JSON.stringify(g.filters) }).where('id', '=', g.id).execute();
    return g;
  }

  /** Deletes a group and its project associations together. */
  async deleteGroup(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('project_endpoint_group').where('endpoint_group_id', '=', id).execute();
      await tx.deleteFrom('endpoint_group').where('id', '=', id).execute();
    });
  }

  // --- project <-> endpoint ---

  /** Idempotent: associating twice leaves one association. */
  async addEndpoint(projectId: string, endpointId: string): Promise<void> {
    await this.#db.insertInto('project_endpoint').values({ project_id: projectId, endpoint_id: endpointId })
      .onConflict((oc) => oc.columns(['endpoint_id', 'project_id']).doNothing())
      .execute();
  }

  async hasEndpoint(projectId: string, endpointId: string): Promise<boolean> {
    return (await this.#db.selectFrom('project_endpoint').select('endpoint_id').where('project_id', '=', projectId).where('endpoint_id', '=', endpointId).executeTakeFirst()) !== undefined;
  }

  /** False if there was no such association. */
  async removeEndpoint(projectId: string, endpointId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('project_endpoint').where('project_id', '=', projectId).where('endpoint_id', '=', endpointId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async endpointIdsOf(projectId: string): Promise<string[]> {
    return (await this.#db.selectFrom('project_endpoint').select('endpoint_id').where('project_id', '=', projectId).orderBy('endpoint_id').execute()).map((r) => r.endpoint_id);
  }

  async projectIdsOfEndpoint(endpointId: string): Promise<string[]> {
    return (await this.#db.selectFrom('project_endpoint').select('project_id').where('endpoint_id', '=', endpointId).orderBy('project_id').execute()).map((r) => r.project_id);
  }

  // --- project <-> endpoint group ---

  async addGroup(projectId: string, groupId: string): Promise<void> {
    try {
      await this.#db.insertInto('project_endpoint_group').values({ project_id: projectId, endpoint_group_id: groupId }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict('Conflict occurred attempting to store project_endpoint_group - Duplicate entry.', { cause: err });
      throw err;
    }
  }

  async hasGroup(projectId: string, groupId: string): Promise<boolean> {
    return (await this.#db.selectFrom('project_endpoint_group').select('project_id').where('project_id', '=', projectId).where('endpoint_group_id', '=', groupId).executeTakeFirst()) !== undefined;
  }

  /** False if there was no such association. */
  async removeGroup(projectId: string, groupId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('project_endpoint_group').where('project_id', '=', projectId).where('endpoint_group_id', '=', groupId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async groupIdsOf(projectId: string): Promise<string[]> {
    return (await this.#db.selectFrom('project_endpoint_group').select('endpoint_group_id').where('project_id', '=', projectId).orderBy('endpoint_group_id').execute()).map((r) => r.endpoint_group_id);
  }

  async projectIdsOfGroup(groupId: string): Promise<string[]> {
    return (await this.#db.selectFrom('project_endpoint_group').select('project_id').where('endpoint_group_id', '=', groupId).orderBy('project_id').execute()).map((r) => r.project_id);
  }
}
