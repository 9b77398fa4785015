/**
 * Floating IPs: rows, the caller's view of them (get_floatingip: the project's readers and admins), their
 * status and rendering with fip-port-details.
 */
import type { Kysely, Selectable } from 'kysely';
import type { FloatingIpTable, NetworkTables } from '../tables.js';
import type { Caller } from '../context.js';
import { floatingIpNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';
import { toBool } from '../../platform/db/database.js';
import { hostReports, portStatus, type HostReports } from '../host-reports.js';

export type FloatingIpRow = Selectable<FloatingIpTable>;

export function floatingIpTarget(f: { project_id: string }): Record<string, unknown> {
  return { project_id: f.project_id, tenant_id: f.project_id };
}

/** The floating IPs a caller may list: all for admins, else its project's. */
export async function visibleFloatingIps(db: Kysely<NetworkTables>, caller: Caller): Promise<FloatingIpRow[]> {
  let q = db.selectFrom('floating_ip').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.filter((f) => caller.can('get_floatingip', floatingIpTarget(f)));
}

/** The floating IP if the caller may see it; FloatingIPNotFound otherwise. */
export async function getVisibleFloatingIp(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<FloatingIpRow> {
  const f = await db.selectFrom('floating_ip').selectAll().where('id', '=', id).executeTakeFirst();
  if (!f || !caller.can('get_floatingip', floatingIpTarget(f))) throw floatingIpNotFound(id);
  return f;
}

/**
 * ACTIVE once the floating IP is associated and the host running its router reported the router applied
 * (its DNAT is then in place); DOWN otherwise, as Neutron shows an unassociated one.
 */
export function floatingIpStatus(f: FloatingIpRow, routerHosts: ReadonlyMap<string, string>, reports: HostReports): 'ACTIVE' | 'DOWN' {
  if (f.fixed_port_id === null || f.router_id === null) return 'DOWN';
  const host = routerHosts.get(f.router_id);
  return host && reports.activeRouters.get(host)?.has(f.router_id) ? 'ACTIVE' : 'DOWN';
}

/** Floating IPs as Neutron shows them, with port_details (fip-port-details) of the associated port. */
export async function renderFloatingIps(db: Kysely<NetworkTables>, fips: readonly FloatingIpRow[]): Promise<Array<Record<string, unknown>>> {
  if (fips.length === 0) return [];
  const routerIds = [...new Set(fips.map((f) => f.router_id).filter((x): x is string => x !== null))];
  const portIds = [...new Set(fips.map((f) => f.fixed_port_id).filter((x): x is string => x !== null))];
  const routerHosts = new Map<string, string>();
  if (routerIds.length > 0) for (const r of await db.selectFrom('router').select(['id', 'host']).where('id', 'in', routerIds).execute()) routerHosts.set(r.id, r.host);
  const ports = new Map<string, { name: string; network_id: string; mac_address: string; admin_state_up: number; device_id: string; device_owner: string; binding_host_id: string }>();
  if (portIds.length > 0) {
    for (const p of await db.selectFrom('port').select(['id', 'name', 'network_id', 'mac_address', 'admin_state_up', 'device_id', 'device_owner', 'binding_host_id'])
      .where('id', 'in', portIds).execute()) ports.set(p.id, p);
  }
  const [tags, reports] = await Promise.all([tagsOf(db, fips.map((f) => f.id)), hostReports(db)]);
  return fips.map((f) => {
    const p = f.fixed_port_id === null ? undefined : ports.get(f.fixed_port_id);
    return {
      id: f.id,
      tenant_id: f.project_id,
      project_id: f.project_id,
      floating_ip_address: f.floating_ip_address,
      floating_network_id: f.floating_network_id,
      router_id: f.router_id,
      port_id: f.fixed_port_id,
      fixed_ip_address: f.fixed_ip_address,
      status: floatingIpStatus(f, routerHosts, reports),
      description: f.description,
      port_details: p ? {
        name: p.name, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: toBool(p.admin_state_up),
        status: portStatus({ id: f.fixed_port_id!, bindingHostId: p.binding_host_id, deviceOwner: p.device_owner }, reports),
        device_id: p.device_id, device_owner: p.device_owner,
      } : null,
      tags: tags.get(f.id) ?? [],
      created_at: f.created_at,
      updated_at: f.updated_at,
      revision_number: f.revision_number,
    };
  });
}
