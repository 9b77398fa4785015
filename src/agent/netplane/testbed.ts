/**
 * For the data plane's tests: several "hosts" on this one machine, each an agent layout with its own tag
 * and host namespace, joined by an underlay (a bridge in a namespace of the test's own) with a VTEP address
 * each; "servers" are plain namespaces with a `sleep` in them (plugServerPort wants a pid).
 *
 * Addresses, from one slot claimed through test/support/claims.ts (kind `netplane`, slots 0–3), so two
 * test processes on the machine never share them:
 *   underlay   198.18.(250+slot).0/24   (above the agent tests' 198.18.160–249 and test clouds' 16–159)
 *   external   198.19.(252+slot).0/24   (the top of the public range 198.19.128.0/17, kept for these tests)
 * Only the external /24 is routed from the root namespace (by the data plane's uplink, to this test's
 * routers); the underlay lives only in the test's namespaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { claimSlot } from '../../../test/support/claims.js';
import { ip, ipBatch, run } from '../command.js';
import { agentLayout, type AgentLayout } from '../layout.js';
import { deleteNamespace, ensureNamespace, namespaces } from './kernel.js';

/** Why the data plane's kernel tests cannot run here, or undefined. */
export function netplaneUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (namespaces, veths, nftables)';
  for (const tool of ['ip', 'bridge', 'nft', 'nsenter', 'ping']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (Debian: iproute2, nftables, iputils-ping)`;
  }
  return undefined;
}

export interface TestHost { layout: AgentLayout; vtep: string }
export interface TestServer { ns: string; pid: number; child: ChildProcess }

export class Testbed {
  readonly slot: number;
  readonly underlay: string;
  readonly externalPrefix: string;
  readonly #dir: string;
  readonly #id = randomBytes(3).toString('hex');
  readonly #underlayNs: string;
  readonly hosts: TestHost[] = [];
  readonly #servers: TestServer[] = [];
  readonly #children: ChildProcess[] = [];

  constructor() {
    this.slot = claimSlot({ kind: 'netplane', slots: [0, 1, 2, 3], whenFull: 'throw' });
    this.underlay = `198.18.${250 + this.slot}`;
    this.externalPrefix = `198.19.${252 + this.slot}`;
    this.#dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-netplane-'));
    this.#underlayNs = `flotilla-t-${this.#id}-ul`;
  }

  async start(hosts: number): Promise<void> {
    await ensureNamespace(this.#underlayNs);
    await ip(this.#underlayNs, ['link', 'add', 'ul', 'type', 'bridge']);
    await ip(this.#underlayNs, ['link', 'set', 'ul', 'up']);
    for (let i = 0; i < hosts; i++) {
      const layout = agentLayout(path.join(this.#dir, `h${i + 1}`));
      const vtep = `${this.underlay}.${i + 1}`;
      await ensureNamespace(layout.hostNamespace);
      await ipBatch(this.#underlayNs, [`link add ul${i} type veth peer name vtep0 netns ${layout.hostNamespace}`, `link set ul${i} master ul up`]);
      await ipBatch(layout.hostNamespace, [`addr add ${vtep}/24 dev vtep0`, 'link set vtep0 up']);
      this.hosts.push({ layout, vtep });
    }
  }

  /** A namespace standing in for a server, with a process in it. */
  async server(name: string): Promise<TestServer> {
    const ns = `flotilla-t-${this.#id}-${name}`;
    await ensureNamespace(ns);
    const child = spawn('ip', ['netns', 'exec', ns, 'sleep', 'infinity'], { stdio: 'ignore' });
    const s = { ns, pid: child.pid!, child };
    this.#servers.push(s);
    // `ip netns exec` execs sleep in place: wait until the pid has entered the namespace.
    for (let i = 0; i < 100; i++) {
      const inNs = spawnSync('ip', ['netns', 'identify', String(s.pid)], { encoding: 'utf8' }).stdout.trim();
      if (inNs === ns) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`server ${name} did not start`);
  }

  /** A long-running process inside a namespace (a listener), killed at cleanup. */
  spawnIn(ns: string, args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  async cleanup(): Promise<void> {
    for (const c of [...this.#children, ...this.#servers.map((s) => s.child)]) c.kill('SIGKILL');
    for (const s of this.#servers) await deleteNamespace(s.ns).catch(() => {});
    for (const h of this.hosts) await deleteNamespace(h.layout.hostNamespace).catch(() => {});
    await deleteNamespace(this.#underlayNs).catch(() => {});
    fs.rmSync(this.#dir, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), 'flotilla-test-netplane', `slot-${this.slot}`), { force: true });
  }
}

/** Whether `ping` from inside `ns` (or the root namespace) gets an answer from `address` within a second. */
export function pings(ns: string | undefined, address: string, from?: string): boolean {
  const args = ['-c', '1', '-W', '1', ...(from ? ['-I', from] : []), address];
  const r = spawnSync(ns === undefined ? 'ping' : 'ip', ns === undefined ? args : ['netns', 'exec', ns, 'ping', ...args], { stdio: 'ignore' });
  return r.status === 0;
}

/** A one-line TCP server inside `ns` that answers every connection with the peer's address. */
export const ECHO_PEER = "require('net').createServer((s)=>s.end(s.remoteAddress+'\\n')).listen(Number(process.argv[1]),'0.0.0.0',()=>console.log('ready'))";

/** Connects to host:port from inside `ns` (or from here) and returns what the server said, or undefined. */
export async function tcpProbe(ns: string | undefined, host: string, port: number, timeoutMs = 800): Promise<string | undefined> {
  if (ns === undefined) {
    return new Promise((resolve) => {
      let text = '';
      const s = net.connect({ host, port, timeout: timeoutMs });
      s.setEncoding('utf8').on('data', (d: string) => { text += d; });
      s.once('end', () => resolve(text.trim()));
      s.once('timeout', () => { s.destroy(); resolve(undefined); });
      s.once('error', () => resolve(undefined));
    });
  }
  const script = `const s=require('net').connect({host:process.argv[1],port:Number(process.argv[2]),timeout:${timeoutMs}});let t='';s.setEncoding('utf8').on('data',d=>t+=d);s.on('end',()=>{console.log(t.trim());process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(4))`;
  try {
    return (await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script, host, String(port)])).trim();
  } catch {
    return undefined;
  }
}

/** Waits for a spawned listener to print its first line. */
export function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
}

export { namespaces };
