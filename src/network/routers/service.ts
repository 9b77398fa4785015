/**
 * Router behaviour (neutron/db/l3_db.py, l3_gwmode_db.py and extraroute_db.py semantics): creating with a
 * gateway, changing the gateway and SNAT, static routes checked against the router's subnets, attaching
 * and detaching subnets by subnet or by port, deleting, and placing each router on a host. Every change
 * runs in one transaction that ends by bumping the agents' plan revision.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { inTransaction } from '../../platform/db/database.js';
import type { NetworkTables } from '../tables.js';
import { now, type Caller } from '../context.js';
import { boolean, dict, ipAddress, name, parseBody, projectId, py, subnetCidr, uuid, type ResourceSpec } from '../attributes.js';
import { ownerProject, retryOnConflict } from '../common.js';
import {
  l3BadRequest, invalidAttribute, invalidRoutes, portInUse, routerExternalGatewayInUseByFloatingIp, routerInterfaceInUseByFloatingIp,
  routerInterfaceInUseByRoute, routerInterfaceNotFound, routerInterfaceNotFoundForSubnet, routerInUse, routesExhausted, subnetMismatchForPort,
} from '../errors.js';
import { cidrsOverlap, contains, parseCidr, parseIp } from '../ipv4.js';
import { bumpPlan, checkQuota, lockProject } from '../quotas/service.js';
import { getVisibleNetwork } from '../networks/store.js';
import { getVisibleSubnet, subnetFromRow, type Subnet } from '../subnets/store.js';
import { getVisiblePort } from '../ports/store.js';
import { insertServicePort } from '../ports/service.js';
import { parseFixedIps, resolveFixedIps, applyAllocations, type FixedIpRequest } from '../ports/ipam.js';
import { deleteTags } from '../tags.js';
import {
  DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF, routerFromRow, routerPorts, routerTarget, routerToRow, type Route, type Router, type RouterPort,
} from './store.js';

/** Neutron's max_routes. */
export const MAX_ROUTES = 30;

/** external_gateway_info as a body gives it: absent, null/{} (no gateway), or a gateway. */
export interface GatewayRequest { networkId: string; enableSnat?: boolean; externalFixedIps?: FixedIpRequest[] }

/** type:dict_or_nodata over network_id, enable_snat and external_fixed_ips; `{}` and null mean no gateway. */
function parseGateway(v: unknown, attr: string): GatewayRequest | null {
  if (v === null) return null;
  const o = dict(v, attr, ['network_id', 'enable_snat', 'external_fixed_ips'], [], 'external gateway info');
  if (Object.keys(o).length === 0) return null;
  if (!('network_id' in o)) throw invalidAttribute(attr, `Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: {${Object.keys(o).map((k) => `'${k}'`).join(', ')}}`);
  const gw: GatewayRequest = { networkId: uuid(o.network_id, attr) as string };
  if ('enable_snat' in o) gw.enableSnat = boolean(o.enable_snat, attr) as boolean;
  if ('external_fixed_ips' in o && o.external_fixed_ips !== null) gw.externalFixedIps = parseFixedIps(o.external_fixed_ips, attr);
  return gw;
}

/** type:hostroutes with convert_none_to_empty_list: {destination, nexthop} pairs, no repeats. */
function parseRoutes(v: unknown, attr: string): Route[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  const seen = new Set<string>();
  return v.map((r) => {
    const o = dict(r, attr, ['destination', 'nexthop'], ['destination', 'nexthop'], 'hostroute');
    const route = { destination: subnetCidr(o.destination, attr) as string, nexthop: ipAddress(o.nexthop, attr) };
    const key = `${route.destination} ${route.nexthop}`;
    if (seen.has(key)) throw invalidAttribute(attr, `Duplicate hostroute '${py(r)}'`);
    seen.add(key);
    return route;
  });
}

const READ_ONLY = { post: false, put: false } as const;

