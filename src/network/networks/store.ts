/**
 * Networks: rows <-> the domain type, the caller's view of them (what Neutron's get_network policy lets a
 * caller see), VNI allocation and rendering.
 */
import type { Kysely, Selectable } from 'kysely';
import { fromBool, toBool } from '../../platform/db/database.js';
import type { NetworkTable, NetworkTables } from '../tables.js';
import type { Caller } from '../context.js';
import { networkNotFound } from '../errors.js';
import { tagsOf } from '../tags.js';

export type NetworkType = 'vxlan' | 'flat';

export interface Network {
  id: string;
  projectId: string;
  name: string;
  description: string;
  adminStateUp: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  portSecurityEnabled: boolean;
  networkType: NetworkType;
  physicalNetwork: string | null;
  segmentationId: number | null;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** VXLAN carries 50 bytes of headers inside the hosts' 1500-byte links (Neutron's default for vxlan). */
export const VXLAN_MTU = 1450;
export const FLAT_MTU = 1500;
/** VNIs handed to tenant networks (Neutron's vni_ranges, here from 1001 up). */
export const VNI_FIRST = 1001;
export const VNI_LAST = 16777215;

export function networkFromRow(r: Selectable<NetworkTable>): Network {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    description: r.description,
    adminStateUp: toBool(r.admin_state_up),
    shared: toBool(r.shared),
    external: toBool(r.external),
    mtu: r.mtu,
    portSecurityEnabled: toBool(r.port_security_enabled),
    networkType: r.network_type as NetworkType,
    physicalNetwork: r.physical_network,
    segmentationId: r.segmentation_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    revision: r.revision_number,
  };
}

export function networkToRow(n: Network): Selectable<NetworkTable> {
  return {
    id: n.id,
    project_id: n.projectId,
    name: n.name,
    description: n.description,
    admin_state_up: fromBool(n.adminStateUp),
    shared: fromBool(n.shared),
    external: fromBool(n.external),
    mtu: n.mtu,
    port_security_enabled: fromBool(n.portSecurityEnabled),
    network_type: n.networkType,
    physical_network: n.physicalNetwork,
    segmentation_id: n.segmentationId,
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    revision_number: n.revision,
  };
}

/** The policy target of a network (and the network part of its subnets' and ports' targets). */
export function networkTarget(n: Network): Record<string, unknown> {
  return { project_id: n.projectId, tenant_id: n.projectId, 'network:project_id': n.projectId, 'network:tenant_id': n.projectId, shared: n.shared, 'router:external': n.external };
}

/** The networks a caller may list: all for admins and services, else its project's, shared and external ones. */
export async function visibleNetworks(db: Kysely<NetworkTables>, caller: Caller): Promise<Network[]> {
  let q = db.selectFrom('network').selectAll();
  if (!caller.isAdmin && !caller.can('service_api', {})) {
    q = q.where((eb) => eb.or([eb('project_id', '=', caller.projectId), eb('shared', '=', 1), eb('external', '=', 1)]));
  }
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(networkFromRow).filter((n) => caller.can('get_network', networkTarget(n)));
}

/** The network if the caller may see it; NetworkNotFound otherwise. */
export async function getVisibleNetwork(db: Kysely<NetworkTables>, caller: Caller, id: string): Promise<Network> {
  const row = await db.selectFrom('network').selectAll().where('id', '=', id).executeTakeFirst();
  const n = row && networkFromRow(row);
  if (!n || !caller.can('get_network', networkTarget(n))) throw networkNotFound(id);
  return n;
}

/** The lowest VNI no network holds (the unique index settles a race: the loser retries). */
export async function freeVni(db: Kysely<NetworkTables>): Promise<number> {
  const rows = await db.selectFrom('network').select('segmentation_id').where('segmentation_id', 'is not', null).orderBy('segmentation_id').execute();
  let want = VNI_FIRST;
  for (const { segmentation_id } of rows) {
    if (segmentation_id === null || segmentation_id < want) continue;
    if (segmentation_id > want) break;
    want++;
  }
  if (want > VNI_LAST) throw new Error('No VXLAN VNI left for a new network.');
  return want;
}

/** Networks as Neutron shows them; provider attributes only to callers the policy allows. */
export async function renderNetworks(db: Kysely<NetworkTables>, caller: Caller, networks: readonly Network[]): Promise<Array<Record<string, unknown>>> {
  if (networks.length === 0) return [];
  const ids = networks.map((n) => n.id);
  const subnets = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('subnet').select(['id', 'network_id']).where('network_id', 'in', ids.slice(i, i + 500)).orderBy('created_at').orderBy('id').execute();
    for (const r of rows) subnets.set(r.network_id, [...(subnets.get(r.network_id) ?? []), r.id]);
  }
  const tags = await tagsOf(db, ids);
  return networks.map((n) => {
    const target = networkTarget(n);
    const out: Record<string, unknown> = {
      id: n.id,
      name: n.name,
      tenant_id: n.projectId,
      project_id: n.projectId,
      admin_state_up: n.adminStateUp,
      mtu: n.mtu,
      status: 'ACTIVE',
      subnets: subnets.get(n.id) ?? [],
      shared: n.shared,
      port_security_enabled: n.portSecurityEnabled,
      'router:external': n.external,
      description: n.description,
      tags: tags.get(n.id) ?? [],
      created_at: n.createdAt,
      updated_at: n.updatedAt,
      revision_number: n.revision,
    };
    if (caller.can('get_network:provider:network_type', target)) out['provider:network_type'] = n.networkType;
    if (caller.can('get_network:provider:physical_network', target)) out['provider:physical_network'] = n.physicalNetwork;
    if (caller.can('get_network:provider:segmentation_id', target)) out['provider:segmentation_id'] = n.segmentationId;
    return out;
  });
}
