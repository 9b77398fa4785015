/**
 * Helpers for compute integration tests against the real cloud process: why they cannot run here, ssh
 * into a server, its console log, the containers of a host's private engine (as `docker ps -a` sees them), the network
 * namespaces of a data dir, and cleaning up every engine and namespace a test left, also after a SIGKILL.
 */
import { execFile, spawnSync } from 'node:child_process';
import { after, before } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { agentLayout, type AgentLayout } from '../../src/agent/layout.js';
import { destroyHost } from '../../src/agent/index.js';
import { listNamespaces, processAlive } from '../../src/agent/netns.js';
import { agentUnavailable } from './agent-fixtures.js';
import { cliUnavailable, openstack, openstackJson } from './cli.js';
import { startTestCloud, type TestCloud } from './cloud.js';

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** The last `length` lines of a server's console log (`os-getConsoleOutput`), through compute's API at `computeUrl`. */
export async function consoleLines(computeUrl: string, token: string, serverId: string, length: number): Promise<string[]> {
  const res = await fetch(`${computeUrl}/servers/${serverId}/action`, {
    method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ 'os-getConsoleOutput': { length } }),
  });
  return (((await res.json()) as { output?: string }).output ?? '').split('\n').filter(Boolean);
}

/** Why a compute test against a real engine cannot run here, or undefined. `tools` are extra commands it needs. */
export function computeUnavailable(...tools: string[]): string | undefined {
  const why = cliUnavailable() ?? agentUnavailable();
  if (why) return why;
  for (const tool of ['docker', ...tools]) if (!has(tool)) return `${tool} is not installed`;
  return undefined;
}

/** The layout of host `host` of a cloud whose data dir is `dataDir`. */
export function hostLayout(dataDir: string, host: string): AgentLayout {
  return agentLayout(path.join(dataDir, 'hosts', host));
}

/** Names of every container of a host's engine, stopped ones included (`docker ps -a`). */
export function engineContainers(layout: AgentLayout): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['-H', `unix://${layout.engine.socket}`, 'ps', '-a', '--format', '{{.Names}}'], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ps -a on ${layout.engine.socket}: ${stderr || err.message}`));
      else resolve(stdout.split('\n').map((s) => s.trim()).filter(Boolean).sort());
    });
  });
}

/** Network namespaces of a host: its own and one per tenant network. */
export function hostNamespaces(layout: AgentLayout): string[] {
  return listNamespaces().filter((n) => n === layout.hostNamespace || n.startsWith(layout.networkNamespacePrefix));
}

export interface RunResult { code: number; stdout: string; stderr: string }

/**
 * Lets the machine in: ssh and ping rules in the `default` security group of the project `env` acts in.
 * A project's servers booted with `auto` sit on its get-me-a-network subnet, which the machine routes to
 * through the project's router, and `default` admits only its own members until told otherwise, as in
 * Neutron. Idempotent (a rule already there is a 409, ignored).
 */
export async function allowSshAndPing(env: Record<string, string>): Promise<void> {
  const token = await openstackJson<{ project_id: string }>(env, 'token', 'issue');
  const groups = await openstackJson<Array<{ ID: string; Name: string }>>(env, 'security', 'group', 'list', '--project', token.project_id);
  const group = groups.find((g) => g.Name === 'default');
  if (!group) throw new Error(`project ${token.project_id} has no default security group: ${JSON.stringify(groups)}`);
  for (const rule of [['--protocol', 'tcp', '--dst-port', '22'], ['--protocol', 'icmp']]) {
    const r = await openstack(env, 'security', 'group', 'rule', 'create', ...rule, group.ID);
    if (r.code !== 0 && !/already exists|Conflict|409/.test(r.stderr)) throw new Error(`security group rule create ${rule.join(' ')}: ${r.stderr}`);
  }
}

function runVia(prefix: string[], cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  const [file, ...rest] = [...prefix, cmd, ...args];
  return new Promise((resolve) => {
    execFile(file!, rest, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** `ssh -i key root@ip cmd` from the machine, non-interactive, no host key bookkeeping. */
export function ssh(key: string, ip: string, cmd: string, timeoutMs = 30_000): Promise<RunResult> {
  return runVia([], 'ssh', ['-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `root@${ip}`, cmd], timeoutMs);
}

/** ssh, retried while sshd is still coming up (a fresh server, a reboot). Throws with the last error. */
export async function sshRetry(key: string, ip: string, cmd: string, withinMs = 60_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const r = await ssh(key, ip, cmd);
    if (r.code === 0) return r.stdout;
    if (Date.now() > deadline) throw new Error(`ssh root@${ip} ${cmd}: exit ${r.code}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Whether ip answers a ping from the machine within `withinMs`. */
