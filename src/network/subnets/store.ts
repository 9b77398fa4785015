/**
 * Subnets: rows <-> the domain type, the caller's view of them (own project's, those of networks it owns,
 * and those of shared networks, as get_subnet allows) and rendering.
 */
import type { Kysely, Selectable } from 'kysely';
import { fromBool, parseJson, toBool } from '../../platform/db/database.js';
import type { NetworkTables, SubnetTable } from '../tables.js';
import type { Caller } from '../context.js';
import { subnetNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';
import { networkFromRow, type Network } from '../networks/store.js';

export interface Pool { start: string; end: string }
export interface HostRoute { destination: string; nexthop: string }

export interface Subnet {
  id: string;
  projectId: string;
  networkId: string;
  name: string;
  description: string;
  ipVersion: 4;
  cidr: string;
  gatewayIp: string | null;
  enableDhcp: boolean;
  allocationPools: Pool[];
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
  createdAt: string;
  updatedAt: string;
  revision: number;
}

export function subnetFromRow(r: Selectable<SubnetTable>): Subnet {
  return {
    id: r.id,
    projectId: r.project_id,
    networkId: r.network_id,
    name: r.name,
    description: r.description,
    ipVersion: 4,
    cidr: r.cidr,
    gatewayIp: r.gateway_ip,
    enableDhcp: toBool(r.enable_dhcp),
    allocationPools: parseJson<Pool[]>(r.allocation_pools, []),
    dnsNameservers: parseJson<string[]>(r.dns_nameservers, []),
    hostRoutes: parseJson<HostRoute[]>(r.host_routes, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    revision: r.revision_number,
  };
}

export function subnetToRow(s: Subnet): Selectable<SubnetTable> {
  return {
    id: s.id,
    project_id: s.projectId,
    network_id: s.networkId,
    name: s.name,
    description: s.description,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    enable_dhcp: fromBool(s.enableDhcp),
    allocation_pools: JSON.stringify(s.allocationPools),
    dns_nameservers: JSON.stringify(s.dnsNameservers),
    host_routes: JSON.stringify(s.hostRoutes),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    revision_number: s.revision,
  };
}

/** A subnet's policy target: its own project and its network's owner and sharing. */
export function subnetTarget(s: Subnet, n: Network): Record<string, unknown> {
  return { project_id: s.projectId, tenant_id: s.projectId, 'network:project_id': n.projectId, 'network:tenant_id': n.projectId, shared: n.shared, 'router:external': n.external };
}

/** The subnets a caller may list, each with its network. */
export async function visibleSubnets(db: Kysely<NetworkTables>, caller: Caller): Promise<Array<{ subnet: Subnet; network: Network }>> {
  let q = db.selectFrom('subnet').innerJoin('network', 'network.id', 'subnet.network_id').selectAll('subnet');
  if (!caller.isAdmin && !caller.can('service_api', {})) {
    q = q.where((eb) => eb.or([eb('subnet.project_id', '=', caller.projectId), eb('network.project_id', '=', caller.projectId), eb('network.shared', '=', 1)]));
  }
  const rows = await q.orderBy('subnet.created_at').orderBy('subnet.id').execute();
  const networks = new Map<string, Network>();
  const netIds = [...new Set(rows.map((r) => r.network_id))];
  for (let i = 0; i < netIds.length; i += 500) {
    for (const r of await db.selectFrom('network').selectAll().where('id', 'in', netIds.slice(i, i + 500)).execute()) networks.set(r.id, networkFromRow(r));
  }
  return rows
    .map((r) => ({ subnet: subnetFromRow(r), network: networks.get(r.network_id)! }))
    .filter(({ subnet, network }) => caller.can('get_subnet', subnetTarget(subnet, network)));
}

/** The subnet and its network if the caller may see the subnet; SubnetNotFound otherwise. */
export async function getVisibleSubnet(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<{ subnet: Subnet; network: Network }> {
  const row = await db.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst();
  const net = row && await db.selectFrom('network').selectAll().where('id', '=', row.network_id).executeTakeFirst();
  if (!row || !net) throw subnetNotFound(id);
  const found = { subnet: subnetFromRow(row), network: networkFromRow(net) };
  if (!caller.can('get_subnet', subnetTarget(found.subnet, found.network))) throw subnetNotFound(id);
  return found;
}

/** The subnets of a network, oldest first. */
export async function subnetsOf(db: Kysely<NetworkTables>, networkId: string): Promise<Subnet[]> {
  return (await db.selectFrom('subnet').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute()).map(subnetFromRow);
}

/** Subnets as Neutron shows them. */
export async function renderSubnets(db: Kysely<NetworkTables>, subnets: readonly Subnet[]): Promise<Array<Record<string, unknown>>> {
  const tags = await tagsOf(db, subnets.map((s) => s.id));
  return subnets.map((s) => ({
    id: s.id,
    name: s.name,
    tenant_id: s.projectId,
    project_id: s.projectId,
    network_id: s.networkId,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    enable_dhcp: s.enableDhcp,
    allocation_pools: s.allocationPools,
    dns_nameservers: s.dnsNameservers,
    host_routes: s.hostRoutes,
    ipv6_address_mode: null,
    ipv6_ra_mode: null,
    subnetpool_id: null,
    description: s.description,
    tags: tags.get(s.id) ?? [],
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    revision_number: s.revision,
  }));
}
