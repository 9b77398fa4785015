/**
 * Routers: rows <-> the domain type, the caller's view of them (get_router: the project's readers and
 * admins), the ports that make a router (its gateway and interfaces are ports whose device_id is the
 * router), and rendering with external_gateway_info and routes.
 */
import type { Kysely, Selectable } from 'kysely';
import { fromBool, parseJson, toBool } from '../../platform/db/database.js';
import { hostReports, type HostReports } from '../host-reports.js';
import type { NetworkTables, RouterTable } from '../tables.js';
import type { Caller } from '../context.js';
import { routerNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';

export const DEVICE_OWNER_ROUTER_INTF = 'network:router_interface';
export const DEVICE_OWNER_ROUTER_GW = 'network:router_gateway';
export const DEVICE_OWNER_FLOATINGIP = 'network:floatingip';

export interface Route { destination: string; nexthop: string }

export interface Router {
  id: string;
  projectId: string;
  name: string;
  description: string;
  adminStateUp: boolean;
  enableSnat: boolean;
  routes: Route[];
  /** The host the router is placed on; '' until some host has registered a tunnel endpoint. */
  host: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** One of a router's ports with its addresses. */
export interface RouterPort {
  id: string;
  networkId: string;
  projectId: string;
  deviceOwner: string;
  macAddress: string;
  fixedIps: Array<{ subnetId: string; ip: string }>;
}

export function routerFromRow(r: Selectable<RouterTable>): Router {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    description: r.description,
    adminStateUp: toBool(r.admin_state_up),
    enableSnat: toBool(r.enable_snat),
    routes: parseJson<Route[]>(r.routes, []),
    host: r.host,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    revision: r.revision_number,
  };
}

export function routerToRow(r: Router): Selectable<RouterTable> {
  return {
    id: r.id,
    project_id: r.projectId,
    name: r.name,
    description: r.description,
    admin_state_up: fromBool(r.adminStateUp),
    enable_snat: fromBool(r.enableSnat),
    routes: JSON.stringify(r.routes),
    host: r.host,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    revision_number: r.revision,
  };
}

export function routerTarget(r: { projectId: string }): Record<string, unknown> {
  return { project_id: r.projectId, tenant_id: r.projectId };
}

/** The routers a caller may list: all for admins, else its project's. */
export async function visibleRouters(db: Kysely<NetworkTables>, caller: Caller): Promise<Router[]> {
  let q = db.selectFrom('router').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(routerFromRow).filter((r) => caller.can('get_router', routerTarget(r)));
}

/** The router if the caller may see it; RouterNotFound otherwise (also for ids that are no UUID). */
export async function getVisibleRouter(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<Router> {
  const row = await db.selectFrom('router').selectAll().where('id', '=', id).executeTakeFirst();
  const r = row && routerFromRow(row);
  if (!r || !caller.can('get_router', routerTarget(r))) throw routerNotFound(id);
  return r;
}

/** The gateway and interface ports of the given routers, each with its addresses, keyed by router id. */
export async function routerPorts(db: Kysely<NetworkTables>, routerIds: readonly string[]): Promise<Map<string, RouterPort[]>> {
  const out = new Map<string, RouterPort[]>();
  for (let i = 0; i < routerIds.length; i += 500) {
    const ports = await db.selectFrom('port').select(['id', 'network_id', 'project_id', 'device_id', 'device_owner', 'mac_address'])
      .where('device_id', 'in', routerIds.slice(i, i + 500)).where('device_owner', 'in', [DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW])
      .orderBy('created_at').orderBy('id').execute();
    const ips = new Map<string, Array<{ subnetId: string; ip: string }>>();
    if (ports.length > 0) {
      for (const a of await db.selectFrom('ip_allocation').selectAll().where('port_id', 'in', ports.map((p) => p.id)).execute()) {
        ips.set(a.port_id, [...(ips.get(a.port_id) ?? []), { subnetId: a.subnet_id, ip: a.ip_address }]);
      }
    }
    for (const p of ports) {
      const fixedIps = (ips.get(p.id) ?? []).sort((a, b) => (a.subnetId + a.ip).localeCompare(b.subnetId + b.ip));
      out.set(p.device_id, [...(out.get(p.device_id) ?? []), {
        id: p.id, networkId: p.network_id, projectId: p.project_id, deviceOwner: p.device_owner, macAddress: p.mac_address, fixedIps,
      }]);
    }
  }
  return out;
}

/**
 * A router's status: ACTIVE once its host reported its namespace matching the plan, ERROR when the host
 * reported it could not apply it, DOWN while no host runs it (none placed, or not applied yet).
 */
export function routerStatus(r: Router, reports: HostReports): 'ACTIVE' | 'ERROR' | 'DOWN' {
  if (r.host !== '' && reports.failed.has(r.id)) return 'ERROR';
  return r.host !== '' && reports.activeRouters.get(r.host)?.has(r.id) ? 'ACTIVE' : 'DOWN';
}

/** Routers as Neutron shows them (router, ext-gw-mode, extraroute, standard attributes). */
export async function renderRouters(db: Kysely<NetworkTables>, routers: readonly Router[]): Promise<Array<Record<string, unknown>>> {
  if (routers.length === 0) return [];
  const ids = routers.map((r) => r.id);
  const [ports, tags, reports] = await Promise.all([routerPorts(db, ids), tagsOf(db, ids), hostReports(db)]);
  return routers.map((r) => {
    const gw = (ports.get(r.id) ?? []).find((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GW);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      tenant_id: r.projectId,
      project_id: r.projectId,
      admin_state_up: r.adminStateUp,
      status: routerStatus(r, reports),
      external_gateway_info: gw
        ? { network_id: gw.networkId, enable_snat: r.enableSnat, external_fixed_ips: gw.fixedIps.map((a) => ({ subnet_id: a.subnetId, ip_address: a.ip })) }
        : null,
      routes: r.routes,
      tags: tags.get(r.id) ?? [],
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      revision_number: r.revision,
    };
  });
}
