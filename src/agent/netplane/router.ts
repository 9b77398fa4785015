/**
 * A router on this host: a namespace with a veth leg into each attached network's segment (qr… inside,
 * fp… on the segment's bridge) holding the subnet's gateway address and the port's MAC, a gateway leg
 * (qg…) into the external segment holding the gateway's address and every floating IP (so the external
 * segment finds them by ARP), a default route via the external subnet's gateway, the static routes, IP
 * forwarding, and its NAT table (router-nat.ts).
 */
import type { FixedIp, NetworkPlan, RouterPlan } from '../../network/agent-protocol.js';
import { ipBatch, ipJson, run } from '../command.js';
import { cidr, cidrText, ipv4, mac } from './addresses.js';
import { SYSCTL, byName, ensureNamespace, ipBatchForce, ipv4Addrs, namespaces, neighbourTiming, nftWithSysctls, observe, type RouteEntry } from './kernel.js';
import { BRIDGE, bridgePortLink, routerGatewayLink, routerInterfaceLink } from './names.js';
import { renderRouterNat } from './router-nat.js';

export interface RouterLeg {
  portId: string;
  networkId: string;
  mac: string;
  fixedIps: FixedIp[];
  /** The link's name inside the router. */
  inner: string;
  /** Extra /32s the leg holds (floating IPs on the gateway). */
  extra: string[];
}

/** The legs of a router, interfaces and gateway, with their names. */
export function routerLegs(router: RouterPlan): RouterLeg[] {
  const legs: RouterLeg[] = router.interfaces.map((i) => ({ ...i, inner: routerInterfaceLink(i.portId), extra: [] }));
  if (router.gateway) {
    legs.push({ ...router.gateway, inner: routerGatewayLink(router.gateway.portId), extra: router.floatingIps.map((f) => `${ipv4(f.floatingIp)}/32`) });
  }
  return legs;
}

/** Destination as `ip route` prints it ("default", a bare address for /32s), for comparing. */
function routeKey(dst: string): string {
  return cidrText(cidr(dst === 'default' ? '0.0.0.0/0' : dst));
}

export async function applyRouter(ns: string, router: RouterPlan, segmentNs: (networkId: string) => string, networks: ReadonlyMap<string, NetworkPlan>): Promise<void> {
  await ensureNamespace(ns);
  const links = byName(await observe(ns));
  // Floating IPs the gateway leg holds now, as the kernel shows them: the connections tracked to those the
  // plan adds or drops are flushed (see flushConntrack).
  const gwLeg0 = router.gateway ? links.get(routerGatewayLink(router.gateway.portId)) : undefined;
  const gwAddresses = new Set(router.gateway?.fixedIps.map((f) => ipv4(f.address)) ?? []);
  const heldFips = new Set(ipv4Addrs(gwLeg0).filter((a) => a.prefixlen === 32 && !gwAddresses.has(a.local)).map((a) => a.local));
  const wantedFips = new Set(router.floatingIps.map((f) => ipv4(f.floatingIp)));
  const changedFips = [...[...heldFips].filter((a) => !wantedFips.has(a)), ...[...wantedFips].filter((a) => !heldFips.has(a))];
  // The NAT table first, then the flush, then the addresses: a floating IP appears on the gateway leg only
  // once its DNAT is in place and no connection tracked before it stands in the way, so the router never
  // answers for the server (the table's rules name links; they need not exist yet).
  await nftWithSysctls(ns, [[SYSCTL.forward, '1']], renderRouterNat(router));
  await flushConntrack(ns, changedFips);
  const legs = routerLegs(router);
  const up = router.adminStateUp ? 'up' : 'down';
  const lines: string[] = [];
  const wanted = new Set(legs.map((l) => l.inner));
  for (const name of links.keys()) if ((name.startsWith('qr') || name.startsWith('qg')) && !wanted.has(name)) lines.push(`link del ${name}`);
  for (const leg of legs) {
    const net = networks.get(leg.networkId);
    const seg = segmentNs(leg.networkId);
    if (!net || !namespaces().has(seg)) throw new Error(`network ${leg.networkId} of port ${leg.portId} has no segment on this host`);
    const have = links.get(leg.inner);
    const m = mac(leg.mac);
    if (!have) {
      // A bridge end left by an interrupted pass holds the name: it goes first.
      const outer = bridgePortLink(leg.portId);
      await ipBatchForce(seg, [`link del ${outer}`]);
      await ipBatch(seg, [`link add ${outer} mtu ${net.mtu} type veth peer name ${leg.inner} netns ${ns}`, `link set ${outer} master ${BRIDGE} up`]);
      lines.push(`link set ${leg.inner} address ${m} mtu ${net.mtu}`);
    } else if (have.address?.toLowerCase() !== m || have.mtu !== net.mtu) {
      lines.push(`link set ${leg.inner} down`, `link set ${leg.inner} address ${m} mtu ${net.mtu}`);
    }
    lines.push(`link set ${leg.inner} ${up}`);
    const want = new Set([...leg.fixedIps.map((f) => `${ipv4(f.address)}/${f.prefixLength}`), ...leg.extra]);
    const haveAddrs = new Set(ipv4Addrs(have).map((a) => `${a.local}/${a.prefixlen}`));
    for (const a of haveAddrs) if (!want.has(a)) lines.push(`addr del ${a} dev ${leg.inner}`);
    for (const a of want) if (!haveAddrs.has(a)) lines.push(`addr replace ${a} dev ${leg.inner}`);
  }
  await ipBatch(ns, lines);
  // Servers boot behind the interface legs while the first packets for them arrive.
  await neighbourTiming(ns, 'qr');

  // Routes after addresses (a next hop must be on a connected subnet). Ours carry proto static, so
  // anything else with that mark is a route the plan dropped.
  const routes = new Map<string, string>();
  const gwLeg = router.gateway ? legs.find((l) => l.portId === router.gateway!.portId) : undefined;
  const nextHop = router.gateway?.fixedIps.find((f) => f.gateway)?.gateway;
  if (gwLeg && nextHop) routes.set('0.0.0.0/0', `route replace default via ${ipv4(nextHop)} dev ${gwLeg.inner} proto static`);
  for (const r of router.routes) routes.set(cidrText(cidr(r.destination)), `route replace ${cidrText(cidr(r.destination))} via ${ipv4(r.nexthop)} proto static`);
  const routeLines: string[] = [];
  for (const r of await ipJson<RouteEntry>(ns, ['-4', 'route', 'show', 'proto', 'static'])) {
    if (!routes.has(routeKey(r.dst))) routeLines.push(`route del ${routeKey(r.dst)} proto static`);
  }
  routeLines.push(...routes.values());
  await ipBatch(ns, routeLines);
  // Again once a dropped floating IP's address is gone: the router answered it locally meanwhile.
  await flushConntrack(ns, changedFips);
}

/**
 * Forgets the tracked connections to and from floating IPs whose association changed, as Neutron's L3
 * agent does: NAT is decided on a connection's first packet, so without this a flow that reached the
 * address before its association (a ping already running) stays un-NATed and is answered by the router
 * itself, and one DNATed to a server keeps reaching it after the disassociation. Needs Debian's
 * `conntrack`; "no entry deleted" is an exit status of 1, and a missing tool costs only the flush.
 */
async function flushConntrack(ns: string, addresses: readonly string[]): Promise<void> {
  for (const a of addresses) {
    for (const dir of ['--orig-dst', '--reply-dst']) {
      await run('nsenter', [`--net=/run/netns/${ns}`, 'conntrack', '-D', dir, a]).catch(() => { /* none, or no tool */ });
    }
  }
}
