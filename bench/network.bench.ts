/**
 * Network bench (issue 5, item 5): what the Neutron API and the hosts' data plane cost and deliver.
 *
 * It starts the real all-in-one (`node dist/flotilla.mjs`, as `npm start` runs it, with its own compute
 * host bench-h1 and the busybox and debian-12 images) and a second host as a standalone `flotilla agent --host bench-h2`,
 * on free loopback ports and a fresh data dir, then through the public APIs:
 *  1. ports per second: `--ports` (200) port creates, then as many deletes, `--concurrency` (4) in flight,
 *     unbound and bound to bench-h1 (so its agent renders each change into the segment's firewall); for the
 *     bound ones also how long after the last answer the agent's kernel state named every port (and, after
 *     the deletes, none);
 *  2. floating IP association to the first answered packet: a debian-12 server behind a router, a TCP
 *     connection to the floating IP's port 22 opened every 5 ms from the machine, `--fips` (10) times: the
 *     PUT that sets the port returning → the first handshake the server's sshd completes; then the PUT
 *     that clears it, and until the address is silent again;
 *  3. throughput and latency between two servers on one host and on two hosts (VXLAN over the underlay):
 *     Debian's iperf3 (TCP, one stream, `--seconds` 5, three runs, the median) and ping (200 echoes, 5 ms apart), run from the
 *     machine inside the servers' network namespaces (`nsenter -t <container pid> -n`), so the image needs
 *     nothing; the baseline, in the same run, is a bare veth pair between two namespaces the bench makes,
 *     at the network's MTU, and each figure is reported as a ratio of it.
 *
 * Root is required (the agents' engines and namespaces). Traffic goes only to addresses inside namespaces
 * and containers this bench made (tenant subnets 10.82.0.0/24 and 10.84.0.0/22, the baseline's
 * 10.83.0.0/30, floating IPs from the test cloud's own slice of 198.19.128.0/17).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, servicePortsEnv, freePort, startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { SERVER_ENV, SERVER_ENTRY } from '../src/platform/runtime.js';
import { agentLayout, containerName, type AgentLayout } from '../src/agent/layout.js';
import { destroyHost } from '../src/agent/index.js';
import { segmentNamespace, TABLE } from '../src/agent/netplane/names.js';
import { DisposableStore } from '../src/platform/lifecycle.js';
import { processTree } from './lib/memory.js';
import { waitForQuiet } from './lib/cpu.js';
import { positive } from './lib/options.js';

const USAGE = `npm run bench -- --only network [options]
  --ports N        ports created and deleted per mode, unbound and bound (200)
  --concurrency N  API requests in flight for those (4)
  --fips N         floating IP associations timed (10)
  --seconds S      iperf3 run length (5)
  --no-write       do not write bench/results/network-*.json`;

interface Options { ports: number; concurrency: number; fips: number; seconds: number; write: boolean }

const HOST1 = 'bench-h1';
const HOST2 = 'bench-h2';

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench` passes every bench the same arguments.
  const { values } = parseArgs({
    args: argv, strict: false,
    options: { ports: { type: 'string' }, concurrency: { type: 'string' }, fips: { type: 'string' }, seconds: { type: 'string' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  return {
    ports: positive('ports', values.ports, 200),
    concurrency: positive('concurrency', values.concurrency, 4),
    fips: positive('fips', values.fips, 10),
    seconds: positive('seconds', values.seconds, 5),
    write: !values['no-write'],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile. */
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `count` jobs with at most `n` at a time. */
async function pool<T>(n: number, count: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await job(i);
    }
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The cloud, through its public APIs

class Api {
  constructor(readonly token: string, readonly projectId: string, readonly compute: string, readonly net: string) {}

