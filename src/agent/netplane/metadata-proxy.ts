/**
 * The metadata proxies: one Debian `haproxy` per segment namespace that has server ports on this host,
 * listening on 169.254.169.254:80 there (the segment's bridge holds the address, segment.ts) and
 * forwarding every request to the agent's metadata socket (src/agent/metadata-server.ts) with two headers
 * it sets itself, replacing any the client sent: X-Flotilla-Network (the segment's network id) and
 * X-Forwarded-For (the client's source address, which the segment's anti-spoofing vouches for). Why
 * haproxy and not a forwarder of our own: docs/decisions/0011-metadata-proxy.md.
 *
 * Ownership as for the rest of the data plane: a proxy is named by the agent's layout and the network id
 * (<dir>/metadata/<hash(network)>.cfg, .pid, .log) and found by its command line (`-f <that cfg>`), so a
 * pass after a SIGKILL of the agent, a lost pidfile or a proxy someone killed converges: missing ones are
 * started, dead ones restarted, one left in a namespace that was deleted and made again (it would hold the
 * old one alive) is replaced, and those whose segment is gone are stopped. The proxies are daemons and
 * outlive the agent's process; NetPlane.destroy (destroyHost) and the abandoned-host sweep stop them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../platform/files.js';
import type { AgentLayout } from '../layout.js';
import { processAlive, processArgs } from '../netns.js';
import { METADATA_ADDRESS, metadataDir, metadataProxyStem, metadataSocket, registrySocket, segmentPrefix } from './names.js';

/** The port of the metadata address where servers reach Flotilla's private registry (decision 0016). */
export const REGISTRY_PORT = 5000;

/** The Unix user the proxies drop to after binding (Debian's haproxy package makes it). */
const PROXY_USER = 'haproxy';
const ID = /^[0-9A-Za-z_-]{1,64}$/;

/** Why no metadata proxy can run here (no haproxy on PATH), or undefined. Looked up in-process: it runs every pass. */
export function metadataProxyUnavailable(): string | undefined {
  const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => {
    try { fs.accessSync(path.join(d, 'haproxy'), fs.constants.X_OK); return true; } catch { return false; }
  });
  return found ? undefined : 'haproxy is not installed (Debian: haproxy)';
}

