/**
 * Creating and updating ports: the body's attributes, Neutron's attribute policies, MAC and IP allocation,
 * port security with security groups and allowed address pairs, and the port quota, all in one transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { inTransaction } from '../../platform/db/database.js';
import type { NetworkTables } from '../tables.js';
import { now, type Caller } from '../context.js';
import {
  boolean, dict, ipAddress, ipPrefix, isUuid, macAddress, name, parseBody, projectId, py, string, uuid, values, type ParsedBody, type ResourceSpec,
} from '../attributes.js';
import { actionsFor, ownerProject, retryOnConflict } from '../common.js';
import {
  addressPairAndPortSecurityRequired, allowedAddressPairExhausted, duplicateAddressPairInRequest, httpBadRequest, invalidAttribute,
  l3BadRequest, macAddressInUse, NeutronFault, portSecurityAndIpRequiredForSecurityGroups, portSecurityPortHasSecurityGroup, securityGroupNotFound,
} from '../errors.js';
import { bumpPlan, checkQuota, lockProject } from '../quotas/service.js';
import { getVisibleNetwork, type Network } from '../networks/store.js';
import { subnetsOf } from '../subnets/store.js';
import { ensureDefaultGroup } from '../security-groups/store.js';
import { applyAllocations, parseFixedIps, resolveFixedIps, type Allocation, type FixedIpRequest } from './ipam.js';
import { portTarget, portToRow, type AddressPair, type Port } from './store.js';

/** Neutron's max_allowed_address_pair. */
export const MAX_ADDRESS_PAIRS = 10;
/** The vnic types Neutron's port binding accepts. */
const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed'];

const READ_ONLY = { post: false, put: false } as const;

