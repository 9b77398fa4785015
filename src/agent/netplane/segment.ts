/**
 * One network's L2 segment on this host: a namespace with bridge br0; with a VNI, a VXLAN device made in
 * the host namespace (so its UDP socket is bound to the host's VTEP there), moved into the segment and
 * enslaved to the bridge, with a flood entry per remote VTEP and a static entry per remote port's MAC;
 * and the segment's nftables tables (firewall.ts). The external segment also holds its subnets' gateway
 * addresses on br0 and forwards between them and the root namespace's uplink (uplink.ts).
 *
 * Every step compares what one `ip -d -j addr show` observed with the plan and changes only what differs,
 * so a pass after a SIGKILL, a hand-deleted namespace or a reboot converges.
 */
import type { NetworkPlan, PortPlan } from '../../network/agent-protocol.js';
import { VXLAN_PORT } from '../../network/agent-protocol.js';
import { ip, ipBatch } from '../command.js';
import { cidr, ipv4, mac } from './addresses.js';
import { renderSegmentFirewall } from './firewall.js';
import { SYSCTL, bridgeBatch, byName, ensureNamespace, fdb, ipBatchForce, ipv4Addrs, nftWithSysctls, observe } from './kernel.js';
import { BRIDGE, METADATA_ADDRESS, UPLINK_PEER, bridgeMac, vxlanLink } from './names.js';

const FLOOD_MAC = '00:00:00:00:00:00';

export interface SegmentWant {
  ns: string;
  network: NetworkPlan;
  /** The host namespace, where VXLAN devices are made. */
  hostNs: string;
  /** This host's VTEP address (needed when the network has a VNI). */
  endpoint: string | undefined;
  /** Bridge-port links (fp…) that may exist here, with whether they should be up. */
  links: ReadonlyMap<string, { up: boolean }>;
  /** The plan's ports on this network (those with port security get filtered). */
  ports: readonly PortPlan[];
  /** Whether this segment holds the root namespace's uplink (rt0). */
  uplink: boolean;
  /**
   * Whether this segment answers metadata (servers are plugged here): br0 then holds 169.254.169.254/32
   * for the proxy to bind (metadata-proxy.ts) and, on a tenant segment, which has no address of its own
   * subnets, an on-link default route from that address for the answers. Deleting the address takes the
   * route with it (the kernel drops routes whose source address goes).
   */
  metadata: boolean;
}

export interface SegmentResult {
  /** Bridge-port links present and enslaved after the pass. */
  present: Set<string>;
  /** Per-port problems (rules that could not be rendered). */
  errors: Array<{ id: string; message: string }>;
  /** Whether the pass made the namespace (it was missing: whatever lived in one of that name is gone). */
  made: boolean;
}

const isUp = (flags: readonly string[] | undefined): boolean => flags?.includes('UP') ?? false;

/**
 * Which parts of a segment a pass looks at: `links` (the namespace, the bridge and its addresses, the
 * bridge ports and the VXLAN device), `fdb` (the tunnel's forwarding entries) and `firewall` (the
 * nftables tables). A pass that leaves `links` out keeps `previous.present` (the caller knows nothing
 * changed there but ports it plugs itself); one that leaves out the others trusts they are as applied.
 */
export interface SegmentParts { links: boolean; fdb: boolean; firewall: boolean }

export const ALL_PARTS: SegmentParts = { links: true, fdb: true, firewall: true };

/** How a pass holds the segment: the links part excludes plugs, the rest may run alongside them. */
export interface SegmentLocks {
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  shared: <T>(fn: () => Promise<T>) => Promise<T>;
}

const NO_LOCKS: SegmentLocks = { exclusive: (fn) => fn(), shared: (fn) => fn() };

