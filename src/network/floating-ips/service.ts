/**
 * Floating IP behaviour (neutron/db/l3_db.py semantics): an address taken from the external network
 * through the IPAM (held by a `network:floatingip` port), associated with a port whose subnet a router
 * connects to that external network, re-associated, disassociated and released.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { inTransaction } from '../../platform/db/database.js';
import type { NetworkTables } from '../tables.js';
import { now, type Caller } from '../context.js';
import { ipOrNull, name, parseBody, projectId, uuid, uuidOrNull, type ResourceSpec } from '../attributes.js';
import { ownerProject, retryOnConflict } from '../common.js';
import { externalGatewayForFloatingIpNotFound, floatingIpPortAlreadyAssociated, l3BadRequest } from '../errors.js';
import { bumpPlan, checkQuota, lockProject } from '../quotas/service.js';
import { getVisibleNetwork } from '../networks/store.js';
import { getVisiblePort } from '../ports/store.js';
import { insertServicePort } from '../ports/service.js';
import { deleteTags } from '../tags.js';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF } from '../routers/store.js';
import { floatingIpTarget, type FloatingIpRow } from './store.js';

const READ_ONLY = { post: false, put: false } as const;

export const FLOATINGIP_SPEC: ResourceSpec = {
  id: READ_ONLY,
  floating_network_id: { post: true, put: false, required: true, validate: uuid },
  floating_ip_address: { post: true, put: false, default: () => null, validate: ipOrNull },
  subnet_id: { post: true, put: false, default: () => null, validate: uuidOrNull },
  port_id: { post: true, put: true, default: () => null, validate: uuidOrNull },
  fixed_ip_address: { post: true, put: true, default: () => null, validate: ipOrNull },
  description: { post: true, put: true, default: () => '', validate: name },
  project_id: { post: true, put: false, validate: projectId },
  router_id: READ_ONLY,
  status: READ_ONLY,
  port_details: READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

/** Where an association points: the internal port, its address, and the router that reaches it. */
interface Association { portId: string; fixedIp: string; routerId: string }

/** Device owners Neutron never gives a floating IP (is_fip_serviced: the network's own devices). */
function isFipServiced(deviceOwner: string): boolean {
  return !deviceOwner.startsWith('network:');
}

/**
 * Resolves `port_id` (+ `fixed_ip_address`) for a floating IP of `project` on `externalNetworkId`
 * (_internal_fip_assoc_data and get_router_for_floatingip): the port must be the project's (or the
 * caller an admin), carry the address, and sit on a subnet that a router with a gateway on the external
 * network has an interface on; the router holding the subnet's gateway address is preferred.
 */
async function associate(tx: Kysely<NetworkTables>, caller: Caller, project: string, externalNetworkId: string, portId: string, fixedIp: string | null): Promise<Association> {
  const { port } = await getVisiblePort(tx, caller, portId);
  if (port.projectId !== project && !caller.isAdmin) {
    throw l3BadRequest('floatingip', `Cannot process floating IP association with Port ${port.id}, since that port is owned by a different project`);
  }
  if (!isFipServiced(port.deviceOwner)) throw l3BadRequest('floatingip', `Port ${port.id} is unable to be assigned a floating IP`);
  const ips = await tx.selectFrom('ip_allocation').select(['subnet_id', 'ip_address']).where('port_id', '=', port.id).orderBy('subnet_id').orderBy('ip_address').execute();
  let chosen: { subnet_id: string; ip_address: string } | undefined;
  if (fixedIp !== null) {
    chosen = ips.find((ip) => ip.ip_address === fixedIp);
    if (!chosen) throw l3BadRequest('floatingip', `Port ${port.id} does not have fixed ip ${fixedIp}`);
  } else {
    if (ips.length === 0) throw l3BadRequest('floatingip', `Cannot add floating IP to port ${port.id} that has no fixed IPv4 addresses`);
    if (ips.length > 1) {
      throw l3BadRequest('floatingip', `Port ${port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`);
    }
    chosen = ips[0]!;
  }
  const subnet = await tx.selectFrom('subnet').select(['id', 'gateway_ip']).where('id', '=', chosen.subnet_id).executeTakeFirstOrThrow();
  // Routers with an interface on the port's subnet and a gateway on the floating IP's network.
  const candidates = await tx.selectFrom('port as intf')
    .innerJoin('ip_allocation as a', 'a.port_id', 'intf.id')
    .innerJoin('port as gw', (j) => j.onRef('gw.device_id', '=', 'intf.device_id'))
    .select(['intf.device_id as router_id', 'a.ip_address as ip'])
    .where('intf.device_owner', '=', DEVICE_OWNER_ROUTER_INTF).where('intf.network_id', '=', port.networkId).where('a.subnet_id', '=', subnet.id)
    .where('gw.device_owner', '=', DEVICE_OWNER_ROUTER_GW).where('gw.network_id', '=', externalNetworkId)
    .orderBy('intf.created_at').execute();
  const router = candidates.find((c) => c.ip === subnet.gateway_ip) ?? candidates[0];
  if (!router) throw externalGatewayForFloatingIpNotFound(externalNetworkId, subnet.id, port.id);
  return { portId: port.id, fixedIp: chosen.ip_address, routerId: router.router_id };
}

