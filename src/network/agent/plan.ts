/**
 * The plan of one host (agent-protocol.ts HostNetworkPlan), built from the service's tables: the L2
 * segments of the networks that have a port bound to the host (servers' ports, and the interfaces and
 * gateways of the routers placed there), those ports with their filters, the host's routers with their
 * floating IPs, and what the other hosts need to be reached over VXLAN.
 *
 * The revision is the cloud-wide plan counter (quotas/service.ts bumpPlan), read before the tables: a plan
 * may then already show a later write, never miss one, and agents re-fetch a little more often than their
 * own plan changes, which costs one read.
 */
import type { Kysely } from 'kysely';
import { parseJson, toBool } from '../../platform/db/database.js';
import type { NetworkTables } from '../tables.js';
import type { FixedIp, HostNetworkPlan, NetworkPlan, PortPlan, RouterPlan, SecurityGroupRulePlan } from '../agent-protocol.js';
import { planRevision } from '../quotas/service.js';
import { parseCidr } from '../ipv4.js';
import { DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF, routerFromRow } from '../routers/store.js';
import type { HostRoute } from '../subnets/store.js';
import { PUBLIC_NETWORK_NAME } from '../bootstrap.js';

/** Runs `q` over `ids` in chunks (IN lists stay bounded on both engines). */
async function chunked<T>(ids: readonly string[], q: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) out.push(...await q(unique.slice(i, i + 500)));
  return out;
}