function parsePairs(v: unknown, attr: string): Array<{ ip_address: string; mac_address?: string }> {
  if (!Array.isArray(v)) throw httpBadRequest('Allowed address pairs must be a list.');
  const seen = new Set<string>();
  const out = v.map((entry) => {
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const extra = Object.keys(entry).filter((k) => k !== 'ip_address' && k !== 'mac_address');
      if (extra.length > 0) throw httpBadRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`);
      if (!('ip_address' in entry)) throw new NeutronFault(400, 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address');
    }
    const o = dict(entry, attr, ['ip_address', 'mac_address'], ['ip_address'], 'allowed address pair');
    const ip = typeof o.ip_address === 'string' && o.ip_address.includes('/') ? ipPrefix(o.ip_address, attr) as string : ipAddress(o.ip_address, attr);
    const pair: { ip_address: string; mac_address?: string } = { ip_address: ip };
    if (o.mac_address !== undefined && o.mac_address !== null) pair.mac_address = macAddress(o.mac_address, attr) as string;
    const key = `${pair.mac_address ?? ''} ${pair.ip_address}`;
    if (seen.has(key)) throw duplicateAddressPairInRequest(pair.mac_address ?? 'None', pair.ip_address);
    seen.add(key);
    return pair;
  });
  if (out.length > MAX_ADDRESS_PAIRS) throw allowedAddressPairExhausted(MAX_ADDRESS_PAIRS);
  return out;
}

function parseGroups(v: unknown, attr: string): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  for (const id of v) if (!isUuid(id)) throw new NeutronFault(400, 'InvalidInput', `Invalid input for operation: '${py(id)}' is not an integer or uuid.`);
  return [...new Set(v as string[])];
}

function parseProfile(v: unknown, attr: string): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a dictionary`);
  return v as Record<string, unknown>;
}

export const PORT_SPEC: ResourceSpec = {
  id: READ_ONLY,
  name: { post: true, put: true, default: () => '', validate: name },
  description: { post: true, put: true, default: () => '', validate: name },
  network_id: { post: true, put: false, required: true, validate: uuid },
  admin_state_up: { post: true, put: true, default: () => true, validate: boolean },
  mac_address: { post: true, put: true, validate: macAddress },
  fixed_ips: { post: true, put: true, validate: parseFixedIps },
  device_id: { post: true, put: true, default: () => '', validate: string(255) },
  device_owner: { post: true, put: true, default: () => '', validate: string(255) },
  project_id: { post: true, put: false, validate: projectId },
  status: READ_ONLY,
  security_groups: { post: true, put: true, validate: parseGroups },
  port_security_enabled: { post: true, put: true, validate: boolean },
  allowed_address_pairs: { post: true, put: true, validate: parsePairs },
  'binding:host_id': { post: true, put: true, default: () => '', validate: string(255) },
  'binding:profile': { post: true, put: true, default: () => ({}), validate: parseProfile },
  'binding:vnic_type': { post: true, put: true, default: () => 'normal', validate: values(VNIC_TYPES) },
  'binding:vif_type': READ_ONLY,
  'binding:vif_details': READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

/** The policy actions for the fixed_ips a body asks for (by address and by subnet). */
function fixedIpActions(op: 'create' | 'update', body: ParsedBody): Array<Parameters<Caller['can']>[0]> {
  const reqs = body.values.fixed_ips as FixedIpRequest[] | undefined;
  if (!body.given.has('fixed_ips') || !reqs) return [];
  const out: Array<Parameters<Caller['can']>[0]> = [];
  if (reqs.some((r) => r.ip_address !== undefined)) out.push(`${op}_port:fixed_ips:ip_address`);
  if (reqs.some((r) => r.subnet_id !== undefined)) out.push(`${op}_port:fixed_ips:subnet_id`);
  return out;
}

function randomMac(): string {
  return `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`;
}

async function macTaken(tx: Kysely<NetworkTables>, networkId: string, mac: string, except: string): Promise<boolean> {
  const row = await tx.selectFrom('port').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst();
  return row !== undefined && row.id !== except;
}

/** The port's security groups must be its own project's (or the caller an admin acting for it). */
async function checkGroups(tx: Kysely<NetworkTables>, project: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const g = await tx.selectFrom('security_group').select('project_id').where('id', '=', id).executeTakeFirst();
    if (!g || g.project_id !== project) throw securityGroupNotFound(id);
  }
}

async function setGroups(tx: Kysely<NetworkTables>, portId: string, ids: readonly string[]): Promise<void> {
  await tx.deleteFrom('port_security_group').where('port_id', '=', portId).execute();
  for (const id of ids) await tx.insertInto('port_security_group').values({ port_id: portId, security_group_id: id }).execute();
}

function pairsWithMac(pairs: ReadonlyArray<{ ip_address: string; mac_address?: string }>, mac: string): AddressPair[] {
  return pairs.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac }));
}

