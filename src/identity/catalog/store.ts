/**
 * The service catalog: regions, services and endpoints.
 */
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, isUniqueViolation, parseJson, toBool } from '../../platform/db/database.js';
import type { EndpointTable, IdentityTables, RegionTable, ServiceTable } from '../tables.js';
import type { Endpoint, Interface, Region, Service } from '../model.js';

const toRegion = (r: RegionTable): Region => ({ id: r.id, description: r.description, parentRegionId: r.parent_region_id, extra: parseJson(r.extra, {}) });
const toService = (r: ServiceTable): Service => ({ id: r.id, type: r.type, enabled: toBool(r.enabled), extra: parseJson(r.extra, {}) });
const toEndpoint = (r: EndpointTable): Endpoint => ({
  id: r.id, serviceId: r.service_id, regionId: r.region_id, interface: r.interface as Interface, url: r.url,
  enabled: toBool(r.enabled), extra: parseJson(r.extra, {}),
});

export class CatalogStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- regions ---
  async findRegion(id: string): Promise<Region | undefined> {
    const r = await this.#db.selectFrom('region').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRegion(r) : undefined;
  }
  async getRegion(id: string): Promise<Region> {
    const r = await this.findRegion(id);
    if (!r) throw new NotFound(`Could not find region: ${id}.`);
    return r;
  }
  async listRegions(filter: { parentRegionId?: string } = {}): Promise<Region[]> {
    let q = this.#db.selectFrom('region').selectAll();
    if (filter.parentRegionId !== undefined) q = q.where('parent_region_id', '=', filter.parentRegionId);
    return (await q.orderBy('id').execute()).map(toRegion);
  }
  async insertRegion(r: Region): Promise<Region> {
    try {
      await this.#db.insertInto('region').values({ id: r.id, description: r.description, parent_region_id: r.parentRegionId, extra: JSON.stringify(r.extra) }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${r.id}.`, { cause: err });
      throw err;
    }
    return r;
  }
  async updateRegion(r: Region): Promise<Region> {
    await this.#db.updateTable('region').set({ description: r.description, parent_region_id: r.parentRegionId, extra: JSON.stringify(r.extra) }).where('id', '=', r.id).execute();
    return r;
  }
  async deleteRegion(id: string): Promise<void> {
    await this.#db.deleteFrom('region').where('id', '=', id).execute();
  }

  // --- services ---
  async findService(id: string): Promise<Service | undefined> {
    const r = await this.#db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toService(r) : undefined;
  }
  async getService(id: string): Promise<Service> {
    const s = await this.findService(id);
    if (!s) throw new NotFound(`Could not find service: ${id}.`);
    return s;
  }
  async listServices(filter: { type?: string } = {}): Promise<Service[]> {
    let q = this.#db.selectFrom('service').selectAll();
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    return (await q.orderBy('type').orderBy('id').execute()).map(toService);
  }
  async insertService(s: Service): Promise<Service> {
    await this.#db.insertInto('service').values({ id: s.id, type: s.type, enabled: fromBool(s.enabled), extra: JSON.stringify(s.extra) }).execute();
    return s;
  }
  async updateService(s: Service): Promise<Service> {
    await this.#db.updateTable('service').set({ type: s.type, enabled: fromBool(s.enabled), extra: JSON.stringify(s.extra) }).where('id', '=', s.id).execute();
    return s;
  }
  async deleteService(id: string): Promise<void> {
    await this.#db.deleteFrom('endpoint').where('service_id', '=', id).execute();
    await this.#db.deleteFrom('service').where('id', '=', id).execute();
  }

  // --- endpoints ---
  async findEndpoint(id: string): Promise<Endpoint | undefined> {
    const r = await this.#db.selectFrom('endpoint').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toEndpoint(r) : undefined;
  }
  async getEndpoint(id: string): Promise<Endpoint> {
    const e = await this.findEndpoint(id);
    if (!e) throw new NotFound(`Could not find endpoint: ${id}.`);
    return e;
  }
  async listEndpoints(filter: { serviceId?: string; interface?: string; regionId?: string; ids?: string[] } = {}): Promise<Endpoint[]> {
    let q = this.#db.selectFrom('endpoint').selectAll();
    if (filter.serviceId !== undefined) q = q.where('service_id', '=', filter.serviceId);
    if (filter.interface !== undefined) q = q.where('interface', '=', filter.interface);
    if (filter.regionId !== undefined) q = q.where('region_id', '=', filter.regionId);
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return (await q.orderBy('id').execute()).map(toEndpoint);
  }
  async insertEndpoint(e: Endpoint): Promise<Endpoint> {
    await this.#db.insertInto('endpoint').values({
      id: e.id, service_id: e.serviceId, region_id: e.regionId, interface: e.interface, url: e.url, enabled: fromBool(e.enabled), extra: JSON.stringify(e.extra),
    }).execute();
    return e;
  }
  async updateEndpoint(e: Endpoint): Promise<Endpoint> {
    await this.#db.updateTable('endpoint').set({
      service_id: e.serviceId, region_id: e.regionId, interface: e.interface, url: e.url, enabled: fromBool(e.enabled), extra: JSON.stringify(e.extra),
    }).where('id', '=', e.id).execute();
    return e;
  }
  async deleteEndpoint(id: string): Promise<void> {
    await this.#db.deleteFrom('project_endpoint').where('endpoint_id', '=', id).execute();
    await this.#db.deleteFrom('endpoint').where('id', '=', id).execute();
  }
}
