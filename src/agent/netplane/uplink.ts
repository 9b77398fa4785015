/**
 * The root namespace's way to the external network, and the only change the data plane makes there:
 *
 *   root ns: fx<tag> 169.254.a.b/30 ═ rt0 169.254.a.b+1/30 (external segment ns, forwarding on)
 *            route <externalPool> via rt0's address, and a /32 per router gateway address and floating IP
 *            hosted here, and each routed subnet of a router hosted here, all on fx<tag> with this
 *            agent's metric
 *   external segment ns: br0 holds the external subnet's gateway (the routers' default route);
 *            each routed subnet (get-me-a-network's, in the external address scope) via its router's
 *            gateway address, proto static
 *
 * So `ssh root@<floating ip>` from the machine goes fx → external segment → the router's gateway leg,
 * where the router DNATs it to the server; the reply returns along the same path (the router's default
 * route is the external bridge, which reaches the root's /30 directly). The transit /30 is link-local
 * (169.254.64.0/18, clear of 169.254.169.254's /24): it never leaves the machine, and the 198.19.0.0/16
 * transit pools of src/agent/network.ts stay untouched. The /30 is chosen once (free on the machine, from
 * the tag's hash on) and read back from the link afterwards.
 *
 * Several agents on one machine each have their own external segment: the pool route of each carries a
 * metric from its tag (they do not replace each other), and the /32s send each floating IP to the host
 * whose router holds it. Nothing is forwarded by the root namespace itself (Docker's FORWARD DROP stays).
 */
import { ip, ipBatch, ipJson } from '../command.js';
import { freeSlot, slotOf, transitLink } from '../ipv4.js';
import type { AgentLayout } from '../layout.js';
import { cidr, cidrText, ipv4 } from './addresses.js';
import { ipBatchForce, type LinkState, type RouteEntry } from './kernel.js';
import { BRIDGE, UPLINK_PEER, uplinkLink } from './names.js';

export const UPLINK_TRANSIT = { base: '169.254.64.0', slots: 4096 } as const;

/** This agent's route metric on its uplink (distinct per tag, so agents' pool routes coexist). */
export function uplinkMetric(layout: AgentLayout): number {
  return 3000 + (parseInt(layout.tag.slice(0, 4), 16) % 4000);
}

export interface UplinkWant {
  /** The external segment's namespace. */
  ns: string;
  pool: string;
  /** Router gateway addresses and floating IPs hosted here (routed as /32s). */
  addresses: readonly string[];
  /** Subnets routed without NAT through a router hosted here: `via` is that router's gateway address. */
  routed: ReadonlyArray<{ cidr: string; via: string }>;
}

async function links(ns: string | undefined, dev: string): Promise<LinkState[]> {
  return ipJson<LinkState>(ns, ['addr', 'show', 'dev', dev]).catch(() => []);
}

async function takenSlots(): Promise<Set<number>> {
  const taken = new Set<number>();
  for (const l of await ipJson<LinkState>(undefined, ['-4', 'addr', 'show'])) {
    for (const a of l.addr_info) {
      const s = slotOf(UPLINK_TRANSIT.base, UPLINK_TRANSIT.slots, a.local);
      if (s !== undefined) taken.add(s);
    }
  }
  return taken;
}

/** Builds or fixes the uplink; with `want` undefined, removes it. */
export async function applyUplink(layout: AgentLayout, want: UplinkWant | undefined): Promise<void> {
  const fx = uplinkLink(layout);
  let root = (await links(undefined, fx))[0];
  if (want === undefined) {
    if (root) await ip(undefined, ['link', 'del', fx]).catch(() => { /* gone meanwhile */ });
    return;
  }
  const peer = (await links(want.ns, UPLINK_PEER))[0];
  if (!root || !peer) {
    await ipBatchForce(undefined, [`link del ${fx}`]);
    await ipBatchForce(want.ns, [`link del ${UPLINK_PEER}`]);
    await ip(undefined, ['link', 'add', fx, 'type', 'veth', 'peer', 'name', UPLINK_PEER, 'netns', want.ns]);
    root = undefined;
  }
  const have = root?.addr_info.find((a) => a.family === 'inet');
  const haveSlot = have === undefined ? undefined : slotOf(UPLINK_TRANSIT.base, UPLINK_TRANSIT.slots, have.local);
  const slot = haveSlot ?? freeSlot(parseInt(layout.tag.slice(0, 6), 16) % UPLINK_TRANSIT.slots, UPLINK_TRANSIT.slots, await takenSlots());
  const link = transitLink(UPLINK_TRANSIT.base, slot);
  const metric = uplinkMetric(layout);
  const routes = new Map<string, string>();
  for (const dst of [cidrText(cidr(want.pool)), ...want.addresses.map((a) => cidrText(cidr(`${a}/32`))), ...want.routed.map((r) => cidrText(cidr(r.cidr)))]) {
    routes.set(dst, `route replace ${dst} via ${link.b} dev ${fx} metric ${metric}`);
  }
  const lines = [`addr replace ${link.a}/30 dev ${fx}`, `link set ${fx} up`];
  if (root) {
    for (const r of await ipJson<RouteEntry>(undefined, ['-4', 'route', 'show', 'dev', fx])) {
      if (r.protocol === 'kernel') continue;
      const key = cidrText(cidr(r.dst === 'default' ? '0.0.0.0/0' : r.dst));
      if (!routes.has(key) || r.metric !== metric) lines.push(`route del ${key} dev ${fx}${r.metric === undefined ? '' : ` metric ${r.metric}`}`);
    }
  }
  await ipBatch(want.ns, [`addr replace ${link.b}/30 dev ${UPLINK_PEER}`, `link set ${UPLINK_PEER} up`]);
  await ipBatch(undefined, [...lines, ...routes.values()]);
  await applyRoutedSubnets(want.ns, want.routed);
}

/**
 * The external segment's routes to routed subnets, through their routers' gateways (on br0's subnet).
 * Ours carry proto static there; one the plan no longer names goes.
 */
async function applyRoutedSubnets(ns: string, routed: UplinkWant['routed']): Promise<void> {
  const wanted = new Map(routed.map((r) => [cidrText(cidr(r.cidr)), `route replace ${cidrText(cidr(r.cidr))} via ${ipv4(r.via)} dev ${BRIDGE} proto static`]));
  const lines: string[] = [];
  for (const r of await ipJson<RouteEntry>(ns, ['-4', 'route', 'show', 'proto', 'static'])) {
    const key = cidrText(cidr(r.dst === 'default' ? '0.0.0.0/0' : r.dst));
    if (!wanted.has(key) || r.gateway === undefined) lines.push(`route del ${key} proto static`);
  }
  await ipBatch(ns, [...lines, ...wanted.values()]);
}
