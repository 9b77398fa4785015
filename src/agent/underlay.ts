/**
 * The machine-wide underlay that carries VXLAN between the host agents of one machine (docs/design/
 * networks.md, "Tunnel endpoints"): every agent's host namespace needs an address that every other
 * agent's host namespace reaches over UDP 4789, and on one machine there is no physical network to
 * give it one. So:
 *
 *   flotilla-underlay ns: bridge br0 ─┬─ ul<tag A> ═ ul0 169.254.128.x/19 (host ns of agent A, its VTEP)
 *                                     └─ ul<tag B> ═ ul0 169.254.128.y/19 (host ns of agent B, its VTEP)
 *
 * The pool is link-local 169.254.128.0/19 (169.254.128.1 … 169.254.159.254): clear of the netplane's
 * uplink transit (169.254.64.0/18), of the metadata address 169.254.169.254, of the /24s RFC 3927 keeps
 * at both ends of 169.254/16, and of 198.18.0.0/15 altogether. The root namespace never holds or routes
 * it: it lives only in the underlay namespace's bridge and the agents' host namespaces.
 *
 * Whichever agent comes first makes the namespace and the bridge; several processes may race for it, so
 * "exists" is success. An agent's address is chosen once (from its tag's hash on, skipping addresses
 * other agents hold), kept in its directory, and read back from its link while the link lives; the
 * bridge end of each agent's veth carries the address as its alias, so a newcomer sees what is taken
 * by looking at the bridge alone. The namespace goes when the last agent's veth leaves it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/files.js';
import { ip, ipBatch, ipJson } from './command.js';
import { formatIpv4, parseIpv4 } from './ipv4.js';
import type { AgentLayout } from './layout.js';
import { deleteNamespace, ensureNamespace, listNamespaces } from './netns.js';

export const UNDERLAY_NAMESPACE = 'flotilla-underlay';
const BRIDGE = 'br0';
/** The host-namespace end of an agent's underlay veth (holds its VTEP address). */
export const UNDERLAY_HOST_LINK = 'ul0';
/** 169.254.128.0/19: host addresses base+1 … base+8190. */
export const UNDERLAY_POOL = { base: '169.254.128.0', prefix: 19, hosts: 8190 } as const;