/** The uid and gid of the proxies' user, when the machine has it (from /etc/passwd). */
export function proxyUser(): { uid: number; gid: number } | undefined {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${PROXY_USER}:`));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The proxy's configuration: one frontend on the metadata address, one backend on the agent's socket;
 * with `registry`, also a TCP frontend on the metadata address's port 5000 passed to the agent's registry
 * relay socket (the registry's uploads and downloads are long: minutes of timeouts, not seconds).
 */
export function renderProxyConfig(networkId: string, socket: string, dropTo: { uid: number; gid: number } | undefined, registry?: string): string {
  if (!ID.test(networkId)) throw new Error(`bad network id ${JSON.stringify(networkId)}`);
  for (const s of [socket, ...(registry ? [registry] : [])]) if (!/^\/[\w./-]+$/.test(s)) throw new Error(`bad socket path ${JSON.stringify(s)}`);
  return [
    'global',
    '  maxconn 256',
    '  nbthread 1',
    ...(dropTo ? [`  uid ${dropTo.uid}`, `  gid ${dropTo.gid}`] : []),
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-request 10s',
    'frontend metadata',
    `  bind ${METADATA_ADDRESS}:80`,
    `  http-request set-header X-Flotilla-Network ${networkId}`,
    '  http-request set-header X-Forwarded-For %[src]',
    '  default_backend agent',
    'backend agent',
    `  server agent unix@${socket}`,
    ...(registry ? [
      'frontend registry',
      '  mode tcp',
      `  bind ${METADATA_ADDRESS}:${REGISTRY_PORT}`,
      '  timeout client 10m',
      '  default_backend registry',
      'backend registry',
      '  mode tcp',
      '  timeout server 10m',
      `  server registry unix@${registry}`,
    ] : []),
    '',
  ].join('\n');
}

/** Running proxies of this layout, by config stem (a stem with several pids has duplicates). */
export function runningProxies(layout: AgentLayout): Map<string, number[]> {
  const dir = `${metadataDir(layout)}/`;
  const found = new Map<string, number[]>();
  let pids: string[];
  try { pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)); } catch { return found; }
  for (const p of pids) {
    const args = processArgs(Number(p));
    if (!args[0]?.endsWith('haproxy')) continue;
    const cfg = args[args.indexOf('-f') + 1];
    if (args.indexOf('-f') < 0 || !cfg?.startsWith(dir) || !cfg.endsWith('.cfg') || !processAlive(Number(p))) continue;
    const stem = cfg.slice(0, -'.cfg'.length);
    found.set(stem, [...(found.get(stem) ?? []), Number(p)]);
  }
  return found;
}

/** The inode of a network namespace, as a named one or as a process's. */
function nsInode(file: string): number | undefined {
  try { return fs.statSync(file).ino; } catch { return undefined; }
}

async function stop(pids: readonly number[]): Promise<void> {
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
  for (let i = 0; i < 50 && pids.some(processAlive); i++) await new Promise((r) => setTimeout(r, 20));
  for (const pid of pids) if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

function startProxy(ns: string, stem: string): Promise<void> {
  fs.rmSync(`${stem}.pid`, { force: true });
  const log = fs.openSync(`${stem}.log`, 'w', 0o600);
  return new Promise<void>((resolve, reject) => {
    // -D: haproxy binds, forks into the background and exits; the daemon stays in the namespace.
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, 'haproxy', '-f', `${stem}.cfg`, '-p', `${stem}.pid`, '-D'], { stdio: ['ignore', log, log] });
    child.once('error', (err) => { fs.closeSync(log); reject(err); });
    child.once('exit', (code) => {
      fs.closeSync(log);
      if (code === 0) { resolve(); return; }
      let why = '';
      try { why = fs.readFileSync(`${stem}.log`, 'utf8').trim().split('\n').slice(-3).join(' | '); } catch { /* none */ }
      reject(new Error(`metadata proxy in ${ns} did not start (exit ${code}): ${why}`));
    });
  });
}

/**
 * Stops the proxies whose segment namespace is gone or was made anew (deleted by hand, rebuilt by a
 * pass): such a proxy holds the old namespace alive, and with it the old VXLAN device, whose VNI the
 * rebuilt segment needs. Runs before the segments are built; true when it stopped any.
 */
export async function stopOrphanedProxies(layout: AgentLayout, running: Map<string, number[]>): Promise<boolean> {
  let stopped = false;
  for (const [stem, pids] of running) {
    const ns = nsInode(`/run/netns/${segmentPrefix(layout)}${path.basename(stem)}`);
    const orphans = pids.filter((pid) => ns === undefined || nsInode(`/proc/${pid}/ns/net`) !== ns);
    if (orphans.length === 0) continue;
    await stop(orphans);
    running.set(stem, pids.filter((pid) => !orphans.includes(pid)));
    stopped = true;
  }
  return stopped;
}

export interface ProxyWant {
  /** The segment's namespace. */
  ns: string;
  networkId: string;
}

/**
 * Makes the running proxies exactly `want` (`seen`: runningProxies as looked up earlier in the pass): starts what is missing or dead, replaces what runs in a stale
 * namespace or with an old config, stops duplicates and proxies no segment wants. Per-proxy failures are
 * returned, not thrown, so one bad segment does not hold the others back.
 */
export async function applyMetadataProxies(layout: AgentLayout, want: readonly ProxyWant[], seen?: Map<string, number[]>): Promise<Array<{ id: string; message: string }>> {
  const errors: Array<{ id: string; message: string }> = [];
  // What the caller saw earlier in the pass still holds, less what died since.
  const running = seen ? new Map([...seen].map(([stem, pids]) => [stem, pids.filter(processAlive)])) : runningProxies(layout);
  const wanted = new Map(want.map((w) => [metadataProxyStem(layout, w.networkId), w]));
  for (const [stem, pids] of running) if (!wanted.has(stem)) await stop(pids);
  removeFiles(layout, (stem) => !wanted.has(stem));
  if (want.length === 0) return errors;
  const why = metadataProxyUnavailable();
  if (why) return want.map((w) => ({ id: w.networkId, message: `no metadata proxy: ${why}` }));
  fs.mkdirSync(metadataDir(layout), { recursive: true, mode: 0o711 });
  const user = proxyUser();
  for (const [stem, w] of wanted) {
    try {
      const cfg = renderProxyConfig(w.networkId, metadataSocket(layout), user, registrySocket(layout));
      let changed = true;
      try { changed = fs.readFileSync(`${stem}.cfg`, 'utf8') !== cfg; } catch { /* first time */ }
      if (changed) writeFileAtomic(`${stem}.cfg`, cfg, 0o644);
      const pids = running.get(stem) ?? [];
      const ns = nsInode(`/run/netns/${w.ns}`);
      if (ns === undefined) throw new Error(`segment namespace ${w.ns} is missing`);
      const good = changed ? [] : pids.filter((pid) => nsInode(`/proc/${pid}/ns/net`) === ns);
      // haproxy in daemon mode without a master is one process: keep one, stop the rest.
      const keep = good.slice(0, 1);
      const extra = pids.filter((pid) => !keep.includes(pid));
      if (extra.length > 0) await stop(extra);
      if (keep.length === 0) await startProxy(w.ns, stem);
    } catch (err) {
      errors.push({ id: w.networkId, message: (err as Error).message });
    }
  }
  return errors;
}

/** Removes the config, pid and log files of the proxies whose stem `which` picks. */
function removeFiles(layout: AgentLayout, which: (stem: string) => boolean): void {
  const dir = metadataDir(layout);
  let files: string[] = [];
  try { files = fs.readdirSync(dir); } catch { /* none */ }
  for (const f of files) {
    const m = /^(.*)\.(cfg|pid|log)$/.exec(f);
    if (m && which(path.join(dir, m[1]!))) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** Stops every metadata proxy of this layout and removes their files (destroy, abandoned hosts). */
export async function stopMetadataProxies(layout: AgentLayout): Promise<void> {
  for (const pids of runningProxies(layout).values()) await stop(pids);
  removeFiles(layout, () => true);
}