export const ROUTER_SPEC: ResourceSpec = {
  id: READ_ONLY,
  name: { post: true, put: true, default: () => '', validate: name },
  description: { post: true, put: true, default: () => '', validate: name },
  admin_state_up: { post: true, put: true, default: () => true, validate: boolean },
  external_gateway_info: { post: true, put: true, default: () => null, validate: parseGateway },
  routes: { post: false, put: true, validate: parseRoutes },
  project_id: { post: true, put: false, validate: projectId },
  status: READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

/**
 * The policy actions a router body triggers: the operation, external_gateway_info when given, and each of
 * its sub-attributes the body names (neutron/policy.py checks those on presence, whatever their value).
 */
function routerActions(op: 'create' | 'update', raw: unknown, given: ReadonlySet<string>): Parameters<Caller['authorize']>[0] {
  const actions: Array<Parameters<Caller['can']>[0]> = [`${op}_router`];
  if (!given.has('external_gateway_info')) return actions;
  actions.push(`${op}_router:external_gateway_info`);
  const info = (raw as { router: { external_gateway_info?: unknown } }).router.external_gateway_info;
  if (typeof info === 'object' && info !== null) {
    for (const sub of ['network_id', 'enable_snat', 'external_fixed_ips'] as const) if (sub in info) actions.push(`${op}_router:external_gateway_info:${sub}`);
  }
  return actions;
}

/** A subnet row by id (the caller's visibility was checked where the id came from). */
async function subnetById(tx: Kysely<NetworkTables>, id: string): Promise<Subnet | undefined> {
  const row = await tx.selectFrom('subnet').selectAll().where('id', '=', id).executeTakeFirst();
  return row && subnetFromRow(row);
}

async function subnetsByIds(tx: Kysely<NetworkTables>, ids: readonly string[]): Promise<Subnet[]> {
  if (ids.length === 0) return [];
  return (await tx.selectFrom('subnet').selectAll().where('id', 'in', [...new Set(ids)]).execute()).map(subnetFromRow);
}

async function portsOf(tx: Kysely<NetworkTables>, routerId: string): Promise<RouterPort[]> {
  return (await routerPorts(tx, [routerId])).get(routerId) ?? [];
}

/**
 * The subnets a router already reaches (_check_for_dup_router_subnets): its interfaces' subnets, and every
 * subnet of its gateway's network. A new subnet may not be one of them nor overlap one.
 */
async function checkNewSubnets(tx: Kysely<NetworkTables>, ports: readonly RouterPort[], fresh: readonly Subnet[]): Promise<void> {
  const freshIds = new Set(fresh.map((s) => s.id));
  const reached: string[] = [];
  for (const p of ports) {
    for (const ip of p.fixedIps) {
      if (freshIds.has(ip.subnetId)) throw l3BadRequest('router', `Router already has a port on subnet ${ip.subnetId}`);
    }
    if (p.deviceOwner === DEVICE_OWNER_ROUTER_GW) {
      reached.push(...(await tx.selectFrom('subnet').select('id').where('network_id', '=', p.networkId).execute()).map((s) => s.id));
    } else {
      reached.push(...p.fixedIps.map((ip) => ip.subnetId));
    }
  }
  for (const existing of await subnetsByIds(tx, reached)) {
    for (const s of fresh) {
      if (cidrsOverlap(parseCidr(existing.cidr)!.cidr, parseCidr(s.cidr)!.cidr)) {
        throw l3BadRequest('router', `Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`);
      }
    }
  }
}

/**
 * Static routes must leave through the router (_validate_routes): each nexthop lies in a subnet one of the
 * router's ports is on (for the gateway, any subnet of the external network) and is not the router's own.
 */
async function checkRoutes(tx: Kysely<NetworkTables>, routes: readonly Route[], ports: readonly RouterPort[]): Promise<void> {
  if (routes.length === 0) return;
  const cidrs: string[] = [];
  const own = new Set<string>();
  for (const p of ports) {
    for (const ip of p.fixedIps) own.add(ip.ip);
    const subnets = p.deviceOwner === DEVICE_OWNER_ROUTER_GW
      ? (await tx.selectFrom('subnet').selectAll().where('network_id', '=', p.networkId).execute()).map(subnetFromRow)
      : await subnetsByIds(tx, p.fixedIps.map((ip) => ip.subnetId));
    cidrs.push(...subnets.map((s) => s.cidr));
  }
  const shown = py(routes);
  for (const r of routes) {
    const hop = parseIp(r.nexthop)!;
    if (!cidrs.some((c) => contains(parseCidr(c)!.cidr, hop))) throw invalidRoutes(shown, 'the nexthop is not connected with router');
    if (own.has(r.nexthop)) throw invalidRoutes(shown, 'the nexthop is used by router');
  }
}

/**
 * Takes the router's row lock until the transaction ends: two interface or gateway changes of one router
 * (say, two overlapping subnets attached at once) take turns, so each sees the other's ports. Taken first,
 * before any subnet lock, so every writer locks in the same order.
 */
async function lockRouter(tx: Kysely<NetworkTables>, routerId: string): Promise<void> {
  await tx.updateTable('router').set((eb) => ({ revision_number: eb.ref('revision_number') })).where('id', '=', routerId).execute();
}

/** Floating IPs that reach their ports through this router. */
async function routerFloatingIps(tx: Kysely<NetworkTables>, routerId: string): Promise<Array<{ fixed_ip_address: string | null; fixed_port_id: string | null }>> {
  return tx.selectFrom('floating_ip').select(['fixed_ip_address', 'fixed_port_id']).where('router_id', '=', routerId).execute();
}

/**
 * The host a new router goes to: of the hosts that registered a tunnel endpoint, the one with the fewest
 * routers (ties by name, so the choice is stable); '' while there is none (the router waits to be placed).
 */
export async function chooseRouterHost(tx: Kysely<NetworkTables>): Promise<string> {
  const hosts = (await tx.selectFrom('network_host').select('host').where('endpoint', 'is not', null).orderBy('host').execute()).map((h) => h.host);
  if (hosts.length === 0) return '';
  const counts = new Map(hosts.map((h) => [h, 0]));
  for (const r of await tx.selectFrom('router').select('host').where('host', 'in', hosts).execute()) counts.set(r.host, (counts.get(r.host) ?? 0) + 1);
  return hosts.reduce((best, h) => (counts.get(h)! < counts.get(best)! ? h : best), hosts[0]!);
}

/** Moves a router (and the ports that plumb it) to a host. */
async function placeRouter(tx: Kysely<NetworkTables>, routerId: string, host: string): Promise<void> {
  await tx.updateTable('router').set({ host }).where('id', '=', routerId).execute();
  await tx.updateTable('port').set({ binding_host_id: host }).where('device_id', '=', routerId)
    .where('device_owner', 'in', [DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW]).execute();
}

/** Places every router still without a host (a host just registered its first tunnel endpoint). */
export async function placeWaitingRouters(tx: Kysely<NetworkTables>): Promise<number> {
  const waiting = await tx.selectFrom('router').select('id').where('host', '=', '').orderBy('created_at').orderBy('id').execute();
  for (const r of waiting) {
    const host = await chooseRouterHost(tx);
    if (host === '') return 0;
    await placeRouter(tx, r.id, host);
  }
  return waiting.length;
}

/** Deletes the router's gateway port, unless floating IPs still need it. */
async function dropGateway(tx: Kysely<NetworkTables>, router: Router, gw: RouterPort): Promise<void> {
  if ((await routerFloatingIps(tx, router.id)).length > 0) throw routerExternalGatewayInUseByFloatingIp(router.id, gw.networkId);
  await deleteTags(tx, [gw.id]);
  await tx.deleteFrom('port').where('id', '=', gw.id).execute();
}

/** Sets, changes or removes a router's gateway (_update_router_gw_info with ext-gw-mode's SNAT flag). */
async function applyGateway(tx: Kysely<NetworkTables>, caller: Caller, router: Router, info: GatewayRequest | null): Promise<void> {
  const ports = await portsOf(tx, router.id);
  const gw = ports.find((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GW);
  if (info === null) {
    if (gw) await dropGateway(tx, router, gw);
    router.enableSnat = true;
    return;
  }
  const network = await getVisibleNetwork(tx, caller, info.networkId);
  if (!network.external) throw l3BadRequest('router', `Network ${network.id} is not an external network`);
  const subnets = (await tx.selectFrom('subnet').selectAll().where('network_id', '=', network.id).orderBy('created_at').orderBy('id').execute()).map(subnetFromRow);
  for (const ip of info.externalFixedIps ?? []) {
    if (ip.ip_address !== undefined && subnets.some((s) => s.gatewayIp === ip.ip_address)) throw l3BadRequest('router', `External IP ${ip.ip_address} is the same as the gateway IP`);
  }
  router.enableSnat = info.enableSnat ?? true;
  if (gw && gw.networkId === network.id) {
    if (info.externalFixedIps && info.externalFixedIps.length > 0) {
      const current = gw.fixedIps;
      const wanted = await resolveFixedIps(tx, network.id, subnets, info.externalFixedIps, gw.id, current);
      await applyAllocations(tx, gw.id, network.id, wanted);
    }
    return;
  }
  if (gw) await dropGateway(tx, router, gw);
  await checkNewSubnets(tx, ports.filter((p) => p.id !== gw?.id), subnets);
  await insertServicePort(tx, {
    network, projectId: '', deviceId: router.id, deviceOwner: DEVICE_OWNER_ROUTER_GW, bindingHostId: router.host,
    ...(info.externalFixedIps && info.externalFixedIps.length > 0 ? { fixedIps: info.externalFixedIps } : {}),
  });
}

/** Creates a router (and its gateway, if asked) for the caller. */
export async function createRouter(db: Kysely<NetworkTables>, caller: Caller, raw: unknown): Promise<Router> {
  const body = parseBody(raw, 'router', ROUTER_SPEC, 'create');
  const v = body.values;
  const project = ownerProject(caller, v);
  caller.authorize(routerActions('create', raw, body.given), routerTarget({ projectId: project }));
  const t = now();
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockProject(tx, project);
    await checkQuota(tx, project, 'router');
    const router: Router = {
      id: randomUUID(), projectId: project, name: v.name as string, description: v.description as string, adminStateUp: v.admin_state_up as boolean,
      enableSnat: true, routes: [], host: await chooseRouterHost(tx), createdAt: t, updatedAt: t, revision: 1,
    };
    await tx.insertInto('router').values(routerToRow(router)).execute();
    await applyGateway(tx, caller, router, v.external_gateway_info as GatewayRequest | null);
    await tx.updateTable('router').set({ enable_snat: router.enableSnat ? 1 : 0 }).where('id', '=', router.id).execute();
    await bumpPlan(tx);
    return router;
  }));
}

