/**
 * OS-ENDPOINT-POLICY lookups, both ways, with Keystone's precedence: an endpoint's own association
 * wins; then its service in its region, then in each parent region up the tree; then its service alone.
 */
import { NotFound } from '../../platform/errors.js';
import type { CatalogStore } from '../catalog/store.js';
import type { Endpoint, Region } from '../model.js';
import type { Policy, PolicyStore } from './store.js';

/** Every endpoint a policy applies to, each once. Associations whose target has gone are skipped. */
export async function endpointsForPolicy(policies: PolicyStore, catalog: CatalogStore, policyId: string): Promise<Endpoint[]> {
  const [endpoints, regions, associations] = await Promise.all([catalog.listEndpoints(), catalog.listRegions(), policies.associationsOf(policyId)]);
  const found = new Map<string, Endpoint>();
  const add = (e: Endpoint): void => { if (!found.has(e.id)) found.set(e.id, e); };
  for (const { target } of associations) {
    switch (target.kind) {
      case 'endpoint':
        endpoints.filter((e) => e.id === target.endpointId).forEach(add);
        break;
      case 'service':
        endpoints.filter((e) => e.serviceId === target.serviceId).forEach(add);
        break;
      case 'region': {
        const inTree = regionSubtree(regions, target.regionId);
        endpoints.filter((e) => e.serviceId === target.serviceId && e.regionId !== null && inTree.has(e.regionId)).forEach(add);
        break;
      }
      default: {
        const never: never = target;
        return never;
      }
    }
  }
  return [...found.values()];
}

/** The policy that applies to an endpoint; NotFound if none does. */
export async function policyForEndpoint(policies: PolicyStore, catalog: CatalogStore, endpoint: Endpoint): Promise<Policy> {
  const explicit = await policies.policyFor({ kind: 'endpoint', endpointId: endpoint.id });
  if (explicit !== undefined) return policies.get(explicit);
  const seen = new Set<string>();
  for (let regionId = endpoint.regionId; regionId !== null && !seen.has(regionId);) {
    seen.add(regionId);
    const id = await policies.policyFor({ kind: 'region', serviceId: endpoint.serviceId, regionId });
    if (id !== undefined) return policies.get(id);
    regionId = (await catalog.findRegion(regionId))?.parentRegionId ?? null;
  }
  const byService = await policies.policyFor({ kind: 'service', serviceId: endpoint.serviceId });
  if (byService !== undefined) return policies.get(byService);
  throw new NotFound(`No policy is associated with endpoint ${endpoint.id}.`);
}

/** A region and all its descendants; a cycle in stored data cannot loop forever. */
function regionSubtree(regions: Region[], rootId: string): Set<string> {
  const out = new Set<string>([rootId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of regions) {
      if (r.parentRegionId !== null && out.has(r.parentRegionId) && !out.has(r.id)) {
        out.add(r.id);
        grew = true;
      }
    }
  }
  return out;
}