  static async login(identityUrl: string, password: string, compute: string, net: string): Promise<Api> {
    const res = await fetch(`${identityUrl}/auth/tokens?nocatalog`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    if (res.status !== 201) throw new Error(`login: ${res.status} ${await res.text()}`);
    const body = await res.json() as { token: { project: { id: string } } };
    return new Api(res.headers.get('x-subject-token')!, body.token.project.id, compute, net);
  }

  async call<T = any>(method: string, url: string, body?: unknown, ok: number[] = [200, 201, 202, 204]): Promise<T> {
    const res = await fetch(url, {
      method,
      headers: { 'x-auth-token': this.token, 'openstack-api-version': 'compute 2.79', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!ok.includes(res.status)) throw Object.assign(new Error(`${method} ${url}: ${res.status} ${text}`), { status: res.status });
    return (text ? JSON.parse(text) : undefined) as T;
  }

  neutron<T = any>(method: string, p: string, body?: unknown, ok?: number[]): Promise<T> {
    return this.call<T>(method, `${this.net}/v2.0${p}`, body, ok);
  }
}

interface Server { id: string; host: string; ip: string; pid: number; portId: string }

/** Boots a busybox server on `networkId` on `host`; resolves once it is ACTIVE and its port is too. */
async function bootServer(api: Api, name: string, imageId: string, flavorId: string, networkId: string, host: string, layout: AgentLayout): Promise<Server> {
  const r = await api.call<{ server: { id: string } }>('POST', `${api.compute}/servers`, {
    server: { name, imageRef: imageId, flavorRef: flavorId, networks: [{ uuid: networkId }], availability_zone: `nova:${host}` },
  });
  const id = r.server.id;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const s = (await api.call<{ server: any }>('GET', `${api.compute}/servers/${id}`)).server;
    if (s.status === 'ERROR') throw new Error(`${name} ERROR: ${s.fault?.message}`);
    if (s.status === 'ACTIVE') {
      const ports = (await api.neutron<{ ports: Array<{ id: string; status: string; fixed_ips: Array<{ ip_address: string }> }> }>('GET', `/ports?device_id=${id}`)).ports;
      if (ports[0]?.status === 'ACTIVE') {
        const insp = spawnSync('docker', ['-H', `unix://${layout.engine.socket}`, 'inspect', '-f', '{{.State.Pid}}', containerName(id)], { encoding: 'utf8' });
        const pid = Number(insp.stdout.trim());
        if (!(pid > 0)) throw new Error(`${name}: no container pid (${insp.stderr})`);
        return { id, host, ip: ports[0].fixed_ips[0]!.ip_address, pid, portId: ports[0].id };
      }
    }
    if (Date.now() > deadline) throw new Error(`${name} not ACTIVE with an ACTIVE port in 180 s`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------
// 1. Ports per second

interface PortRates { mode: 'unbound' | 'bound'; ports: number; createPerS: number; deletePerS: number; createMs: { p50: number; p95: number }; deleteMs: { p50: number; p95: number }; agentCaughtUpAfterCreateMs?: number; agentCaughtUpAfterDeleteMs?: number }

/** The filtered bridge ports a segment's firewall names (fp<hash>), or undefined without the segment. */
function filteredLinks(ns: string): Set<string> | undefined {
  if (!fs.existsSync(`/run/netns/${ns}`)) return undefined;
  const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, 'nft', 'list', 'table', 'bridge', TABLE], { encoding: 'utf8' });
  return new Set([...r.stdout.matchAll(/iifname "(fp[0-9a-f]{10})"/g)].map((m) => m[1]!));
}

async function portRates(api: Api, opts: Options, networkId: string, mode: PortRates['mode'], layout: AgentLayout): Promise<PortRates> {
  const binding = mode === 'bound' ? { 'binding:host_id': HOST1 } : {};
  const createMs: number[] = [];
  const t0 = performance.now();
  const ids = await pool(opts.concurrency, opts.ports, async (i) => {
    const t = performance.now();
    const r = await api.neutron<{ port: { id: string } }>('POST', '/ports', { port: { network_id: networkId, name: `bench-${mode}-${i}`, ...binding } });
    createMs.push(performance.now() - t);
    return r.port.id;
  });
  const created = performance.now();
  const result: PortRates = { mode, ports: opts.ports, createPerS: 0, deletePerS: 0, createMs: { p50: 0, p95: 0 }, deleteMs: { p50: 0, p95: 0 } };
  result.createPerS = opts.ports / ((created - t0) / 1000);
  const ns = segmentNamespace(layout, networkId);
  if (mode === 'bound') {
    for (;;) {
      if ((filteredLinks(ns)?.size ?? 0) >= opts.ports) break;
      if (performance.now() - created > 120_000) throw new Error(`the agent did not render ${opts.ports} ports in 120 s`);
      await sleep(20);
    }
    result.agentCaughtUpAfterCreateMs = performance.now() - created;
  }
  const deleteMs: number[] = [];
  const t1 = performance.now();
  await pool(opts.concurrency, ids.length, async (i) => {
    const t = performance.now();
    await api.neutron('DELETE', `/ports/${ids[i]}`);
    deleteMs.push(performance.now() - t);
  });
  const deleted = performance.now();
  result.deletePerS = ids.length / ((deleted - t1) / 1000);
  if (mode === 'bound') {
    // No port of the network is bound here any more: the agent removes the segment.
    for (;;) {
      if (filteredLinks(ns) === undefined) break;
      if (performance.now() - deleted > 120_000) throw new Error('the agent did not remove the segment in 120 s');
      await sleep(20);
    }
    result.agentCaughtUpAfterDeleteMs = performance.now() - deleted;
  }
  result.createMs = { p50: percentile(createMs, 50), p95: percentile(createMs, 95) };
  result.deleteMs = { p50: percentile(deleteMs, 50), p95: percentile(deleteMs, 95) };
  return result;
}

// ---------------------------------------------------------------------------------------------------
// 2. Floating IP association → first answered packet

/**
 * Opens a TCP connection to ip:22 every 5 ms (each one a new flow, each attempt given up after 250 ms);
 * resolves with the epoch ms of the first that connects, or undefined after `withinMs`. Only the
 * server's sshd completes a handshake: the router holding the floating IP has no listener there.
 */
function firstConnect(ip: string, withinMs: number): { stop: () => void; connected: Promise<number | undefined>; soFar: () => number } {
  let stopped = false;
  let count = 0;
  const sockets = new Set<net.Socket>();
  const stop = (): void => {
    stopped = true;
    for (const sock of sockets) sock.destroy();
  };
  const connected = new Promise<number | undefined>((resolve) => {
    const deadline = setTimeout(() => { stop(); resolve(undefined); }, withinMs);
    const attempt = (): void => {
      if (stopped) return;
      const sock = net.connect({ host: ip, port: 22 });
      sockets.add(sock);
      const drop = (): void => { sockets.delete(sock); sock.destroy(); };
      const giveUp = setTimeout(drop, 250);
      sock.once('connect', () => {
        const at = Date.now();
        clearTimeout(giveUp);
        drop();
        count += 1;
        if (!stopped) { clearTimeout(deadline); stop(); resolve(at); }
      });
      sock.once('error', () => { clearTimeout(giveUp); drop(); });
      setTimeout(attempt, 5);
    };
    attempt();
  });
  return { stop, connected, soFar: () => count };
}

async function floatingIpTimes(api: Api, opts: Options, server: Server, publicId: string): Promise<{ ip: string; samples: number[] }> {
  const fip = (await api.neutron<{ floatingip: { id: string; floating_ip_address: string } }>('POST', '/floatingips', { floatingip: { floating_network_id: publicId } })).floatingip;
  const samples: number[] = [];
  try {
    for (let k = 0; k < opts.fips; k++) {
      await sleep(500);
      const probe = firstConnect(fip.floating_ip_address, 20_000);
      try {
        await sleep(300);
        if (probe.soFar() > 0) throw new Error(`${fip.floating_ip_address} answered before its association`);
        await api.neutron('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: server.portId } });
        const returned = Date.now();
        const at = await probe.connected;
        if (at === undefined) throw new Error(`no answer through ${fip.floating_ip_address}:22 within 20 s of the association`);
        samples.push(at - returned);
      } finally {
        probe.stop();
      }
      await api.neutron('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: null } });
      // Until the agent has applied the disassociation the router still holds the address (and answers).
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const check = firstConnect(fip.floating_ip_address, 300);
        if (await check.connected === undefined) break;
      }
    }
  } finally {
    await api.neutron('DELETE', `/floatingips/${fip.id}`, undefined, [204, 404]);
  }
  return { ip: fip.floating_ip_address, samples };
}

// ---------------------------------------------------------------------------------------------------
// 3. Throughput and latency, with a bare veth pair as the baseline

interface PathFigures { name: string; gbitPerS: number; retransmits: number; runsGbitPerS: number[]; rttMs: { p50: number; p99: number; avg: number } }

/** A command run inside a network namespace: by a process's pid (a server) or by name (the baseline's). */
type NsRef = { pid: number } | { name: string };
const inNs = (ns: NsRef, cmd: string[]): string[] => ('pid' in ns ? ['nsenter', '-t', String(ns.pid), '-n', ...cmd] : ['ip', 'netns', 'exec', ns.name, ...cmd]);

function runCapture(argv: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }); });
  });
}