/** Updates a visible router: name, description, admin state, gateway and SNAT, static routes. */
export async function updateRouter(db: Kysely<NetworkTables>, caller: Caller, existing: Router, raw: unknown): Promise<Router> {
  const body = parseBody(raw, 'router', ROUTER_SPEC, 'update');
  const v = body.values;
  caller.authorize(routerActions('update', raw, body.given), routerTarget(existing));
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockRouter(tx, existing.id);
    const row = await tx.selectFrom('router').selectAll().where('id', '=', existing.id).executeTakeFirst();
    const r = routerFromRow(row ?? routerToRow(existing));
    if ('name' in v) r.name = v.name as string;
    if ('description' in v) r.description = v.description as string;
    if ('admin_state_up' in v) r.adminStateUp = v.admin_state_up as boolean;
    if ('external_gateway_info' in v) await applyGateway(tx, caller, r, v.external_gateway_info as GatewayRequest | null);
    if ('routes' in v) {
      const routes = v.routes as Route[];
      if (routes.length > MAX_ROUTES) throw routesExhausted(r.id, MAX_ROUTES);
      r.routes = routes;
    }
    // Routes are checked against the ports the router ends up with (a gateway change can strand one too).
    if ('routes' in v || 'external_gateway_info' in v) await checkRoutes(tx, r.routes, await portsOf(tx, r.id));
    r.updatedAt = now();
    r.revision = r.revision + 1;
    const { id: _id, ...rest } = routerToRow(r);
    await tx.updateTable('router').set(rest).where('id', '=', r.id).execute();
    await bumpPlan(tx);
    return r;
  }));
}

