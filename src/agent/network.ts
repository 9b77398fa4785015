/**
 * Interim networking (until Neutron): the host namespace linked to the root namespace, one namespace with
 * a bridge per network on this host, and one veth per port into the server's container. Addresses come
 * as PortSpecs; only where they come from changes when Neutron lands.
 *
 *   root ns ── fh<tag> ═ root0 ── host ns (dockerd) ── fn<net> ═ up0 ── network ns: br0 (gateway) ── fp<port> ═ ethN ── container
 *
 * Transit /30s come from 198.19.0.0/17: root links from 198.19.0.0/18 (unique on the machine), network
 * links from 198.19.64.0/18 (unique within one host namespace). Tenants cannot reach each other: a
 * network's namespace has no route to any other tenant address (198.18.0.0/16 is unreachable there), and
 * the host namespace forwards nothing a tenant starts (only replies to traffic from the root namespace).
 * Every step checks before it changes, so any pass may have half-run before.
 */
import fs from 'node:fs';
import type { Logger } from '../platform/log.js';
import type { PortSpec } from '../compute/agent-protocol.js';
import { VXLAN_PORT } from '../network/agent-protocol.js';
import { writeFileAtomic } from '../platform/files.js';
import { ip, ipBatch, ipInPid, ipJson, ipJsonInPid, run, sysctlInNamespace } from './command.js';
import { freeSlot, slotOf, transitLink, type TransitLink } from './ipv4.js';
import { KeyedMutex } from './keyed-mutex.js';
import { networkLink, networkNamespace, portLink, shortHash, type AgentLayout } from './layout.js';
import { deleteNamespace, ensureNamespace, listNamespaces } from './netns.js';
import { UNDERLAY_HOST_LINK } from './underlay.js';

const ROOT_TRANSIT = { base: '198.19.0.0', slots: 4096 };
const NETWORK_TRANSIT = { base: '198.19.64.0', slots: 4096 };
/** Every tenant network lives in here (docs/design/compute-and-images.md). */
const TENANT_POOL = '198.18.0.0/16';
const HOST_UPLINK = 'root0';
const NET_UPLINK = 'up0';
const BRIDGE = 'br0';

/** The lock of one network's plumbing, by the hash its namespace is named with. */
function netKey(hash: string): string {
  return `net:${hash}`;
}

interface IpLink { ifname: string; address?: string; link_netnsid?: number; master?: string }
interface IpAddr { ifname: string; address?: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }
interface IpRoute { dst: string; gateway?: string; dev?: string; type?: string }

/** What the plumbing of one network needs to know (every port of the network carries it). */
export type NetworkSpec = Pick<PortSpec, 'networkId' | 'cidr' | 'gateway' | 'prefixLength' | 'mtu'>;

/**
 * The host side of the firewall: tenants may answer, never start, traffic through the host namespace.
 * The machine's underlay (underlay.ts) brings only VXLAN (and ICMP, for path MTU) to the host and is
 * never a way through it.
 */
