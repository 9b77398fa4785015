/**
 * The few ways the data plane looks at and changes the kernel, each one process: `ip -d -j addr show`
 * to observe a namespace whole, `ip -batch` and `bridge -batch` to change it, and one `nft -f` (with the
 * namespace's sysctls written just before, by the same shell) to replace its tables.
 */
import fs from 'node:fs';
import { ip, ipJson, run } from '../command.js';

export interface AddrInfo { family: string; local: string; prefixlen: number; scope?: string }
/** One interface as `ip -d -j addr show` describes it (the fields the data plane reads). */
export interface LinkState {
  ifname: string;
  address?: string;
  mtu: number;
  master?: string;
  operstate?: string;
  flags?: string[];
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; learning?: boolean } };
  addr_info: AddrInfo[];
}

export interface FdbEntry { mac: string; dst?: string; flags?: string[]; state?: string; master?: string }
export interface RouteEntry { dst: string; gateway?: string; dev?: string; protocol?: string; metric?: number; scope?: string; type?: string }

export function namespaces(): Set<string> {
  try { return new Set(fs.readdirSync('/run/netns')); } catch { return new Set(); }
}

/** Makes the namespace (loopback up) unless it exists; true when it was made now. */
export async function ensureNamespace(name: string): Promise<boolean> {
  if (namespaces().has(name)) return false;
  try {
    await ip(undefined, ['netns', 'add', name]);
  } catch (err) {
    if (!namespaces().has(name)) throw err;
    return false;
  }
  await ip(name, ['link', 'set', 'lo', 'up']);
  return true;
}

export async function deleteNamespace(name: string): Promise<void> {
  if (!namespaces().has(name)) return;
  try { await ip(undefined, ['netns', 'delete', name]); } catch (err) { if (namespaces().has(name)) throw err; }
}

/** Every interface of a namespace (the root one when `ns` is undefined), with its addresses. */
export function observe(ns: string | undefined): Promise<LinkState[]> {
  return ipJson<LinkState>(ns, ['-d', 'addr', 'show']);
}

export function byName(links: readonly LinkState[]): Map<string, LinkState> {
  return new Map(links.map((l) => [l.ifname, l]));
}

export function ipv4Addrs(link: LinkState | undefined): AddrInfo[] {
  return (link?.addr_info ?? []).filter((a) => a.family === 'inet');
}

/** `ip -batch` that carries on past failing lines (each is idempotent or a removal that may be moot). */
export async function ipBatchForce(ns: string | undefined, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('ip', [...(ns === undefined ? [] : ['-n', ns]), '-force', '-batch', '-'], `${lines.join('\n')}\n`).catch(() => {
    /* -force exits non-zero when any line failed; what matters is observed by the next pass */
  });
}

export async function fdb(ns: string, dev: string): Promise<FdbEntry[]> {
  const out = await run('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', dev]);
  return out.trim() ? (JSON.parse(out) as FdbEntry[]) : [];
}

export async function bridgeBatch(ns: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('bridge', ['-n', ns, '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Sysctls the data plane sets, by path under /proc/sys (constants only: they go into a shell line). */
export const SYSCTL = {
  forward: 'net/ipv4/ip_forward',
  bridgeCallIptables: 'net/bridge/bridge-nf-call-iptables',
} as const;

/**
 * Inside namespace `ns`: writes the sysctls, then runs `nft -f -` on `script`, in one process tree. The
 * sysctls are written on every pass because it costs nothing here and survives a half-made namespace.
 */
export async function nftWithSysctls(ns: string, sysctls: ReadonlyArray<readonly [string, string]>, script: string): Promise<void> {
  const writes = sysctls.map(([key, value]) => `echo ${value} > /proc/sys/${key}`);
  await run('nsenter', [`--net=/run/netns/${ns}`, 'sh', '-c', [...writes, 'exec nft -f -'].join(' && ')], script);
}

/**
 * Neighbour (ARP) timing of the links in namespace `ns` whose names start with `prefix` (a constant: it
 * goes into a shell line). The kernel's defaults ask again only every second and trust a stale entry
 * for 5 s before checking it: a router would then wait up to a second to find a server plugged just
 * after the first packet for it arrived, and 5 s to notice an address now held by another server's MAC.
 */
export async function neighbourTiming(ns: string, prefix: string): Promise<void> {
  if (!/^[a-z]+$/.test(prefix)) throw new Error(`bad link prefix ${prefix}`);
  await run('nsenter', [`--net=/run/netns/${ns}`, 'sh', '-c',
    `for d in /proc/sys/net/ipv4/neigh/${prefix}*; do [ -d "$d" ] || continue; echo 200 > "$d/retrans_time_ms"; echo 1 > "$d/delay_first_probe_time"; done`]);
}
