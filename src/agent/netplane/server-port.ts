/**
 * A server's port: a veth from its network's bridge (fp<port>) into the server's network namespace (found
 * by the pid of a process in it), configured there as decision 0010 says: the port's MAC and MTU, every
 * fixed IP with its prefix, a default route via the gateway, the subnet's host routes, and an on-link
 * route to the metadata address. Doing it again changes nothing that is already right.
 */
import type { NetworkPlan, PortPlan } from '../../network/agent-protocol.js';
import { ipBatch, ipInPid, ipJson, ipJsonInPid, run } from '../command.js';
import { cidr, cidrText, ipv4, mac } from './addresses.js';
import { ipv4Addrs, type LinkState } from './kernel.js';
import { BRIDGE, bridgePortLink } from './names.js';

const METADATA = '169.254.169.254';
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export interface PlugRequest {
  /** The segment's namespace. */
  ns: string;
  port: PortPlan;
  network: NetworkPlan;
  pid: number;
  ifname: string;
  /** Whether this port carries the server's default route (its first port does). */
  defaultRoute: boolean;
  /** Nothing was plugged into the server's namespace yet (PlugOptions.fresh): skip looking first. */
  fresh?: boolean;
}

export async function plugServerPort(req: PlugRequest): Promise<void> {
  const { ns, port, network, pid, ifname } = req;
  if (!IFNAME.test(ifname)) throw new Error(`bad interface name ${JSON.stringify(ifname)}`);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad pid ${pid}`);
  const outer = bridgePortLink(port.id);
  const m = mac(port.mac);
  const mtu = network.mtu;
  const pair = [
    `link add ${outer} mtu ${mtu} type veth peer name ${ifname} netns ${pid}`,
    `link set ${outer} master ${BRIDGE} ${port.adminStateUp ? 'up' : 'down'}`,
  ];
  // A fresh namespace has neither end: make the pair straight away (two processes in all instead of
  // four, which counts when several servers boot at once). If that fails, something was there after
  // all, and the careful way below looks and cleans up.
  const madeFresh = req.fresh === true && await run('ip', ['-n', ns, '-batch', '-'], `${pair.join('\n')}\n`).then(() => true, () => false);
  const inside = madeFresh ? undefined : (await ipJsonInPid<LinkState>(pid, ['addr', 'show'])).find((l) => l.ifname === ifname);
  const bridged = madeFresh ? undefined : (await ipJson<LinkState>(ns, ['link', 'show', 'dev', outer]).catch(() => []))[0];
  let have = inside;
  if (madeFresh) {
    have = undefined;
  } else if (!inside || !bridged) {
    // Half a pair is no use: the server's end (with no bridge end) and a bridge end left from an earlier
    // container of this server go, then the pair is made afresh.
    if (inside) await ipInPid(pid, [`link del ${ifname}`]);
    await run('ip', ['-n', ns, '-force', '-batch', '-'], [`link del ${outer}`, ...pair].join('\n') + '\n').catch(() => { /* -force reports the expected failure of the first line; the next look tells */ });
    have = undefined;
  } else if (bridged.master !== BRIDGE || (bridged.flags?.includes('UP') ?? false) !== port.adminStateUp) {
    // A pair made by a pass cut short between its two lines.
    await ipBatch(ns, [pair[1]!]);
  }
  const lines: string[] = [];
  if (have?.address?.toLowerCase() !== m || have.mtu !== mtu) {
    if (have) lines.push(`link set ${ifname} down`);
    lines.push(`link set ${ifname} address ${m} mtu ${mtu}`);
  }
  lines.push(`link set ${ifname} up`);
  const want = new Set(port.fixedIps.map((f) => `${ipv4(f.address)}/${f.prefixLength}`));
  const haveAddrs = new Set(ipv4Addrs(have).map((a) => `${a.local}/${a.prefixlen}`));
  for (const a of haveAddrs) if (!want.has(a)) lines.push(`addr del ${a} dev ${ifname}`);
  for (const a of want) if (!haveAddrs.has(a)) lines.push(`addr replace ${a} dev ${ifname}`);
  const primary = port.fixedIps.find((f) => f.gateway !== undefined);
  if (req.defaultRoute && primary?.gateway) lines.push(`route replace default via ${ipv4(primary.gateway)} dev ${ifname}`);
  for (const f of port.fixedIps) {
    for (const r of network.subnets.find((s) => s.id === f.subnetId)?.hostRoutes ?? []) {
      lines.push(`route replace ${cidrText(cidr(r.destination))} via ${ipv4(r.nexthop)} dev ${ifname}`);
    }
  }
  lines.push(`route replace ${METADATA}/32 dev ${ifname} scope link`);
  await ipInPid(pid, lines);
}