/** Deletes a router without interfaces (RouterInUse otherwise), with its gateway port. */
export async function deleteRouter(db: Kysely<NetworkTables>, router: Router): Promise<void> {
  await retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockRouter(tx, router.id);
    const ports = await portsOf(tx, router.id);
    const interfaces = ports.filter((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTF);
    if (interfaces.length > 0) throw routerInUse(router.id, `has ports still attached: ${interfaces.map((p) => p.id).join(', ')}`);
    const gw = ports.find((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GW);
    if (gw) await dropGateway(tx, router, gw);
    await deleteTags(tx, [router.id]);
    await tx.deleteFrom('router').where('id', '=', router.id).execute();
    await bumpPlan(tx);
  }));
}

/** What add_router_interface and remove_router_interface answer. */
export interface InterfaceInfo {
  id: string;
  tenant_id: string;
  project_id: string;
  port_id: string;
  network_id: string;
  subnet_id: string;
  subnet_ids: string[];
}

function interfaceInfo(router: Router, port: { id: string; projectId: string; networkId: string }, subnetIds: string[]): InterfaceInfo {
  return { id: router.id, tenant_id: port.projectId, project_id: port.projectId, port_id: port.id, network_id: port.networkId, subnet_id: subnetIds.at(-1) ?? '', subnet_ids: subnetIds };
}