/** One fixed IP has at most one floating IP per external network (FloatingIPPortAlreadyAssociated). */
async function checkNotTaken(tx: Kysely<NetworkTables>, fip: FloatingIpRow, a: Association): Promise<void> {
  const other = await tx.selectFrom('floating_ip').select('id').where('fixed_port_id', '=', a.portId).where('fixed_ip_address', '=', a.fixedIp)
    .where('floating_network_id', '=', fip.floating_network_id).where('id', '!=', fip.id).executeTakeFirst();
  if (other) throw floatingIpPortAlreadyAssociated(fip.floating_ip_address, fip.id, a.portId, a.fixedIp, fip.floating_network_id);
}

/** Creates a floating IP for the caller, associated at once when the body names a port. */
export async function createFloatingIp(db: Kysely<NetworkTables>, caller: Caller, raw: unknown): Promise<FloatingIpRow> {
  const body = parseBody(raw, 'floatingip', FLOATINGIP_SPEC, 'create');
  const v = body.values;
  const project = ownerProject(caller, v);
  const actions: Array<Parameters<Caller['can']>[0]> = ['create_floatingip'];
  if (v.floating_ip_address !== null) actions.push('create_floatingip:floating_ip_address');
  caller.authorize(actions, floatingIpTarget({ project_id: project }));
  if (v.fixed_ip_address !== null && v.port_id === null) throw l3BadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
  const network = await getVisibleNetwork(db, caller, v.floating_network_id as string);
  if (!network.external) throw l3BadRequest('floatingip', `Network ${network.id} is not a valid external network`);
  const t = now();
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    if (!(await tx.selectFrom('subnet').select('id').where('network_id', '=', network.id).executeTakeFirst())) {
      throw l3BadRequest('floatingip', `Network ${network.id} does not contain any IPv4 subnet`);
    }
    await lockProject(tx, project);
    await checkQuota(tx, project, 'floatingip');
    const id = randomUUID();
    const fixed = { ...(v.subnet_id !== null ? { subnet_id: v.subnet_id as string } : {}), ...(v.floating_ip_address !== null ? { ip_address: v.floating_ip_address as string } : {}) };
    const { allocations, port } = await insertServicePort(tx, {
      network, projectId: '', deviceId: id, deviceOwner: DEVICE_OWNER_FLOATINGIP, bindingHostId: '',
      ...(Object.keys(fixed).length > 0 ? { fixedIps: [fixed] } : {}),
    });
    const fip: FloatingIpRow = {
      id, project_id: project, description: v.description as string, floating_network_id: network.id, floating_port_id: port.id,
      floating_ip_address: allocations[0]!.ip, fixed_port_id: null, fixed_ip_address: null, router_id: null, created_at: t, updated_at: t, revision_number: 1,
    };
    if (v.port_id !== null) {
      const a = await associate(tx, caller, project, network.id, v.port_id as string, v.fixed_ip_address as string | null);
      await checkNotTaken(tx, fip, a);
      Object.assign(fip, { fixed_port_id: a.portId, fixed_ip_address: a.fixedIp, router_id: a.routerId });
    }
    await tx.insertInto('floating_ip').values(fip).execute();
    await bumpPlan(tx);
    return fip;
  }));
}

/** Updates a visible floating IP: (re-)association with port_id/fixed_ip_address, port_id null, description. */
export async function updateFloatingIp(db: Kysely<NetworkTables>, caller: Caller, existing: FloatingIpRow, raw: unknown): Promise<FloatingIpRow> {
  const body = parseBody(raw, 'floatingip', FLOATINGIP_SPEC, 'update');
  const v = body.values;
  caller.authorize(['update_floatingip'], floatingIpTarget(existing));
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    const fip: FloatingIpRow = { ...existing };
    const fixedIp = 'fixed_ip_address' in v ? v.fixed_ip_address as string | null : null;
    // Without port_id the body keeps the current port (Neutron re-resolves it, e.g. for a new fixed IP).
    const portId = 'port_id' in v ? v.port_id as string | null : existing.fixed_port_id;
    if (fixedIp !== null && portId === null) throw l3BadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
    if (portId === null) {
      Object.assign(fip, { fixed_port_id: null, fixed_ip_address: null, router_id: null });
    } else if ('port_id' in v || 'fixed_ip_address' in v) {
      const a = await associate(tx, caller, fip.project_id, fip.floating_network_id, portId, fixedIp);
      await checkNotTaken(tx, fip, a);
      Object.assign(fip, { fixed_port_id: a.portId, fixed_ip_address: a.fixedIp, router_id: a.routerId });
    }
    if ('description' in v) fip.description = v.description as string;
    fip.updated_at = now();
    fip.revision_number = existing.revision_number + 1;
    const { id: _id, ...rest } = fip;
    await tx.updateTable('floating_ip').set(rest).where('id', '=', fip.id).execute();
    await bumpPlan(tx);
    return fip;
  }));
}

/** Releases a floating IP: its row and the port that held its address. */
export async function deleteFloatingIp(db: Kysely<NetworkTables>, fip: FloatingIpRow): Promise<void> {
  await retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await deleteTags(tx, [fip.id, fip.floating_port_id]);
    await tx.deleteFrom('floating_ip').where('id', '=', fip.id).execute();
    await tx.deleteFrom('port').where('id', '=', fip.floating_port_id).execute();
    await bumpPlan(tx);
  }));
}

/** Disassociates the floating IPs of a port being deleted (Neutron's disassociate_floatingips). */
export async function disassociatePort(tx: Kysely<NetworkTables>, portId: string): Promise<void> {
  await tx.updateTable('floating_ip').set({ fixed_port_id: null, fixed_ip_address: null, router_id: null, updated_at: now() })
    .where('fixed_port_id', '=', portId).execute();
}