interface LinkInfo { ifname: string; ifalias?: string; master?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

/** The underlay-namespace end of an agent's veth (≤ 15 bytes). */
export function underlayLink(layout: AgentLayout): string {
  return `ul${layout.tag}`;
}

/** The address of host slot `slot` (0-based) of the pool. */
function addressOf(slot: number): string {
  return formatIpv4(parseIpv4(UNDERLAY_POOL.base) + 1 + slot);
}

/** The slot of `address`, or undefined when it is not a host address of the pool. */
function slotOf(address: string | undefined): number | undefined {
  if (address === undefined || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return undefined;
  const off = parseIpv4(address) - parseIpv4(UNDERLAY_POOL.base) - 1;
  return off >= 0 && off < UNDERLAY_POOL.hosts ? off : undefined;
}

async function links(ns: string): Promise<LinkInfo[]> {
  return ipJson<LinkInfo>(ns, ['addr', 'show']).catch(() => []);
}

/** The bridge, whoever makes it first; a concurrent maker's "File exists" is success. */
async function ensureBridge(): Promise<void> {
  await ensureNamespace(UNDERLAY_NAMESPACE);
  if (!(await links(UNDERLAY_NAMESPACE)).some((l) => l.ifname === BRIDGE)) {
    await ip(UNDERLAY_NAMESPACE, ['link', 'add', BRIDGE, 'type', 'bridge']).catch(async (err: unknown) => {
      if (!(await links(UNDERLAY_NAMESPACE)).some((l) => l.ifname === BRIDGE)) throw err;
    });
  }
  await ip(UNDERLAY_NAMESPACE, ['link', 'set', BRIDGE, 'up']);
}

/** Slots the bridge says other agents hold (the aliases of their veths' bridge ends). */
function slotsTaken(bridgeLinks: readonly LinkInfo[], own: string): Set<number> {
  const taken = new Set<number>();
  for (const l of bridgeLinks) {
    if (l.ifname === own || !l.ifname.startsWith('ul')) continue;
    const s = slotOf(l.ifalias);
    if (s !== undefined) taken.add(s);
  }
  return taken;
}

function recordFile(layout: AgentLayout): string {
  return path.join(layout.dir, 'underlay.json');
}

function recorded(layout: AgentLayout): number | undefined {
  try { return slotOf((JSON.parse(fs.readFileSync(recordFile(layout), 'utf8')) as { address?: string }).address); } catch { return undefined; }
}

/**
 * Makes (or repairs) this agent's place on the underlay and returns its VTEP address. The host namespace
 * must exist. Idempotent: a pass that finds everything right changes nothing.
 */
export async function ensureUnderlay(layout: AgentLayout): Promise<string> {
  await ensureBridge();
  const own = underlayLink(layout);
  const hostNs = layout.hostNamespace;
  let bridgeSide = (await links(UNDERLAY_NAMESPACE)).find((l) => l.ifname === own);
  let hostSide = (await links(hostNs)).find((l) => l.ifname === UNDERLAY_HOST_LINK);
  if (!bridgeSide || !hostSide) {
    // Half a pair (its other namespace was deleted, or a pass was cut short) is no use: make it afresh.
    await ip(UNDERLAY_NAMESPACE, ['link', 'del', own]).catch(() => { /* not there */ });
    await ip(hostNs, ['link', 'del', UNDERLAY_HOST_LINK]).catch(() => { /* not there */ });
    await ip(UNDERLAY_NAMESPACE, ['link', 'add', own, 'type', 'veth', 'peer', 'name', UNDERLAY_HOST_LINK, 'netns', hostNs]);
    bridgeSide = undefined;
    hostSide = undefined;
  }
  if (bridgeSide?.master !== BRIDGE) await ip(UNDERLAY_NAMESPACE, ['link', 'set', own, 'master', BRIDGE]);
  await ip(UNDERLAY_NAMESPACE, ['link', 'set', own, 'up']);

  const held = hostSide?.addr_info?.find((a) => a.family === 'inet' && slotOf(a.local) !== undefined);
  for (let attempt = 0; ; attempt++) {
    const bridgeLinks = await links(UNDERLAY_NAMESPACE);
    const taken = slotsTaken(bridgeLinks, own);
    let slot = slotOf(held?.local);
    if (slot === undefined || taken.has(slot)) {
      const kept = recorded(layout);
      slot = kept !== undefined && !taken.has(kept) ? kept : freeSlot(parseInt(layout.tag.slice(0, 6), 16) % UNDERLAY_POOL.hosts, taken);
    }
    const address = addressOf(slot);
    await ip(UNDERLAY_NAMESPACE, ['link', 'set', own, 'alias', address]);
    // Two newcomers may have picked the same free slot at once: the one whose link sorts first keeps it.
    const rivals = (await links(UNDERLAY_NAMESPACE)).filter((l) => l.ifname !== own && l.ifname.startsWith('ul') && l.ifalias === address);
    if (rivals.some((l) => l.ifname < own) && attempt < 5) continue;
    const lines: string[] = [];
    for (const a of hostSide?.addr_info ?? []) {
      if (a.family === 'inet' && (a.local !== address || a.prefixlen !== UNDERLAY_POOL.prefix)) lines.push(`addr del ${a.local}/${a.prefixlen} dev ${UNDERLAY_HOST_LINK}`);
    }
    lines.push(`addr replace ${address}/${UNDERLAY_POOL.prefix} dev ${UNDERLAY_HOST_LINK}`, `link set ${UNDERLAY_HOST_LINK} up`);
    await ipBatch(hostNs, lines);
    if (recorded(layout) !== slot) writeFileAtomic(recordFile(layout), `${JSON.stringify({ address })}\n`);
    return address;
  }
}

function freeSlot(start: number, taken: ReadonlySet<number>): number {
  for (let i = 0; i < UNDERLAY_POOL.hosts; i++) {
    const s = (start + i) % UNDERLAY_POOL.hosts;
    if (!taken.has(s)) return s;
  }
  throw new Error(`no free address left in the underlay pool ${UNDERLAY_POOL.base}/${UNDERLAY_POOL.prefix}`);
}

/**
 * Takes this agent off the underlay, and removes the underlay namespace when no agent's veth is left in
 * it. Called when a host is destroyed (not when an agent merely stops: its address stays recorded).
 */
export async function leaveUnderlay(layout: AgentLayout): Promise<void> {
  if (!listNamespaces().includes(UNDERLAY_NAMESPACE)) return;
  await ip(UNDERLAY_NAMESPACE, ['link', 'del', underlayLink(layout)]).catch(() => { /* went with its host namespace */ });
  await removeUnderlayIfUnused();
}

/** Removes the underlay namespace if no agent's veth is in it any more. */
export async function removeUnderlayIfUnused(): Promise<void> {
  if (!listNamespaces().includes(UNDERLAY_NAMESPACE)) return;
  const remaining = (await links(UNDERLAY_NAMESPACE)).filter((l) => l.ifname.startsWith('ul'));
  if (remaining.length === 0) await deleteNamespace(UNDERLAY_NAMESPACE);
}