/** The body of an interface action: `{subnet_id}` or `{port_id}` (both only when removing). */
function parseInterfaceBody(raw: unknown, forRemoval: boolean): { subnetId?: string; portId?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw l3BadRequest('router', 'Either subnet_id or port_id must be specified');
  const o = raw as Record<string, unknown>;
  if (!('port_id' in o) && !('subnet_id' in o)) throw l3BadRequest('router', 'Either subnet_id or port_id must be specified');
  const out: { subnetId?: string; portId?: string } = {};
  for (const key of ['port_id', 'subnet_id'] as const) {
    if (!(key in o)) continue;
    const value = o[key];
    if (typeof value !== 'string' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)) {
      throw l3BadRequest('router', `'${py(value)}' is not a valid UUID`);
    }
    if (key === 'port_id') out.portId = value; else out.subnetId = value;
  }
  if (!forRemoval && out.portId !== undefined && out.subnetId !== undefined) throw l3BadRequest('router', 'Cannot specify both subnet-id and port-id');
  return out;
}

/** Attaches a subnet to a router: by subnet (a new port on its gateway address) or by an unused port. */
export async function addInterface(db: Kysely<NetworkTables>, caller: Caller, router: Router, raw: unknown): Promise<InterfaceInfo> {
  caller.authorize(['add_router_interface'], routerTarget(router));
  const req = parseInterfaceBody(raw, false);
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockRouter(tx, router.id);
    const ports = await portsOf(tx, router.id);
    const host = (await tx.selectFrom('router').select('host').where('id', '=', router.id).executeTakeFirst())?.host ?? router.host;
    let info: InterfaceInfo;
    if (req.subnetId !== undefined) {
      const { subnet, network } = await getVisibleSubnet(tx, caller, req.subnetId);
      if (subnet.gatewayIp === null) throw l3BadRequest('router', 'Subnet for router interface must have a gateway IP');
      if (subnet.projectId !== caller.projectId && !caller.isAdmin) {
        // A globally shared network's subnet is not the caller's to route (Neutron: LP#1757482).
        throw l3BadRequest('router', `Cannot add interface to router because subnet ${subnet.id} is not owned by project making the request`);
      }
      await checkNewSubnets(tx, ports, [subnet]);
      const { port } = await insertServicePort(tx, {
        network, projectId: router.projectId, deviceId: router.id, deviceOwner: DEVICE_OWNER_ROUTER_INTF, bindingHostId: host,
        fixedIps: [{ subnet_id: subnet.id, ip_address: subnet.gatewayIp }],
      });
      info = interfaceInfo(router, port, [subnet.id]);
    } else {
      const { port } = await getVisiblePort(tx, caller, req.portId!);
      if (port.deviceId !== '') throw portInUse(port.id, port.networkId, port.deviceId);
      const ips = await tx.selectFrom('ip_allocation').select(['subnet_id', 'ip_address']).where('port_id', '=', port.id).execute();
      if (ips.length === 0) throw l3BadRequest('router', 'Router port must have at least one fixed IP');
      const subnets = await subnetsByIds(tx, ips.map((i) => i.subnet_id));
      if (subnets.length > 1) throw l3BadRequest('router', 'Cannot have multiple IPv4 subnets on router port');
      await checkNewSubnets(tx, ports, subnets);
      if (!caller.isAdmin) {
        for (const ip of ips) {
          const s = subnets.find((x) => x.id === ip.subnet_id)!;
          const n = parseIp(ip.ip_address)!;
          const inPool = s.allocationPools.some((p) => n >= parseIp(p.start)! && n <= parseIp(p.end)!);
          if (!inPool && s.projectId !== caller.projectId) {
            throw l3BadRequest('router', `Cannot add interface to router because specified port ${port.id} has an IP address out of the allocation pool of subnet ${s.id}, which is not owned by the project making the request`);
          }
        }
      }
      await tx.updateTable('port').set({ device_id: router.id, device_owner: DEVICE_OWNER_ROUTER_INTF, binding_host_id: host, updated_at: now(), revision_number: port.revision + 1 })
        .where('id', '=', port.id).execute();
      info = interfaceInfo(router, port, subnets.map((s) => s.id));
    }
    await bumpPlan(tx);
    return info;
  }));
}