export async function applySegment(want: SegmentWant, parts: SegmentParts = ALL_PARTS, previous?: SegmentResult, locks: SegmentLocks = NO_LOCKS): Promise<SegmentResult> {
  const { ns, network } = want;
  const vx = network.vni === undefined ? undefined : vxlanLink(network.vni);
  let present: Set<string>;
  let made = false;
  let tunnelMade = false;
  if (parts.links || !previous) {
    ({ present, made, tunnelMade } = await locks.exclusive(() => applyLinksSettled(want)));
  } else {
    present = previous.present;
  }
  let errors = previous?.errors ?? [];
  await locks.shared(async () => {
    // A VXLAN device made now has no forwarding entries yet.
    if (vx !== undefined && (parts.fdb || made || tunnelMade || !previous)) await programFdb(ns, vx, network, want.endpoint);
    if (parts.firewall || made || !previous) {
      const fw = renderSegmentFirewall(want.ports, vx);
      await nftWithSysctls(ns, [[SYSCTL.bridgeCallIptables, '1'], [SYSCTL.forward, network.external ? '1' : '0']], fw.script);
      errors = fw.errors;
    }
  });
  return { present, errors, made };
}

/**
 * applyLinks, looked at again once when a link it makes already exists: the `ip` of a pass that was
 * interrupted (a SIGKILLed agent's children outlive it) may still be making it. Seen in the data
 * plane's SIGKILL test, on the pass right after the kill, three runs in three on a kernel 6.18 host: "A
 * VXLAN device with the specified VNI already exists"; with the second look, none. The second look
 * finds the device (right, or to replace); its forwarding entries are programmed as for a new one, and
 * the namespace counts as made (the first look may have made it before it failed).
 */
async function applyLinksSettled(want: SegmentWant): Promise<{ present: Set<string>; made: boolean; tunnelMade: boolean }> {
  try {
    return await applyLinks(want);
  } catch (err) {
    if (!/already exists|File exists/i.test((err as Error).message)) throw err;
    await new Promise((r) => setTimeout(r, 250));
    const again = await applyLinks(want);
    return { present: again.present, made: true, tunnelMade: want.network.vni !== undefined };
  }
}

async function applyLinks(want: SegmentWant): Promise<{ present: Set<string>; made: boolean; tunnelMade: boolean }> {
  const { ns, network } = want;
  const mtu = network.mtu;
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) throw new Error(`bad MTU ${mtu}`);
  const made = await ensureNamespace(ns);
  const links = byName(await observe(ns));
  const lines: string[] = [];
  const br = links.get(BRIDGE);
  const brMac = bridgeMac(network.id);
  if (!br) lines.push(`link add ${BRIDGE} address ${brMac} mtu ${mtu} type bridge`);
  else if (br.address?.toLowerCase() !== brMac) lines.push(`link set ${BRIDGE} address ${brMac}`);
  if (!br || br.mtu !== mtu || !isUp(br.flags)) lines.push(`link set ${BRIDGE} mtu ${mtu} up`);

  // The external segment's bridge holds its subnets' gateways: routers' default route and the root
  // namespace's next hop. Tenant bridges hold no address (the routers have their gateways).
  const wantAddrs = new Set(network.external ? network.subnets.filter((s) => s.gateway).map((s) => `${ipv4(s.gateway!)}/${cidr(s.cidr).prefix}`) : []);
  if (want.metadata) wantAddrs.add(`${METADATA_ADDRESS}/32`);
  const haveAddrs = new Set(ipv4Addrs(br).map((a) => `${a.local}/${a.prefixlen}`));
  for (const a of haveAddrs) if (!wantAddrs.has(a)) lines.push(`addr del ${a} dev ${BRIDGE}`);
  for (const a of wantAddrs) if (!haveAddrs.has(a)) lines.push(`addr replace ${a} dev ${BRIDGE}`);
  // The external segment reaches its servers through its subnets' routes; a tenant segment has none.
  if (want.metadata && !network.external) lines.push(`route replace default dev ${BRIDGE} scope link src ${METADATA_ADDRESS}`);

  const vx = network.vni === undefined ? undefined : vxlanLink(network.vni);
  for (const l of links.values()) {
    const stale = (l.ifname.startsWith('fp') && !want.links.has(l.ifname))
      || (l.ifname.startsWith('vx') && l.ifname !== vx)
      || (l.ifname === UPLINK_PEER && !want.uplink);
    if (stale) lines.push(`link del ${l.ifname}`);
  }
  const present = new Set<string>();
  for (const [name, { up }] of want.links) {
    const l = links.get(name);
    if (!l) continue;
    if (l.master !== BRIDGE) lines.push(`link set ${name} master ${BRIDGE}`);
    if (l.mtu !== mtu) lines.push(`link set ${name} mtu ${mtu}`);
    if (isUp(l.flags) !== up) lines.push(`link set ${name} ${up ? 'up' : 'down'}`);
    present.add(name);
  }

  let vxReady = false;
  if (vx !== undefined) {
    const l = links.get(vx);
    const d = l?.linkinfo?.info_data;
    const right = l !== undefined && l.linkinfo?.info_kind === 'vxlan' && d !== undefined && d.id === network.vni && d.local === want.endpoint && d.port === VXLAN_PORT && d.learning === false;
    if (l && !right) lines.push(`link del ${vx}`);
    if (right) {
      if (l.master !== BRIDGE) lines.push(`link set ${vx} master ${BRIDGE}`);
      if (l.mtu !== mtu || !isUp(l.flags)) lines.push(`link set ${vx} mtu ${mtu} up`);
      vxReady = true;
    }
  }
  await ipBatch(ns, lines);

  if (vx !== undefined && !vxReady) {
    if (want.endpoint === undefined) throw new Error('no tunnel endpoint registered for this host: the segment has no VXLAN');
    ipv4(want.endpoint);
    // Made in the host namespace, whose VTEP address its socket binds to, then moved. A device of that
    // name left there by an interrupted pass goes first.
    await ipBatchForce(want.hostNs, [`link del ${vx}`]);
    await ipBatch(want.hostNs, [
      `link add ${vx} mtu ${mtu} type vxlan id ${network.vni} local ${want.endpoint} dstport ${VXLAN_PORT} nolearning`,
      `link set ${vx} netns ${ns}`,
    ]);
    await ipBatch(ns, [`link set ${vx} master ${BRIDGE} mtu ${mtu} up`]);
  }
  return { present, made, tunnelMade: vx !== undefined && !vxReady };
}

