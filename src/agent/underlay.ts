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
 * Whichever agent comes first makes the namespace and the bridge. An agent's address is chosen once (from
 * its tag's hash on, skipping addresses other agents hold), kept in its directory, and read back from its
 * link while the link lives; the bridge end of each agent's veth carries the address as its alias, so a
 * newcomer sees what is taken by looking at the bridge alone. The namespace goes when the last agent's
 * veth leaves it. Joining and leaving take a machine-wide lock (a file under /run naming its holder's
 * pid), so two agents never pick one free address at once and a leaver never deletes the namespace a
 * joiner is just plugging into.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/files.js';
import { ip, ipBatch, ipJson } from './command.js';
import { formatIpv4, parseIpv4 } from './ipv4.js';
import type { AgentLayout } from './layout.js';
import { deleteNamespace, ensureNamespace, listNamespaces, processAlive } from './netns.js';

export const UNDERLAY_NAMESPACE = 'flotilla-underlay';
const BRIDGE = 'br0';
/** The host-namespace end of an agent's underlay veth (holds its VTEP address). */
export const UNDERLAY_HOST_LINK = 'ul0';
/** 169.254.128.0/19: host addresses base+1 … base+8190. */
export const UNDERLAY_POOL = { base: '169.254.128.0', prefix: 19, hosts: 8190 } as const;
/** The machine-wide lock of the underlay (tmpfs: a reboot clears it with everything else). */
const LOCK_FILE = '/run/flotilla-underlay.lock';
/** A holder this long is taken for hung, and its lock broken (a join is a dozen `ip` runs). */
const LOCK_STALE_MS = 30_000;

interface LinkInfo { ifname: string; ifalias?: string; master?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs `fn` holding the machine-wide underlay lock: a file made with O_EXCL that names the holder's pid.
 * A lock whose holder is gone (SIGKILL) or that is older than LOCK_STALE_MS is broken. Agents of one
 * process take turns too: the pid is the same but the file is there until its holder removes it.
 */
async function withUnderlayLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    let age = 0;
    try {
      holder = Number(fs.readFileSync(LOCK_FILE, 'utf8').trim());
      age = Date.now() - fs.statSync(LOCK_FILE).mtimeMs;
    } catch { continue; /* released meanwhile */ }
    if (!(holder > 0) || !processAlive(holder) || age > LOCK_STALE_MS) {
      fs.rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the underlay lock ${LOCK_FILE} is held by process ${holder}`);
    await sleep(20 + Math.floor(Math.random() * 30));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

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

/** The links of `ns` with their aliases (`ip -j link`), or with their addresses (`ip -j addr`, which omits aliases). */
function links(ns: string, what: 'link' | 'addr' = 'link'): Promise<LinkInfo[]> {
  // No catch: a look that failed must not pass for an empty bridge (every address would seem free).
  return ipJson<LinkInfo>(ns, [what, 'show']);
}

/** The bridge, whoever makes it first ("File exists" is success: a process without the lock may be older code). */
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
export function ensureUnderlay(layout: AgentLayout): Promise<string> {
  return withUnderlayLock(async () => {
    // An agent being destroyed has no host namespace any more: it must not make the underlay again.
    if (!listNamespaces().includes(layout.hostNamespace)) throw new Error(`host namespace ${layout.hostNamespace} does not exist`);
    try {
      return await join(layout);
    } catch (err) {
      // A join that failed must not leave an empty underlay behind.
      await removeIfUnused().catch(() => { /* the next join or leave looks again */ });
      throw err;
    }
  });
}

/** Deletes the underlay namespace when no agent's veth is in it (an `ip` that fails deletes nothing). */
async function removeIfUnused(): Promise<void> {
  if (!listNamespaces().includes(UNDERLAY_NAMESPACE)) return;
  const remaining = (await links(UNDERLAY_NAMESPACE)).filter((l) => l.ifname.startsWith('ul'));
  if (remaining.length === 0) await deleteNamespace(UNDERLAY_NAMESPACE);
}

async function join(layout: AgentLayout): Promise<string> {
  await ensureBridge();
  const own = underlayLink(layout);
  const hostNs = layout.hostNamespace;
  let bridgeSide = (await links(UNDERLAY_NAMESPACE)).find((l) => l.ifname === own);
  let hostSide = (await links(hostNs, 'addr')).find((l) => l.ifname === UNDERLAY_HOST_LINK);
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

  // The address the link holds, else the one recorded, else the first free one from the tag's hash on.
  const taken = slotsTaken(await links(UNDERLAY_NAMESPACE), own);
  const held = hostSide?.addr_info?.find((a) => a.family === 'inet' && slotOf(a.local) !== undefined);
  let slot = slotOf(held?.local);
  if (slot === undefined || taken.has(slot)) {
    const kept = recorded(layout);
    slot = kept !== undefined && !taken.has(kept) ? kept : freeSlot(parseInt(layout.tag.slice(0, 6), 16) % UNDERLAY_POOL.hosts, taken);
  }
  const address = addressOf(slot);
  if (bridgeSide?.ifalias !== address) await ip(UNDERLAY_NAMESPACE, ['link', 'set', own, 'alias', address]);
  const lines: string[] = [];
  for (const a of hostSide?.addr_info ?? []) {
    if (a.family === 'inet' && (a.local !== address || a.prefixlen !== UNDERLAY_POOL.prefix)) lines.push(`addr del ${a.local}/${a.prefixlen} dev ${UNDERLAY_HOST_LINK}`);
  }
  lines.push(`addr replace ${address}/${UNDERLAY_POOL.prefix} dev ${UNDERLAY_HOST_LINK}`, `link set ${UNDERLAY_HOST_LINK} up`);
  await ipBatch(hostNs, lines);
  if (recorded(layout) !== slot) writeFileAtomic(recordFile(layout), `${JSON.stringify({ address })}\n`);
  return address;
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
  await withUnderlayLock(async () => {
    await ip(UNDERLAY_NAMESPACE, ['link', 'del', underlayLink(layout)]).catch(() => { /* went with its host namespace */ });
    await removeIfUnused();
  });
}