async function measurePath(name: string, from: NsRef, to: NsRef, toIp: string, seconds: number): Promise<PathFigures> {
  // Latency first, on an idle path: 200 echoes 5 ms apart.
  const ping = await runCapture(inNs(from, ['ping', '-n', '-c', '200', '-i', '0.005', toIp]), 30_000);
  const rtts = [...ping.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  if (rtts.length < 150) throw new Error(`${name}: only ${rtts.length} of 200 echoes answered: ${ping.stderr}`);
  // Then `runs` TCP tests of one stream each; the median counts. The server answers one test and exits.
  const runs: Array<{ gbitPerS: number; retransmits: number }> = [];
  for (let r = 0; r < RUNS; r++) runs.push(await iperf(name, from, to, toIp, seconds));
  const median = [...runs].sort((x, y) => x.gbitPerS - y.gbitPerS)[Math.floor(RUNS / 2)]!;
  return {
    name, gbitPerS: median.gbitPerS, retransmits: median.retransmits, runsGbitPerS: runs.map((x) => x.gbitPerS),
    rttMs: { p50: percentile(rtts, 50), p99: percentile(rtts, 99), avg: rtts.reduce((a, b) => a + b, 0) / rtts.length },
  };
}

/** iperf3 runs per path; the median is reported. */
const RUNS = 3;

async function iperf(name: string, from: NsRef, to: NsRef, toIp: string, seconds: number): Promise<{ gbitPerS: number; retransmits: number }> {
  const argv = inNs(to, ['iperf3', '-s', '-1', '-B', toIp]);
  const server = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  try {
    let out: { code: number; stdout: string; stderr: string } | undefined;
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      out = await runCapture(inNs(from, ['iperf3', '-c', toIp, '-t', String(seconds), '-J']), (seconds + 20) * 1000);
      if (out.code === 0 || !/connect|refused/i.test(out.stdout + out.stderr)) break;
    }
    const report = JSON.parse(out!.stdout) as { error?: string; end?: { sum_received?: { bits_per_second: number }; sum_sent?: { retransmits?: number } } };
    if (report.error || !report.end?.sum_received) throw new Error(`${name}: iperf3: ${report.error ?? out!.stderr}`);
    return { gbitPerS: report.end.sum_received.bits_per_second / 1e9, retransmits: report.end.sum_sent?.retransmits ?? 0 };
  } finally {
    server.kill();
  }
}