/** Creates a port for the caller from a request body; returns it with its network. */
export async function createPort(db: Kysely<NetworkTables>, caller: Caller, rawBody: unknown): Promise<{ port: Port; network: Network }> {
  const body = parseBody(rawBody, 'port', PORT_SPEC, 'create');
  const v = body.values;
  const network = await getVisibleNetwork(db, caller, v.network_id as string);
  const project = ownerProject(caller, v);
  const deviceOwner = v.device_owner as string;
  const target = portTarget(project, deviceOwner, network);
  caller.authorize([...actionsFor('create', 'port', PORT_SPEC, body), ...fixedIpActions('create', body)], target);

  const portSecurity = 'port_security_enabled' in v ? v.port_security_enabled as boolean : network.portSecurityEnabled;
  const pairs = (v.allowed_address_pairs ?? []) as Array<{ ip_address: string; mac_address?: string }>;
  if (!portSecurity && pairs.length > 0) throw addressPairAndPortSecurityRequired();
  const t = now();

  const port = await retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockProject(tx, project);
    await checkQuota(tx, project, 'port');
    const id = randomUUID();
    let mac = v.mac_address as string | undefined;
    if (mac !== undefined) {
      if (await macTaken(tx, network.id, mac, id)) throw macAddressInUse(network.id, mac);
    } else {
      do mac = randomMac(); while (await macTaken(tx, network.id, mac, id));
    }
    const allocations = await resolveFixedIps(tx, network.id, await subnetsOf(tx, network.id), v.fixed_ips as FixedIpRequest[] | undefined, id);
    let groups: string[];
    if (body.given.has('security_groups')) {
      groups = v.security_groups as string[];
      if (groups.length > 0 && (!portSecurity || allocations.length === 0)) throw portSecurityAndIpRequiredForSecurityGroups();
      await checkGroups(tx, project, groups);
    } else {
      // Neutron puts a port in its project's default group when it can filter it: port security on, an
      // address to filter, and not one of the network's own devices.
      groups = portSecurity && allocations.length > 0 && !deviceOwner.startsWith('network:') ? [await ensureDefaultGroup(tx, project)] : [];
    }
    const p: Port = {
      id, projectId: project, networkId: network.id, name: v.name as string, description: v.description as string, macAddress: mac,
      adminStateUp: v.admin_state_up as boolean, deviceId: v.device_id as string, deviceOwner,
      bindingHostId: v['binding:host_id'] as string, bindingProfile: v['binding:profile'] as Record<string, unknown>, bindingVnicType: v['binding:vnic_type'] as string,
      portSecurityEnabled: portSecurity, allowedAddressPairs: pairsWithMac(pairs, mac), createdAt: t, updatedAt: t, revision: 1,
    };
    await tx.insertInto('port').values(portToRow(p)).execute();
    await applyAllocations(tx, id, network.id, allocations);
    await setGroups(tx, id, groups);
    await bumpPlan(tx);
    return p;
  }));
  return { port, network };
}

/** Updates a visible port from a request body. */
export async function updatePort(db: Kysely<NetworkTables>, caller: Caller, existing: Port, network: Network, rawBody: unknown): Promise<Port> {
  const body = parseBody(rawBody, 'port', PORT_SPEC, 'update');
  const v = body.values;
  const deviceOwner = 'device_owner' in v ? v.device_owner as string : existing.deviceOwner;
  const target = portTarget(existing.projectId, deviceOwner, network);
  caller.authorize([...actionsFor('update', 'port', PORT_SPEC, body), ...fixedIpActions('update', body)], target);

  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    const p: Port = { ...existing, deviceOwner };
    if ('name' in v) p.name = v.name as string;
    if ('description' in v) p.description = v.description as string;
    if ('admin_state_up' in v) p.adminStateUp = v.admin_state_up as boolean;
    if ('device_id' in v) p.deviceId = v.device_id as string;
    if ('binding:host_id' in v) p.bindingHostId = v['binding:host_id'] as string;
    if ('binding:profile' in v) p.bindingProfile = v['binding:profile'] as Record<string, unknown>;
    if ('binding:vnic_type' in v) p.bindingVnicType = v['binding:vnic_type'] as string;
    if ('port_security_enabled' in v) p.portSecurityEnabled = v.port_security_enabled as boolean;
    if ('mac_address' in v && v.mac_address !== existing.macAddress) {
      if (existing.bindingHostId !== '') {
        throw new NeutronFault(409, 'PortBound', `Unable to complete operation on port ${p.id}, port is already bound, port type: other, old_mac ${existing.macAddress}, new_mac ${String(v.mac_address)}.`);
      }
      if (await macTaken(tx, network.id, v.mac_address as string, p.id)) throw macAddressInUse(network.id, v.mac_address as string);
      p.macAddress = v.mac_address as string;
    }

    const current: Allocation[] = (await tx.selectFrom('ip_allocation').select(['subnet_id', 'ip_address']).where('port_id', '=', p.id).execute())
      .map((r) => ({ subnetId: r.subnet_id, ip: r.ip_address }));
    const allocations = 'fixed_ips' in v
      ? await resolveFixedIps(tx, network.id, await subnetsOf(tx, network.id), v.fixed_ips as FixedIpRequest[], p.id, current)
      : current;
    if ('fixed_ips' in v) {
      // An address a floating IP points at stays (prevent_internal_ip_change_for_fip).
      const fip = await tx.selectFrom('floating_ip').select('fixed_ip_address').where('fixed_port_id', '=', p.id).executeTakeFirst();
      if (fip?.fixed_ip_address && !allocations.some((a) => a.ip === fip.fixed_ip_address)) {
        throw l3BadRequest('port', `Cannot update the fixed_ips of the port ${p.id}, because its original fixed_ip has been associated to a floating ip`);
      }
    }

    const currentGroups = (await tx.selectFrom('port_security_group').select('security_group_id').where('port_id', '=', p.id).execute()).map((r) => r.security_group_id);
    const groups = 'security_groups' in v ? v.security_groups as string[] : currentGroups;
    if (groups.length > 0 && (!p.portSecurityEnabled || allocations.length === 0)) {
      throw 'security_groups' in v ? portSecurityAndIpRequiredForSecurityGroups() : portSecurityPortHasSecurityGroup();
    }
    if ('security_groups' in v) await checkGroups(tx, p.projectId, groups);

    const pairs = 'allowed_address_pairs' in v
      ? pairsWithMac(v.allowed_address_pairs as Array<{ ip_address: string; mac_address?: string }>, p.macAddress)
      : p.allowedAddressPairs;
    if (!p.portSecurityEnabled && pairs.length > 0) throw addressPairAndPortSecurityRequired();
    p.allowedAddressPairs = pairs;

    p.updatedAt = now();
    p.revision = existing.revision + 1;
    const { id: _id, ...row } = portToRow(p);
    await tx.updateTable('port').set(row).where('id', '=', p.id).execute();
    if ('fixed_ips' in v) await applyAllocations(tx, p.id, network.id, allocations);
    if ('security_groups' in v) await setGroups(tx, p.id, groups);
    await bumpPlan(tx);
    return p;
  }));
}