export async function buildPlan(db: Kysely<NetworkTables>, host: string): Promise<HostNetworkPlan> {
  const revision = await planRevision(db);
  const self = await db.selectFrom('network_host').selectAll().where('host', '=', host).executeTakeFirst();
  const endpoints = new Map((await db.selectFrom('network_host').select(['host', 'endpoint']).where('endpoint', 'is not', null).execute())
    .map((h) => [h.host, h.endpoint!]));

  const local = await db.selectFrom('port').selectAll().where('binding_host_id', '=', host).orderBy('created_at').orderBy('id').execute();
  const netIds = [...new Set(local.map((p) => p.network_id))];
  const networks = await chunked(netIds, (c) => db.selectFrom('network').selectAll().where('id', 'in', c).orderBy('id').execute());
  const subnets = await chunked(netIds, (c) => db.selectFrom('subnet').selectAll().where('network_id', 'in', c).orderBy('created_at').orderBy('id').execute());
  const subnetById = new Map(subnets.map((s) => [s.id, s]));

  // Ports of the same networks bound elsewhere: each is a static FDB entry towards its host's VTEP.
  const remote = await chunked(netIds, (c) => db.selectFrom('port').select(['network_id', 'mac_address', 'binding_host_id'])
    .where('network_id', 'in', c).where('binding_host_id', '!=', '').where('binding_host_id', '!=', host).orderBy('mac_address').execute());

  const networkPlans: NetworkPlan[] = networks.map((n) => {
    const external = toBool(n.external);
    // The flat external segment never leaves the host: no VNI, no remote entries.
    const others = external ? [] : remote.filter((p) => p.network_id === n.id && endpoints.has(p.binding_host_id));
    return {
      id: n.id,
      ...(n.segmentation_id !== null && n.network_type === 'vxlan' ? { vni: n.segmentation_id } : {}),
      mtu: n.mtu,
      external,
      subnets: subnets.filter((s) => s.network_id === n.id).map((s) => ({
        id: s.id, cidr: s.cidr, ...(s.gateway_ip ? { gateway: s.gateway_ip } : {}),
        hostRoutes: parseJson<HostRoute[]>(s.host_routes, []), dnsNameservers: parseJson<string[]>(s.dns_nameservers, []),
      })),
      remoteEndpoints: [...new Set(others.map((p) => endpoints.get(p.binding_host_id)!))].sort(),
      remotePorts: others.map((p) => ({ mac: p.mac_address, endpoint: endpoints.get(p.binding_host_id)! })),
    };
  });

  // Fixed IPs of the local ports, with what configuring them needs.
  const allocations = await chunked(local.map((p) => p.id), (c) => db.selectFrom('ip_allocation').selectAll().where('port_id', 'in', c).orderBy('subnet_id').orderBy('ip_address').execute());
  const fixedIpsOf = (portId: string): FixedIp[] => allocations.filter((a) => a.port_id === portId).map((a) => {
    const s = subnetById.get(a.subnet_id);
    return { subnetId: a.subnet_id, address: a.ip_address, prefixLength: s ? parseCidr(s.cidr)!.cidr.prefix : 32, ...(s?.gateway_ip ? { gateway: s.gateway_ip } : {}) };
  });

  // Security groups: each local port's rules, remote groups resolved to their members' addresses.
  const memberships = await chunked(local.map((p) => p.id), (c) => db.selectFrom('port_security_group').selectAll().where('port_id', 'in', c).execute());
  const rules = await chunked(memberships.map((m) => m.security_group_id), (c) => db.selectFrom('security_group_rule').selectAll().where('security_group_id', 'in', c).orderBy('created_at').orderBy('id').execute());
  const remoteGroups = rules.map((r) => r.remote_group_id).filter((x): x is string => x !== null);
  const members = await chunked(remoteGroups, (c) => db.selectFrom('port_security_group').innerJoin('ip_allocation', 'ip_allocation.port_id', 'port_security_group.port_id')
    .select(['port_security_group.security_group_id as group_id', 'ip_allocation.ip_address as ip']).where('port_security_group.security_group_id', 'in', c).execute());
  const addressesOf = (groupId: string): string[] => [...new Set(members.filter((m) => m.group_id === groupId).map((m) => m.ip))].sort();
  const rulePlan = (r: typeof rules[number]): SecurityGroupRulePlan => ({
    id: r.id,
    direction: r.direction as SecurityGroupRulePlan['direction'],
    ethertype: r.ethertype as SecurityGroupRulePlan['ethertype'],
    ...(r.protocol !== null ? { protocol: r.protocol } : {}),
    ...(r.port_range_min !== null ? { portRangeMin: r.port_range_min } : {}),
    ...(r.port_range_max !== null ? { portRangeMax: r.port_range_max } : {}),
    ...(r.remote_ip_prefix !== null ? { remoteIpPrefix: r.remote_ip_prefix } : {}),
    // Only IPv4 addresses exist here, so an IPv6 rule's remote group has no members to match.
    ...(r.remote_group_id !== null ? { remoteGroupAddresses: r.ethertype === 'IPv4' ? addressesOf(r.remote_group_id) : [] } : {}),
  });

  const ports: PortPlan[] = local.map((p) => {
    const groups = new Set(memberships.filter((m) => m.port_id === p.id).map((m) => m.security_group_id));
    return {
      id: p.id,
      networkId: p.network_id,
      mac: p.mac_address,
      fixedIps: fixedIpsOf(p.id),
      deviceOwner: p.device_owner,
      deviceId: p.device_id,
      adminStateUp: toBool(p.admin_state_up),
      // Neutron never filters its own devices (router interfaces and gateways): they pass everything.
      portSecurity: toBool(p.port_security_enabled) && !p.device_owner.startsWith('network:'),
      allowedAddressPairs: parseJson<Array<{ ip_address: string; mac_address: string }>>(p.allowed_address_pairs, [])
        .map((a) => ({ ipAddress: a.ip_address, macAddress: a.mac_address })),
      rules: rules.filter((r) => groups.has(r.security_group_id)).map(rulePlan),
    };
  });

  const routerRows = await db.selectFrom('router').selectAll().where('host', '=', host).orderBy('created_at').orderBy('id').execute();
  const fips = await chunked(routerRows.map((r) => r.id), (c) => db.selectFrom('floating_ip').selectAll().where('router_id', 'in', c).where('fixed_port_id', 'is not', null).orderBy('floating_ip_address').execute());
  const routedSubnets = new Set((await chunked(routerRows.map((r) => r.id), (c) => db.selectFrom('auto_topology').select('subnet_id').where('router_id', 'in', c).execute()))
    .map((t) => t.subnet_id));
  const routers: RouterPlan[] = routerRows.map(routerFromRow).map((r) => {
    const own = local.filter((p) => p.device_id === r.id);
    const interfaces = own.filter((p) => p.device_owner === DEVICE_OWNER_ROUTER_INTF);
    const gw = own.find((p) => p.device_owner === DEVICE_OWNER_ROUTER_GW);
    return {
      id: r.id,
      adminStateUp: r.adminStateUp,
      ...(gw ? { gateway: { portId: gw.id, networkId: gw.network_id, mac: gw.mac_address, fixedIps: fixedIpsOf(gw.id), snat: r.enableSnat } } : {}),
      interfaces: interfaces.map((p) => ({ portId: p.id, networkId: p.network_id, mac: p.mac_address, fixedIps: fixedIpsOf(p.id) })),
      routes: r.routes,
      floatingIps: fips.filter((f) => f.router_id === r.id).map((f) => ({ id: f.id, floatingIp: f.floating_ip_address, fixedIp: f.fixed_ip_address!, portId: f.fixed_port_id! })),
      // Only with a gateway: the external side reaches these subnets through it.
      routed: gw ? [...new Set(interfaces.flatMap((p) => fixedIpsOf(p.id)).filter((f) => routedSubnets.has(f.subnetId)).map((f) => subnetById.get(f.subnetId)!.cidr))].sort() : [],
    };
  });

  const externalPool = await publicPool(db);
  return {
    revision, host,
    ...(self?.endpoint ? { endpoint: self.endpoint } : {}),
    networks: networkPlans, ports, routers,
    ...(externalPool ? { externalPool } : {}),
  };
}

/** The CIDR of the external network's subnet: `public`'s when it exists, else the oldest external one's. */
async function publicPool(db: Kysely<NetworkTables>): Promise<string | undefined> {
  const rows = await db.selectFrom('subnet').innerJoin('network', 'network.id', 'subnet.network_id').select(['subnet.cidr', 'network.name'])
    .where('network.external', '=', 1).orderBy('network.created_at').orderBy('subnet.created_at').execute();
  return (rows.find((r) => r.name === PUBLIC_NETWORK_NAME) ?? rows[0])?.cidr;
}