function hostFirewall(): string {
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i fn+ -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A INPUT -i fn+ -j DROP',
    `-A INPUT -i ${UNDERLAY_HOST_LINK} -p udp --dport ${VXLAN_PORT} -j ACCEPT`,
    `-A INPUT -i ${UNDERLAY_HOST_LINK} -p icmp -j ACCEPT`,
    `-A INPUT -i ${UNDERLAY_HOST_LINK} -j DROP`,
    `-A FORWARD -i ${UNDERLAY_HOST_LINK} -j DROP`,
    `-A FORWARD -o ${UNDERLAY_HOST_LINK} -j DROP`,
    `-A FORWARD -i fn+ -o ${HOST_UPLINK} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    '-A FORWARD -i fn+ -j DROP',
    'COMMIT',
    '',
  ].join('\n');
}

async function linkExists(ns: string | undefined, name: string): Promise<boolean> {
  return (await ipJson<IpLink>(ns, ['link', 'show'])).some((l) => l.ifname === name);
}

async function ipv4Of(ns: string | undefined, dev: string): Promise<string | undefined> {
  const addrs = await ipJson<IpAddr>(ns, ['-4', 'addr', 'show', 'dev', dev]).catch(() => []);
  return addrs[0]?.addr_info.find((a) => a.family === 'inet')?.local;
}

export class HostNetwork {
  readonly #layout: AgentLayout;
  readonly #log: Logger;
  readonly #lock = new KeyedMutex();
  #root: TransitLink | undefined;
  /** Networks whose plumbing was checked by this process; re-checked by `recheck()` (every minute). */
  readonly #ready = new Set<string>();

  constructor(layout: AgentLayout, logger: Logger) {
    this.#layout = layout;
    this.#log = logger.child({ component: 'network' });
  }

  /** The root-namespace end of this host's uplink (its address is where replies from servers go). */
  get rootAddress(): string | undefined { return this.#root?.a; }

  /** The host namespace, its uplink to the root namespace, forwarding and firewall. Idempotent. */
  ensureHost(): Promise<void> {
    return this.#lock.run('host', async () => {
      const { hostNamespace: hostNs, rootLink } = this.#layout;
      await ensureNamespace(hostNs);
      const link = await this.#rootTransit();
      if (!(await linkExists(undefined, rootLink))) {
        // A host link left without its root end (its pair was destroyed): make the pair afresh.
        if (await linkExists(hostNs, HOST_UPLINK)) await ip(hostNs, ['link', 'del', HOST_UPLINK]);
        await ip(undefined, ['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', HOST_UPLINK, 'netns', hostNs]);
      }
      await ipBatch(undefined, [`addr replace ${link.a}/30 dev ${rootLink}`, `link set ${rootLink} up`]);
      await ipBatch(hostNs, [`addr replace ${link.b}/30 dev ${HOST_UPLINK}`, `link set ${HOST_UPLINK} up`, `route replace default via ${link.a} dev ${HOST_UPLINK}`]);
      await sysctlInNamespace(hostNs, 'net.ipv4.ip_forward', '1');
      await run('nsenter', [`--net=/run/netns/${hostNs}`, 'iptables-restore'], hostFirewall());
      this.#root = link;
    });
  }

  /** The root link's /30: the one already configured, else the one recorded, else a free one. */
  async #rootTransit(): Promise<TransitLink> {
    const existing = await ipv4Of(undefined, this.#layout.rootLink);
    const fromLink = existing === undefined ? undefined : slotOf(ROOT_TRANSIT.base, ROOT_TRANSIT.slots, existing);
    if (fromLink !== undefined) return transitLink(ROOT_TRANSIT.base, fromLink);
    try {
      const recorded = JSON.parse(fs.readFileSync(this.#layout.transitFile, 'utf8')) as { slot: number };
      const link = transitLink(ROOT_TRANSIT.base, recorded.slot);
      if (!(await this.#rootSlotsTaken()).has(recorded.slot)) return link;
    } catch { /* none recorded yet */ }
    // Another agent on this machine may hold any slot: start at our hash and skip what is in use.
    const slot = freeSlot(parseInt(this.#layout.tag.slice(0, 6), 16) % ROOT_TRANSIT.slots, ROOT_TRANSIT.slots, await this.#rootSlotsTaken());
    writeFileAtomic(this.#layout.transitFile, `${JSON.stringify({ slot })}\n`);
    return transitLink(ROOT_TRANSIT.base, slot);
  }

  async #rootSlotsTaken(): Promise<Set<number>> {
    const taken = new Set<number>();
    for (const a of await ipJson<IpAddr>(undefined, ['-4', 'addr', 'show'])) {
      for (const info of a.addr_info) {
        const s = slotOf(ROOT_TRANSIT.base, ROOT_TRANSIT.slots, info.local);
        if (s !== undefined) taken.add(s);
      }
    }
    return taken;
  }

  /** A network's namespace, bridge, uplink and routes on this host. Idempotent; one pass per network at a time. */
  ensureNetwork(net: NetworkSpec): Promise<void> {
    return this.#lock.run(netKey(shortHash(net.networkId)), async () => {
      const root = this.#root;
      if (!root) throw new Error('host networking is not set up');
      const hostNs = this.#layout.hostNamespace;
      const ns = networkNamespace(this.#layout, net.networkId);
      const uplink = networkLink(net.networkId);
      await ensureNamespace(ns);
      let addr = await ipv4Of(hostNs, uplink);
      if (addr === undefined || !(await linkExists(ns, NET_UPLINK))) {
        if (await linkExists(hostNs, uplink)) await ip(hostNs, ['link', 'del', uplink]);
        await ip(hostNs, ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', NET_UPLINK, 'netns', ns]);
        addr = undefined;
      }
      const slot = addr !== undefined ? slotOf(NETWORK_TRANSIT.base, NETWORK_TRANSIT.slots, addr) : undefined;
      const link = transitLink(NETWORK_TRANSIT.base, slot ?? freeSlot(parseInt(shortHash(net.networkId).slice(0, 6), 16) % NETWORK_TRANSIT.slots, NETWORK_TRANSIT.slots, await this.#networkSlotsTaken()));
      if (!(await linkExists(ns, BRIDGE))) await ip(ns, ['link', 'add', BRIDGE, 'type', 'bridge']);
      await ipBatch(ns, [
        `addr replace ${link.b}/30 dev ${NET_UPLINK}`,
        `link set ${NET_UPLINK} up`,
        `addr replace ${net.gateway}/${net.prefixLength} dev ${BRIDGE}`,
        `link set ${BRIDGE} mtu ${net.mtu} up`,
        `route replace default via ${link.a} dev ${NET_UPLINK}`,
        // Other tenants' networks are unreachable from here, whichever host they are on.
        `route replace unreachable ${TENANT_POOL}`,
      ]);
      await sysctlInNamespace(ns, 'net.ipv4.ip_forward', '1');
      await ipBatch(hostNs, [`addr replace ${link.a}/30 dev ${uplink}`, `link set ${uplink} up`, `route replace ${net.cidr} via ${link.b} dev ${uplink}`]);
      await ip(undefined, ['route', 'replace', net.cidr, 'via', root.b, 'dev', this.#layout.rootLink]);
      this.#ready.add(net.networkId);
    });
  }

  /** Checks every network this process plumbed again (someone may have deleted a namespace or route). */
  async recheck(nets: Iterable<NetworkSpec>): Promise<void> {
    this.#ready.clear();
    for (const n of nets) await this.ensureNetwork(n);
  }

  async #networkSlotsTaken(): Promise<Set<number>> {
    const taken = new Set<number>();
    for (const a of await ipJson<IpAddr>(this.#layout.hostNamespace, ['-4', 'addr', 'show'])) {
      for (const info of a.addr_info) {
        const s = slotOf(NETWORK_TRANSIT.base, NETWORK_TRANSIT.slots, info.local);
        if (s !== undefined) taken.add(s);
      }
    }
    return taken;
  }

  /**
   * Plugs a server's ports into the container whose init has this pid: a veth from the network's bridge
   * into the container's namespace as ethN, with the port's MAC and address, default route via the first
   * port's gateway. Ports already there (same MAC and address) are left alone, so this is cheap to repeat.
   * Only interim ports are plugged here (Neutron's go through src/agent/netplane); each keeps the ethN
   * of its place in the server's whole list.
   */
  async plugPorts(pid: number, ports: readonly PortSpec[], fresh = false): Promise<void> {
    if (ports.every((p) => p.source === 'neutron')) return;
    // A container this pass just started has nothing plugged yet: no need to look.
    const inside = fresh ? [] : await ipJsonInPid<IpAddr>(pid, ['addr', 'show']);
    for (const [i, port] of ports.entries()) {
      if (port.source === 'neutron') continue;
      const have = inside.find((l) => l.address?.toLowerCase() === port.mac.toLowerCase());
      if (have?.addr_info.some((a) => a.local === port.ip && a.prefixlen === port.prefixLength)) continue;
      if (!this.#ready.has(port.networkId)) await this.ensureNetwork(port);
      const ns = networkNamespace(this.#layout, port.networkId);
      const outer = portLink(port.id);
      const name = have?.ifname ?? `eth${i}`;
      if (!have) {
        // One `ip` for the bridge side. A bridge end left from an earlier container of this server would
        // hold the name, so it goes first; -force carries on when there is none, and a failed add shows
        // below, where the container side cannot find its end.
        await run('ip', ['-n', ns, '-force', '-batch', '-'], [
          `link del ${outer}`,
          `link add ${outer} mtu ${port.mtu} type veth peer name ${name} netns ${pid}`,
          `link set ${outer} master ${BRIDGE} up`,
        ].join('\n') + '\n').catch(() => { /* -force reports the expected failure of the first line */ });
      }
      await ipInPid(pid, [
        `link set ${name} address ${port.mac} mtu ${port.mtu}`,
        `addr replace ${port.ip}/${port.prefixLength} dev ${name}`,
        `link set ${name} up`,
        ...(i === 0 ? [`route replace default via ${port.gateway} dev ${name}`] : []),
      ]);
    }
  }

  /**
   * Removes the namespaces (and so every veth and bridge) of networks no server on this host uses any
   * more, and the root namespace's routes to them. `keep` maps the network ids still in use to their CIDR.
   */
  async removeUnusedNetworks(keep: ReadonlyMap<string, string>): Promise<string[]> {
    const wanted = new Set([...keep.keys()].map((id) => networkNamespace(this.#layout, id)));
    const removed: string[] = [];
    for (const ns of listNamespaces()) {
      if (!ns.startsWith(this.#layout.networkNamespacePrefix) || wanted.has(ns)) continue;
      const hash = ns.slice(this.#layout.networkNamespacePrefix.length);
      await this.#lock.run(netKey(hash), () => deleteNamespace(ns));
      for (const id of this.#ready) if (shortHash(id) === hash) this.#ready.delete(id);
      removed.push(ns);
    }
    const cidrs = new Set(keep.values());
    if (await linkExists(undefined, this.#layout.rootLink)) {
      for (const r of await ipJson<IpRoute>(undefined, ['-4', 'route', 'show', 'dev', this.#layout.rootLink])) {
        if (r.gateway && r.dst !== 'default' && !cidrs.has(r.dst)) await ip(undefined, ['route', 'del', r.dst, 'dev', this.#layout.rootLink]).catch(() => {});
      }
    }
    if (removed.length > 0) this.#log.info({ removed }, 'removed unused network namespaces');
    return removed;
  }

  /** Removes everything this host made: every namespace of its networks, the host namespace, the root link. */
  async destroy(): Promise<void> {
    for (const ns of listNamespaces()) if (ns.startsWith(this.#layout.networkNamespacePrefix)) await deleteNamespace(ns);
    await deleteNamespace(this.#layout.hostNamespace);
    this.#ready.clear();
    if (await linkExists(undefined, this.#layout.rootLink)) await ip(undefined, ['link', 'del', this.#layout.rootLink]).catch(() => {});
    this.#root = undefined;
  }
}
