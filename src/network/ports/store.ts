/**
 * Ports: rows <-> the domain type, the caller's view of them, and rendering (fixed IPs, security groups,
 * tags; binding attributes only for callers the policy allows).
 */
import type { Kysely, Selectable } from 'kysely';
import { fromBool, parseJson, toBool } from '../../platform/db/database.js';
import type { NetworkTables, PortTable } from '../tables.js';
import type { Caller } from '../context.js';
import { portNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';
import { hostReports, portStatus } from '../host-reports.js';
import { networkFromRow, type Network } from '../networks/store.js';

export interface AddressPair { ip_address: string; mac_address: string }

export interface Port {
  id: string;
  projectId: string;
  networkId: string;
  name: string;
  description: string;
  macAddress: string;
  adminStateUp: boolean;
  deviceId: string;
  deviceOwner: string;
  bindingHostId: string;
  bindingProfile: Record<string, unknown>;
  bindingVnicType: string;
  portSecurityEnabled: boolean;
  allowedAddressPairs: AddressPair[];
  createdAt: string;
  updatedAt: string;
  revision: number;
}

export function portFromRow(r: Selectable<PortTable>): Port {
  return {
    id: r.id,
    projectId: r.project_id,
    networkId: r.network_id,
    name: r.name,
    description: r.description,
    macAddress: r.mac_address,
    adminStateUp: toBool(r.admin_state_up),
    deviceId: r.device_id,
    deviceOwner: r.device_owner,
    bindingHostId: r.binding_host_id,
    bindingProfile: parseJson<Record<string, unknown>>(r.binding_profile, {}),
    bindingVnicType: r.binding_vnic_type,
    portSecurityEnabled: toBool(r.port_security_enabled),
    allowedAddressPairs: parseJson<AddressPair[]>(r.allowed_address_pairs, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    revision: r.revision_number,
  };
}

export function portToRow(p: Port): Selectable<PortTable> {
  return {
    id: p.id,
    project_id: p.projectId,
    network_id: p.networkId,
    name: p.name,
    description: p.description,
    mac_address: p.macAddress,
    admin_state_up: fromBool(p.adminStateUp),
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    binding_host_id: p.bindingHostId,
    binding_profile: JSON.stringify(p.bindingProfile),
    binding_vnic_type: p.bindingVnicType,
    port_security_enabled: fromBool(p.portSecurityEnabled),
    allowed_address_pairs: JSON.stringify(p.allowedAddressPairs),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    revision_number: p.revision,
  };
}

/** A port's policy target: its project, its network's owner and sharing, and whether it is a network device. */
export function portTarget(project: string, deviceOwner: string, n: Network): Record<string, unknown> {
  return {
    project_id: project, tenant_id: project, 'network:project_id': n.projectId, 'network:tenant_id': n.projectId,
    shared: n.shared, 'router:external': n.external, network_device: deviceOwner.startsWith('network:'),
  };
}

/** Callers that see every project's ports and networks: admins and Flotilla's services. */
export function seesAll(caller: Caller): boolean {
  return caller.isAdmin || caller.can('service_api', {});
}

async function networksById(db: Kysely<NetworkTables>, ids: readonly string[]): Promise<Map<string, Network>> {
  const out = new Map<string, Network>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    for (const r of await db.selectFrom('network').selectAll().where('id', 'in', unique.slice(i, i + 500)).execute()) out.set(r.id, networkFromRow(r));
  }
  return out;
}

/** The ports a caller may list, each with its network. */
export async function visiblePorts(db: Kysely<NetworkTables>, caller: Caller): Promise<Array<{ port: Port; network: Network }>> {
  let q = db.selectFrom('port').selectAll();
  if (!seesAll(caller)) q = q.where('project_id', '=', caller.projectId);
  const ports = (await q.orderBy('created_at').orderBy('id').execute()).map(portFromRow);
  const networks = await networksById(db, ports.map((p) => p.networkId));
  return ports
    .map((port) => ({ port, network: networks.get(port.networkId)! }))
    .filter(({ port, network }) => caller.can('get_port', portTarget(port.projectId, port.deviceOwner, network)));
}

/** The port and its network if the caller may see the port; PortNotFound otherwise. */
export async function getVisiblePort(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<{ port: Port; network: Network }> {
  const row = await db.selectFrom('port').selectAll().where('id', '=', id).executeTakeFirst();
  const net = row && await db.selectFrom('network').selectAll().where('id', '=', row.network_id).executeTakeFirst();
  if (!row || !net) throw portNotFound(id);
  const found = { port: portFromRow(row), network: networkFromRow(net) };
  if (!caller.can('get_port', portTarget(found.port.projectId, found.port.deviceOwner, found.network))) throw portNotFound(id);
  return found;
}

/** Ports as Neutron shows them. */
export async function renderPorts(db: Kysely<NetworkTables>, caller: Caller, items: ReadonlyArray<{ port: Port; network: Network }>): Promise<Array<Record<string, unknown>>> {
  if (items.length === 0) return [];
  const ids = items.map((i) => i.port.id);
  const ips = new Map<string, Array<{ subnet_id: string; ip_address: string }>>();
  const groups = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of await db.selectFrom('ip_allocation').selectAll().where('port_id', 'in', chunk).execute()) {
      ips.set(r.port_id, [...(ips.get(r.port_id) ?? []), { subnet_id: r.subnet_id, ip_address: r.ip_address }]);
    }
    for (const r of await db.selectFrom('port_security_group').selectAll().where('port_id', 'in', chunk).execute()) {
      groups.set(r.port_id, [...(groups.get(r.port_id) ?? []), r.security_group_id]);
    }
  }
  const [tags, reports] = await Promise.all([tagsOf(db, ids), hostReports(db)]);
  return items.map(({ port: p, network }) => {
    const target = portTarget(p.projectId, p.deviceOwner, network);
    const fixed = (ips.get(p.id) ?? []).sort((a, b) => (a.subnet_id + a.ip_address).localeCompare(b.subnet_id + b.ip_address));
    const out: Record<string, unknown> = {
      id: p.id,
      name: p.name,
      network_id: p.networkId,
      tenant_id: p.projectId,
      project_id: p.projectId,
      mac_address: p.macAddress,
      admin_state_up: p.adminStateUp,
      status: portStatus(p, reports),
      device_id: p.deviceId,
      device_owner: p.deviceOwner,
      fixed_ips: fixed,
      allowed_address_pairs: p.allowedAddressPairs,
      port_security_enabled: p.portSecurityEnabled,
      security_groups: (groups.get(p.id) ?? []).sort(),
      'binding:vnic_type': p.bindingVnicType,
      description: p.description,
      tags: tags.get(p.id) ?? [],
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      revision_number: p.revision,
    };
    if (caller.can('get_port:binding:host_id', target)) out['binding:host_id'] = p.bindingHostId;
    if (caller.can('get_port:binding:profile', target)) out['binding:profile'] = p.bindingProfile;
    if (caller.can('get_port:binding:vif_type', target)) out['binding:vif_type'] = p.bindingHostId === '' ? 'unbound' : 'other';
    if (caller.can('get_port:binding:vif_details', target)) out['binding:vif_details'] = {};
    return out;
  });
}
