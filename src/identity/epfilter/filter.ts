/**
 * Which endpoints a project is limited to: those associated with it directly plus those matched by
 * its endpoint groups. A project with no associations is not limited at all (the token catalog then
 * carries every endpoint, Keystone's `return_all_endpoints_if_no_filter` default).
 */
import type { CatalogStore } from '../catalog/store.js';
import type { Endpoint } from '../model.js';
import type { EndpointFilterStore, EndpointGroupFilters } from './store.js';

/** True if the endpoint has every attribute the filters name, with the same value. */
export function matchesFilters(e: Endpoint, filters: EndpointGroupFilters): boolean {
  if (filters.interface !== undefined && e.interface !== filters.interface) return false;
  if (filters.service_id !== undefined && e.serviceId !== filters.service_id) return false;
  if (filters.region_id !== undefined && e.regionId !== filters.region_id) return false;
  return true;
}

/** The endpoints a project is associated with, directly or through endpoint groups, each once. */
export async function endpointsForProject(store: EndpointFilterStore, catalog: CatalogStore, projectId: string): Promise<Endpoint[]> {
  const [directIds, groupIds] = await Promise.all([store.endpointIdsOf(projectId), store.groupIdsOf(projectId)]);
  if (directIds.length === 0 && groupIds.length === 0) return [];
  const [endpoints, groups] = await Promise.all([catalog.listEndpoints(), store.listGroups({ ids: groupIds })]);
  const direct = new Set(directIds);
  return endpoints.filter((e) => direct.has(e.id) || groups.some((g) => matchesFilters(e, g.filters)));
}

/** The `endpointFilter` the token service takes: endpoint ids a project's catalog is cut to, or null. */
export function endpointFilterFor(store: EndpointFilterStore, catalog: CatalogStore): (projectId: string) => Promise<string[] | null> {
  return async (projectId) => {
    const endpoints = await endpointsForProject(store, catalog, projectId);
    // Associations that match no existing endpoint filter nothing, as in Keystone.
    return endpoints.length > 0 ? endpoints.map((e) => e.id) : null;
  };
}
