/**
 * A router on this host: a namespace with a veth leg into each attached network's segment (qr… inside,
 * fp… on the segment's bridge) holding the subnet's gateway address and the port's MAC, a gateway leg
 * (qg…) into the external segment holding the gateway's address and every floating IP (so the external
 * segment finds them by ARP), a default route via the external subnet's gateway, the static routes, IP
 * forwarding, and its NAT table (router-nat.ts).
 */
import type { FixedIp, NetworkPlan, RouterPlan } from '../../network/agent-protocol.js';
import { ipBatch, ipJson } from '../command.js';
import { cidr, cidrText, ipv4, mac } from './addresses.js';
import { SYSCTL, byName, ensureNamespace, ipBatchForce, ipv4Addrs, namespaces, nftWithSysctls, observe, type RouteEntry } from './kernel.js';
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
  await nftWithSysctls(ns, [[SYSCTL.forward, '1']], renderRouterNat(router));
}