/** The interface may go unless floating IPs or static routes still need its subnet. */
async function checkInterfaceUnused(tx: Kysely<NetworkTables>, router: Router, subnet: Subnet): Promise<void> {
  const cidr = parseCidr(subnet.cidr)!.cidr;
  const onSubnet = new Set((await tx.selectFrom('ip_allocation').select('port_id').where('subnet_id', '=', subnet.id).execute()).map((r) => r.port_id));
  for (const f of await routerFloatingIps(tx, router.id)) {
    if (f.fixed_ip_address && f.fixed_port_id && contains(cidr, parseIp(f.fixed_ip_address)!) && onSubnet.has(f.fixed_port_id)) {
      throw routerInterfaceInUseByFloatingIp(router.id, subnet.id);
    }
  }
  const row = await tx.selectFrom('router').select('routes').where('id', '=', router.id).executeTakeFirst();
  const routes = row ? routerFromRow({ ...routerToRow(router), routes: row.routes }).routes : router.routes;
  if (routes.some((r) => contains(cidr, parseIp(r.nexthop)!))) throw routerInterfaceInUseByRoute(router.id, subnet.id);
}

/** Detaches a subnet from a router, by port or by subnet; the interface port is deleted (as Neutron does). */
export async function removeInterface(db: Kysely<NetworkTables>, caller: Caller, router: Router, raw: unknown): Promise<InterfaceInfo> {
  caller.authorize(['remove_router_interface'], routerTarget(router));
  const req = parseInterfaceBody(raw, true);
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockRouter(tx, router.id);
    const interfaces = (await portsOf(tx, router.id)).filter((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTF);
    let port: RouterPort;
    let subnets: Subnet[];
    if (req.portId !== undefined) {
      const found = interfaces.find((p) => p.id === req.portId);
      if (!found) throw routerInterfaceNotFound(router.id, req.portId);
      if (req.subnetId !== undefined && !found.fixedIps.some((ip) => ip.subnetId === req.subnetId)) throw subnetMismatchForPort(found.id, req.subnetId);
      port = found;
      subnets = await subnetsByIds(tx, found.fixedIps.map((ip) => ip.subnetId));
    } else {
      const subnet = await subnetById(tx, req.subnetId!);
      // A subnet the caller cannot see is one the router has no interface on, as far as the caller knows.
      if (subnet) await getVisibleSubnet(tx, caller, subnet.id);
      const found = subnet && interfaces.find((p) => p.fixedIps.some((ip) => ip.subnetId === subnet.id));
      if (!subnet || !found) throw routerInterfaceNotFoundForSubnet(router.id, req.subnetId!);
      port = found;
      subnets = [subnet];
    }
    for (const s of subnets) await checkInterfaceUnused(tx, router, s);
    await deleteTags(tx, [port.id]);
    await tx.deleteFrom('port').where('id', '=', port.id).execute();
    await bumpPlan(tx);
    return interfaceInfo(router, port, subnets.map((s) => s.id));
  }));
}