/** What the network service's own ports (router interfaces and gateways, floating IPs) are made of. */
export interface ServicePortSpec {
  network: Network;
  /** The router's project for an interface; '' for gateway and floating IP ports, as Neutron hides them. */
  projectId: string;
  deviceId: string;
  deviceOwner: string;
  /** The host the port is plumbed on ('' for none, e.g. a floating IP's address-holding port). */
  bindingHostId: string;
  /** Requested addresses; undefined takes one from the first subnet with room. */
  fixedIps?: FixedIpRequest[];
}

/**
 * Creates one of the service's own ports inside the caller's transaction: a MAC, addresses through the same
 * IPAM (with its subnet locks), no security groups (Neutron never filters its own `network:` devices) and
 * no port quota (Neutron counts quotas at the API, not for ports the L3 plugin makes for itself).
 */
export async function insertServicePort(tx: Kysely<NetworkTables>, spec: ServicePortSpec): Promise<{ port: Port; allocations: Allocation[] }> {
  const id = randomUUID();
  let mac: string;
  do mac = randomMac(); while (await macTaken(tx, spec.network.id, mac, id));
  const allocations = await resolveFixedIps(tx, spec.network.id, await subnetsOf(tx, spec.network.id), spec.fixedIps, id);
  const t = now();
  const port: Port = {
    id, projectId: spec.projectId, networkId: spec.network.id, name: '', description: '', macAddress: mac, adminStateUp: true,
    deviceId: spec.deviceId, deviceOwner: spec.deviceOwner, bindingHostId: spec.bindingHostId, bindingProfile: {}, bindingVnicType: 'normal',
    portSecurityEnabled: spec.network.portSecurityEnabled, allowedAddressPairs: [], createdAt: t, updatedAt: t, revision: 1,
  };
  await tx.insertInto('port').values(portToRow(port)).execute();
  await applyAllocations(tx, id, spec.network.id, allocations);
  return { port, allocations };
}