export async function pingsWithin(ip: string, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if ((await runVia([], 'busybox', ['ping', '-c', '1', '-W', '1', ip], 5000)).code === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The server's fields as `openstack server show -f json` prints them. */
export type ServerView = Record<string, any> & { id: string; name: string; status: string };

export function showServer(env: Record<string, string>, server: string): Promise<ServerView> {
  return openstackJson<ServerView>(env, 'server', 'show', server);
}

/** Polls `server show` until `done` holds; throws with the last view after `withinMs`. */
export async function waitServer(env: Record<string, string>, server: string, done: (s: ServerView) => boolean, withinMs = 120_000): Promise<ServerView> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const s = await showServer(env, server);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`server ${server} did not get there within ${withinMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The server's IPv4 addresses, whatever shape the CLI gives `addresses` in. */
export function addressesOf(s: ServerView): string[] {
  return [...JSON.stringify(s.addresses ?? '').matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)].map((m) => m[1]!);
}

/**
 * Stops whatever engine of `layout` still runs (a SIGKILLed cloud leaves its dockerd behind: it runs in its
 * own process group), removes its containers, then every namespace, veth, cgroup, mount and file of the host.
 */
export async function cleanupHost(layout: AgentLayout): Promise<void> {
  let pid = 0;
  try { pid = Number(fs.readFileSync(layout.engine.pidFile, 'utf8').trim()); } catch { /* never started */ }
  if (pid > 0 && processAlive(pid)) {
    spawnSync('sh', ['-c', `docker -H unix://${layout.engine.socket} ps -aq | xargs -r docker -H unix://${layout.engine.socket} rm -f`], { timeout: 60_000 });
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    const deadline = Date.now() + 30_000;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    while (processAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
  await destroyHost(layout);
}

/** Every host directory a cloud's data dir has. */
export function hostsOf(dataDir: string): string[] {
  try { return fs.readdirSync(path.join(dataDir, 'hosts')); } catch { return []; }
}

export interface HostCloud {
  /** The running cloud (inside tests only). */
  readonly cloud: TestCloud;
  readonly dataDir: string;
  /** Why base image `image` could not be built here (the cloud says so), or undefined. */
  unbuildable(image: string): string | undefined;
}

/**
 * A real cloud with one compute host for the tests of the describe block this is called in: started
 * before them with the given base images, stopped after, its host's engine and namespaces cleaned up
 * and its data dir removed.
 */
export function hostCloud(opts: { host: string; images: string; timeoutMs: number }): HostCloud {
  let running: TestCloud | undefined;
  before(async () => {
    running = await startTestCloud({ env: { FLOTILLA_COMPUTE_HOST: opts.host, FLOTILLA_BASE_IMAGES: opts.images }, timeoutMs: opts.timeoutMs });
  });
  after(async () => {
    await running?.stop();
    if (running) {
      await cleanupHost(hostLayout(running.dataDir, opts.host));
      fs.rmSync(running.dataDir, { recursive: true, force: true });
    }
  });
  const cloud = (): TestCloud => {
    if (!running) throw new Error('the cloud runs only inside the tests');
    return running;
  };
  return {
    get cloud() { return cloud(); },
    get dataDir() { return cloud().dataDir; },
    unbuildable: (image) => new RegExp(`(?:^|\\s)${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be built here: (.*)`, 'm').exec(cloud().output())?.[1],
  };
}