/** Head-end replication to every remote VTEP, and each remote port's MAC pinned to its VTEP. */
async function programFdb(ns: string, vx: string, network: NetworkPlan, self: string | undefined): Promise<void> {
  const flood = new Set(network.remoteEndpoints.map(ipv4).filter((e) => e !== self));
  const unicast = new Map(network.remotePorts.filter((p) => p.endpoint !== self).map((p) => [mac(p.mac), ipv4(p.endpoint)]));
  const lines: string[] = [];
  const seenFlood = new Set<string>();
  const seenUnicast = new Map<string, string>();
  for (const e of await fdb(ns, vx)) {
    if (e.dst === undefined) continue; // the bridge's own entries, not the tunnel's
    const m = e.mac.toLowerCase();
    if (m === FLOOD_MAC) {
      if (flood.has(e.dst)) seenFlood.add(e.dst);
      else lines.push(`fdb del ${FLOOD_MAC} dev ${vx} dst ${e.dst} self`);
    } else if (unicast.get(m) === e.dst) {
      seenUnicast.set(m, e.dst);
    } else if (!unicast.has(m)) {
      lines.push(`fdb del ${m} dev ${vx} dst ${e.dst} self`);
    }
  }
  for (const dst of flood) if (!seenFlood.has(dst)) lines.push(`fdb append ${FLOOD_MAC} dev ${vx} dst ${dst} self permanent`);
  for (const [m, dst] of unicast) if (seenUnicast.get(m) !== dst) lines.push(`fdb replace ${m} dev ${vx} dst ${dst} self permanent`);
  await bridgeBatch(ns, lines);
}

/** Removes a bridge port (and with it the veth's other end, in a server or a router). */
export async function removeBridgePort(ns: string, link: string): Promise<void> {
  await ip(ns, ['link', 'del', link]).catch(() => { /* already gone */ });
}