/** Two namespaces joined by a veth pair at `mtu`, 10.83.0.1/30 ↔ 10.83.0.2/30; returns how to remove them. */
function makeBaseline(mtu: number): { a: string; b: string; remove: () => void } {
  const a = `flotilla-bench-${process.pid}-a`;
  const b = `flotilla-bench-${process.pid}-b`;
  const sh = (args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };
  const remove = (): void => { for (const ns of [a, b]) spawnSync('ip', ['netns', 'del', ns]); };
  remove();
  sh(['netns', 'add', a]);
  sh(['netns', 'add', b]);
  sh(['-n', a, 'link', 'add', 'v0', 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'v0', 'netns', b]);
  for (const [ns, addr] of [[a, '10.83.0.1/30'], [b, '10.83.0.2/30']] as const) {
    sh(['-n', ns, 'addr', 'add', addr, 'dev', 'v0']);
    sh(['-n', ns, 'link', 'set', 'v0', 'up']);
    sh(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  return { a, b, remove };
}

// ---------------------------------------------------------------------------------------------------

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    console.log('# network bench skipped: the host agents need root (their own engines, namespaces, nftables)');
    return;
  }
  const missing = ['iperf3', 'ping', 'nsenter', 'nft', 'docker'].filter((t) => !has(t));
  if (missing.length > 0) {
    console.log(`# network bench skipped: ${missing.join(', ')} not installed (npm run bench installs iperf3)`);
    return;
  }
  const revision = gitRevision();
  const disposables = new DisposableStore();
  const say = (line: string): void => console.log(line);
  try {
    const identityPort = await freePort();
    const ports = await servicePortsEnv(identityPort);
    say(`starting Flotilla with compute host ${HOST1} and the busybox and debian-12 images (a cold cache builds debian-12 first: about a minute), and a second host ${HOST2}`);
    const cloud: TestCloud = await startTestCloud({
      identityPort, timeoutMs: 600_000,
      env: { ...ports, FLOTILLA_COMPUTE_HOST: HOST1, FLOTILLA_BASE_IMAGES: 'busybox,debian-12' },
    });
    const layouts = [agentLayout(path.join(cloud.dataDir, 'hosts', HOST1)), agentLayout(path.join(cloud.dataDir, 'hosts', HOST2))] as const;
    disposables.add(async () => {
      await cloud.stop();
      for (const l of layouts) await destroyHost(l).catch(() => {});
      fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    });
    const agent: ChildProcess = spawn(process.execPath, [SERVER_ENTRY, 'agent', '--host', HOST2], {
      env: { ...process.env, ...SERVER_ENV, ...ports, FLOTILLA_DATA_DIR: cloud.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let agentOut = '';
    agent.stdout!.on('data', (d: Buffer) => { agentOut += d.toString(); });
    agent.stderr!.on('data', (d: Buffer) => { agentOut += d.toString(); });
    const agentExited = new Promise<void>((r) => agent.once('exit', () => r()));
    disposables.add(async () => { if (agent.exitCode === null) { agent.kill('SIGTERM'); await agentExited; } });

    const computeUrl = `http://127.0.0.1:${ports.FLOTILLA_COMPUTE_PORT}/v2.1`;
    const netUrl = `http://127.0.0.1:${ports.FLOTILLA_NETWORK_PORT}`;
    const imageUrl = `http://127.0.0.1:${ports.FLOTILLA_IMAGE_PORT}`;
    const api = await Api.login(cloud.identityUrl, cloud.adminPassword, computeUrl, netUrl);
    for (let i = 0; ; i++) {
      const hv = await api.call<{ hypervisors: Array<{ state: string }> }>('GET', `${computeUrl}/os-hypervisors`);
      const agents = await api.neutron<{ agents: Array<{ host: string }> }>('GET', '/agents');
      if (hv.hypervisors.filter((h) => h.state === 'up').length >= 2 && agents.agents.length >= 2) break;
      if (agent.exitCode !== null || i > 600) throw new Error(`second host did not come up:\n${agentOut}`);
      await sleep(100);
    }
    const imageId = (await api.call<{ images: Array<{ id: string }> }>('GET', `${imageUrl}/v2/images?name=busybox`)).images[0]?.id;
    if (!imageId) throw new Error('no busybox image');
    const debianId = (await api.call<{ images: Array<{ id: string }> }>('GET', `${imageUrl}/v2/images?name=debian-12`)).images[0]?.id;
    if (!debianId) throw new Error(`no debian-12 image (it cannot be built here?):\n${cloud.output().slice(-2000)}`);
    const flavorId = (await api.call<{ flavors: Array<{ id: string; name: string }> }>('GET', `${computeUrl}/flavors`)).flavors.find((f) => f.name === 'm1.tiny')!.id;
    await api.neutron('PUT', `/quotas/${api.projectId}`, { quota: { port: -1 } });
    const publicId = (await api.neutron<{ networks: Array<{ id: string }> }>('GET', '/networks?name=public')).networks[0]!.id;

    // The tenant side: a network for the servers behind a router with a gateway, another for the port bench.
    const net = (await api.neutron<{ network: { id: string; mtu: number } }>('POST', '/networks', { network: { name: 'bench-net' } })).network;
    const subnet = (await api.neutron<{ subnet: { id: string } }>('POST', '/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.82.0.0/24', name: 'bench-subnet' } })).subnet;
    const portsNet = (await api.neutron<{ network: { id: string } }>('POST', '/networks', { network: { name: 'bench-ports' } })).network;
    await api.neutron('POST', '/subnets', { subnet: { network_id: portsNet.id, ip_version: 4, cidr: '10.84.0.0/22', name: 'bench-ports-subnet' } });
    const router = (await api.neutron<{ router: { id: string } }>('POST', '/routers', { router: { name: 'bench-router', external_gateway_info: { network_id: publicId } } })).router;
    await api.neutron('PUT', `/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    // The machine reaches the floating IP's sshd: the default group lets ssh in (servers of the group
    // already reach each other, which the paths use).
    const group = (await api.neutron<{ security_groups: Array<{ id: string }> }>('GET', `/security-groups?name=default&project_id=${api.projectId}`)).security_groups[0];
    if (group) await api.neutron('POST', '/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } }, [201, 409]);

    say(`booting three servers on bench-net: debian-12 (sshd) and busybox on ${HOST1}, busybox on ${HOST2}`);
    const [a, b, c] = await Promise.all([
      bootServer(api, 'bench-a', debianId, flavorId, net.id, HOST1, layouts[0]),
      bootServer(api, 'bench-b', imageId, flavorId, net.id, HOST1, layouts[0]),
      bootServer(api, 'bench-c', imageId, flavorId, net.id, HOST2, layouts[1]),
    ]);
    disposables.add(async () => {
      for (const s of [a, b, c]) await api.call('DELETE', `${computeUrl}/servers/${s.id}`, undefined, [204, 404]).catch(() => {});
      const deadline = Date.now() + 60_000;
      for (const s of [a, b, c]) {
        while (Date.now() < deadline && await api.call('GET', `${computeUrl}/servers/${s.id}`).then(() => true, () => false)) await sleep(200);
      }
    });

    const ours = (): number[] => [...processTree(cloud.process.pid!), ...processTree(agent.pid!)];
    const quiet = await waitForQuiet(ours, 30);
    const load = os.loadavg();
    say(`machine: ${os.cpus().length} cores, load average ${load.map((x) => x.toFixed(2)).join(' ')}; others used ${quiet.otherCores.toFixed(2)} cores just before (waited ${quiet.waitedS} s for < 0.25)`);

    // 1. Ports per second.
    say(`ports: ${opts.ports} creates then ${opts.ports} deletes, ${opts.concurrency} in flight, unbound and bound to ${HOST1}`);
    const portResults = [
      await portRates(api, opts, portsNet.id, 'unbound', layouts[0]),
      await portRates(api, opts, portsNet.id, 'bound', layouts[0]),
    ];

    // 2. Floating IP association → first answered echo.
    say(`floating IP: ${opts.fips} associations with ${a.ip} (bench-a), a TCP connection to its port 22 opened every 5 ms from the machine`);
    const fip = await floatingIpTimes(api, opts, a, publicId);

    // 3. Throughput and latency.
    const base = makeBaseline(net.mtu);
    disposables.add(async () => base.remove());
    say(`paths: 200 pings, then iperf3 ${RUNS} × ${opts.seconds} s (median) each; baseline a bare veth pair at MTU ${net.mtu}`);
    const baseline = await measurePath('baseline: veth pair between two namespaces', { name: base.a }, { name: base.b }, '10.83.0.2', opts.seconds);
    const same = await measurePath(`two servers on ${HOST1} (one segment bridge)`, { pid: b.pid }, { pid: a.pid }, a.ip, opts.seconds);
    const cross = await measurePath(`servers on ${HOST1} and ${HOST2} (VXLAN over the underlay)`, { pid: c.pid }, { pid: a.pid }, a.ip, opts.seconds);
    const loadAfter = os.loadavg();

    // Report.
    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    const us = (x: number): string => `${Math.round(x * 1000)} µs`;
    say('');
    say(`| ports through the API (${opts.ports} each, ${opts.concurrency} in flight) | creates/s | deletes/s | create p50 / p95 | delete p50 / p95 | agent caught up after the last create / delete |`);
    say('|---|---:|---:|---:|---:|---:|');
    for (const r of portResults) {
      say(`| ${r.mode === 'bound' ? `bound to ${HOST1}` : 'unbound'} | ${r.createPerS.toFixed(1)} | ${r.deletePerS.toFixed(1)} | ${ms(r.createMs.p50)} / ${ms(r.createMs.p95)} | ${ms(r.deleteMs.p50)} / ${ms(r.deleteMs.p95)} | ${r.agentCaughtUpAfterCreateMs === undefined ? '' : `${ms(r.agentCaughtUpAfterCreateMs)} / ${ms(r.agentCaughtUpAfterDeleteMs!)}`} |`);
    }
    say('');
    const fipStats = { p50: percentile(fip.samples, 50), p95: percentile(fip.samples, 95), min: Math.min(...fip.samples), max: Math.max(...fip.samples) };
    say(`floating IP association (PUT returned) → first TCP handshake with the server's sshd through ${fip.ip}: p50 ${ms(fipStats.p50)}, p95 ${ms(fipStats.p95)}, min ${ms(fipStats.min)}, max ${ms(fipStats.max)} (${fip.samples.length} samples: ${fip.samples.map((x) => x.toFixed(0)).join(' ')} ms)`);
    say('');
    say('| path | TCP Gbit/s | × baseline | retransmits | RTT p50 | RTT p99 | p50 × baseline |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    for (const p of [baseline, same, cross]) {
      say(`| ${p.name} | ${p.gbitPerS.toFixed(2)} | ${(p.gbitPerS / baseline.gbitPerS).toFixed(2)} | ${p.retransmits} | ${us(p.rttMs.p50)} | ${us(p.rttMs.p99)} | ${(p.rttMs.p50 / baseline.rttMs.p50).toFixed(1)} |`);
    }
    say(`iperf3 runs, Gbit/s: ${([['baseline', baseline], ['one host', same], ['two hosts', cross]] as const).map(([label, p]) => `${label} ${p.runsGbitPerS.map((x) => x.toFixed(2)).join(' ')}`).join('; ')}`);
    say(`load average after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);

    if (opts.write) {
      const report = {
        bench: 'network', date: new Date().toISOString(), revision,
        machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadBefore: load, loadAfter, otherCoresBefore: quiet.otherCores },
        settings: { ...opts, mtu: net.mtu, images: { 'bench-a': 'debian-12', 'bench-b': 'busybox', 'bench-c': 'busybox' }, flavor: 'm1.tiny' },
        ports: portResults,
        floatingIp: { ...fipStats, samples: fip.samples },
        paths: { baseline, sameHost: same, twoHosts: cross, ratios: {
          sameHostThroughput: same.gbitPerS / baseline.gbitPerS, twoHostsThroughput: cross.gbitPerS / baseline.gbitPerS,
          sameHostRttP50: same.rttMs.p50 / baseline.rttMs.p50, twoHostsRttP50: cross.rttMs.p50 / baseline.rttMs.p50,
        } },
      };
      const dir = path.join(REPO_ROOT, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const day = report.date.slice(0, 10);
      for (const f of [`network-${day}.json`, 'network-latest.json']) fs.writeFileSync(path.join(dir, f), `${JSON.stringify(report, null, 2)}\n`);
      say(`wrote bench/results/network-${day}.json`);
    }
  } finally {
    await disposables.close();
  }
}

await main();
