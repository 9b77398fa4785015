/**
 * The catalog as tokens carry it: enabled services with their enabled endpoints, URL templates such as
 * `%(project_id)s` filled in for project-scoped tokens; endpoints whose template cannot be filled are
 * left out, as Keystone does.
 */
import type { CatalogStore } from './store.js';

export interface CatalogEndpoint { id: string; interface: string; region: string | null; region_id: string | null; url: string; }
export interface CatalogEntry { endpoints: CatalogEndpoint[]; id: string; type: string; name: string; }

/** Fills `%(project_id)s`, `%(tenant_id)s`, `$(project_id)s` and friends; undefined if a key is missing. */
export function formatEndpointUrl(template: string, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const out = template.replace(/[%$]\(([a-z_]+)\)s/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) { missing = true; return ''; }
    return v;
  });
  return missing ? undefined : out;
}

export async function buildCatalog(
  store: CatalogStore,
  opts: { projectId?: string | undefined; userId: string; endpointFilter?: ((projectId: string) => Promise<string[] | null>) | undefined },
): Promise<CatalogEntry[]> {
  const [services, endpoints] = await Promise.all([store.listServices(), store.listEndpoints()]);
  let allowed: Set<string> | null = null;
  if (opts.projectId && opts.endpointFilter) {
    const ids = await opts.endpointFilter(opts.projectId);
    if (ids !== null) allowed = new Set(ids);
  }
  const values = { project_id: opts.projectId, tenant_id: opts.projectId, user_id: opts.userId };
  const out: CatalogEntry[] = [];
  for (const s of services) {
    if (!s.enabled) continue;
    const eps: CatalogEndpoint[] = [];
    for (const e of endpoints) {
      if (e.serviceId !== s.id || !e.enabled) continue;
      if (allowed && !allowed.has(e.id)) continue;
      const url = formatEndpointUrl(e.url, values);
      if (url === undefined) continue;
      eps.push({ id: e.id, interface: e.interface, region: e.regionId, region_id: e.regionId, url });
    }
    if (allowed && eps.length === 0) continue;
    out.push({ endpoints: eps, id: s.id, type: s.type, name: typeof s.extra.name === 'string' ? s.extra.name : '' });
  }
  return out;
}
