/**
 * Compute bench: how fast a server boots, and what an idle one costs the host.
 *
 * It starts the real all-in-one (`node dist/flotilla.mjs`, as `npm start` runs it, with its own compute
 * host and the base images) on free loopback ports, plus one standalone agent (`flotilla agent`) as a
 * second host, then through the public APIs:
 *  1. boots `--boots` servers (20) from `--image` (debian-12), `--parallel` (5) at a time, and times each
 *     from the moment `POST /servers` is sent to status ACTIVE, and to its sshd sending its banner on
 *     port 22 of the server's address; prints p50/p95;
 *  2. deletes them, reads the host's memory, boots `--idle` (50) servers, waits until every sshd answers
 *     and the host settles, reads it again: the memory added, per server, split into where it went
 *     (the servers' own processes by cgroup, containerd's per-container shims, the engines, Flotilla).
 *
 * Host memory is MemTotal − MemAvailable from /proc/meminfo: what the kernel could not hand to a new
 * process without swapping, page cache that can be dropped excluded. Run it on a quiet machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, servicePortsEnv, freePort, startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { SERVER_ENV, SERVER_ENTRY } from '../src/platform/runtime.js';
import { agentLayout, imageRef } from '../src/agent/layout.js';
import { DockerApi } from '../src/agent/docker-api.js';
import { destroyHost } from '../src/agent/index.js';
import { DisposableStore } from '../src/platform/lifecycle.js';
import { processTree, rssSplit } from './lib/memory.js';
import { waitForQuiet } from './lib/cpu.js';
import { positive } from './lib/options.js';

const USAGE = `npm run bench -- [--only compute] [options]
  --boots N       servers timed from POST to ACTIVE and to sshd answering (20)
  --parallel N    of those, how many at a time (5)
  --idle N        idle servers whose memory is measured (50)
  --image NAME    image to boot (debian-12: it runs sshd)
  --settle S      seconds the idle servers rest before memory is read (20)
  --no-write      do not write bench/results/compute-*.json
  --keep-log FILE copy the cloud's log there and the second host's to FILE.bench-h2 before the
                  data dir goes
                  (FLOTILLA_LOG_LEVEL=debug adds each boot's phases in ms)`;

interface Options { boots: number; parallel: number; idle: number; image: string; settleS: number; write: boolean; keepLog: string | undefined }

const V = 'compute 2.79';
const HOST1 = 'bench-h1';
const HOST2 = 'bench-h2';

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench` passes every bench the same arguments (the identity bench's too).
  const { values } = parseArgs({
    args: argv, strict: false,
    options: { boots: { type: 'string' }, parallel: { type: 'string' }, idle: { type: 'string' }, image: { type: 'string' }, settle: { type: 'string' }, 'no-write': { type: 'boolean' }, 'keep-log': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  return {
    boots: positive('boots', values.boots, 20),
    parallel: positive('parallel', values.parallel, 5),
    idle: positive('idle', values.idle, 50),
    image: typeof values.image === 'string' ? values.image : 'debian-12',
    settleS: positive('settle', values.settle, 20),
    write: !values['no-write'],
    keepLog: typeof values['keep-log'] === 'string' ? path.resolve(values['keep-log']) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------
// The cloud, through its public APIs

class Api {
  constructor(readonly token: string, readonly projectId: string, readonly compute: string, readonly image: string) {}

  static async login(identityUrl: string, password: string, computeUrl: string, imageUrl: string): Promise<Api> {
    const res = await fetch(`${identityUrl}/auth/tokens?nocatalog`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    if (res.status !== 201) throw new Error(`login: ${res.status} ${await res.text()}`);
    const body = await res.json() as { token: { project: { id: string } } };
    return new Api(res.headers.get('x-subject-token')!, body.token.project.id, computeUrl, imageUrl);
  }

  async call<T = any>(method: string, url: string, body?: unknown, ok: number[] = [200, 202, 204]): Promise<T> {
    const res = await fetch(url, {
      method,
      headers: { 'x-auth-token': this.token, 'openstack-api-version': V, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!ok.includes(res.status)) throw Object.assign(new Error(`${method} ${url}: ${res.status} ${text}`), { status: res.status });
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async boot(name: string, imageRef: string, flavorRef: string): Promise<string> {
    const r = await this.call<{ server: { id: string } }>('POST', `${this.compute}/servers`, { server: { name, imageRef, flavorRef, networks: 'auto' } });
    return r.server.id;
  }

  async server(id: string): Promise<{ status: string; addresses: Record<string, Array<{ addr: string }>>; fault?: { message: string }; 'OS-EXT-SRV-ATTR:host'?: string } | undefined> {
    try {
      return (await this.call<{ server: any }>('GET', `${this.compute}/servers/${id}`)).server;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  async deleteAll(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.call('DELETE', `${this.compute}/servers/${id}`, undefined, [204, 404])));
    const deadline = Date.now() + 300_000;
    for (const id of ids) {
      while (await this.server(id)) {
        if (Date.now() > deadline) throw new Error(`server ${id} not deleted in 300 s`);
        await sleep(200);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when something at ip:22 sends an SSH banner, or rejects on error/timeout. */
function sshBanner(ip: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: ip, port: 22 });
    let got = '';
    const done = (err?: Error): void => { socket.destroy(); clearTimeout(timer); if (err) reject(err); else resolve(); };
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    socket.on('data', (d) => { got += d.toString('latin1'); if (got.startsWith('SSH-')) done(); });
    socket.on('error', (err) => done(err));
    socket.on('close', () => done(new Error('closed')));
  });
}

interface BootTiming { id: string; host: string; activeMs: number; sshMs: number }

/**
 * Boots one server and times it: POST sent → ACTIVE → sshd banner. ACTIVE is read from the server's
 * `OS-SRV-USG:launched_at`, the moment compute marked it ACTIVE (same machine, same clock), so the bench
 * polls the API only every 250 ms: polling every few milliseconds would take CPU the boots need on a
 * two-core machine. sshd is probed with a TCP connect every 50 ms, which costs next to nothing.
 */
async function timedBoot(api: Api, name: string, imageId: string, flavorId: string): Promise<BootTiming> {
  const t0 = performance.now();
  const wall0 = Date.now();
  const id = await api.boot(name, imageId, flavorId);
  let activeMs = 0;
  let ip = '';
  let host = '';
  for (;;) {
    const s = await api.server(id) as (Awaited<ReturnType<Api['server']>> & { 'OS-SRV-USG:launched_at'?: string | null });
    if (s?.status === 'ERROR') throw new Error(`${name} ERROR: ${s.fault?.message}`);
    if (s?.status === 'ACTIVE') {
      const launched = s['OS-SRV-USG:launched_at'];
      activeMs = launched ? Date.parse(`${launched}Z`) - wall0 : performance.now() - t0;
      ip = Object.values(s.addresses).flat()[0]?.addr ?? '';
      host = s['OS-EXT-SRV-ATTR:host'] ?? '';
      break;
    }
    if (performance.now() - t0 > 300_000) throw new Error(`${name} not ACTIVE in 300 s`);
    await sleep(250);
  }
  if (!ip) throw new Error(`${name} is ACTIVE without an address`);
  for (;;) {
    try {
      await sshBanner(ip, 500);
      break;
    } catch {
      if (performance.now() - t0 > 300_000) throw new Error(`${name}: sshd not answering at ${ip} in 300 s`);
      await sleep(50);
    }
  }
  return { id, host, activeMs, sshMs: performance.now() - t0 };
}

/** Runs `jobs` with at most `n` at a time, in order of start. */
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

/** Nearest-rank percentile. */
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------------
// Memory

/** MemTotal − MemAvailable, in KiB. */
function hostUsedKib(): number {
  const info = fs.readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0);
  return field('MemTotal') - field('MemAvailable');
}

/** Pids whose command name starts with `prefix` (e.g. containerd-shim). */
function pidsNamed(prefix: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try { if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim().startsWith(prefix)) out.push(Number(entry)); } catch { /* gone */ }
  }
  return out;
}

/** Resident memory (rss + mapped file, no page cache) of every container cgroup under an engine's parent, KiB. */
function containersRssKib(cgroupParent: string): number {
  const dir = `/sys/fs/cgroup/memory${cgroupParent}`;
  let total = 0;
  let entries: fs.Dirent[] = [];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return 0; }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    try {
      const stat = fs.readFileSync(path.join(dir, e.name, 'memory.stat'), 'utf8');
      const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
      total += (field('total_rss') + field('total_mapped_file')) / 1024;
    } catch { /* gone */ }
  }
  return total;
}

interface MemoryReading { hostKib: number; containersKib: number; shimsKib: number; enginesKib: number; flotillaKib: number }

function readMemory(cloudPid: number, agentPid: number, cgroupParents: readonly string[], enginePids: () => number[]): MemoryReading {
  return {
    hostKib: hostUsedKib(),
    containersKib: cgroupParents.reduce((sum, p) => sum + containersRssKib(p), 0),
    // Private memory only (RssAnon): the shims and engines share their binaries' pages.
    shimsKib: rssSplit(pidsNamed('containerd-shim')).anon,
    enginesKib: rssSplit(enginePids()).anon,
    flotillaKib: rssSplit([cloudPid, agentPid]).anon,
  };
}

// ---------------------------------------------------------------------------------------------------

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    console.log('# compute bench skipped: the host agent needs root (its own engine, namespaces, cgroups)');
    return;
  }
  const revision = gitRevision();
  const disposables = new DisposableStore();
  const say = (line: string): void => console.log(line);
  try {
    const identityPort = await freePort();
    const ports = await servicePortsEnv(identityPort);
    say(`starting Flotilla with compute host ${HOST1} and base images (a cold cache builds debian-12 first: about a minute)`);
    // Logging as `npm start` does (info, to the data dir), so the figures are what a user gets.
    const cloud: TestCloud = await startTestCloud({
      identityPort, timeoutMs: 900_000,
      env: {
        ...ports, FLOTILLA_COMPUTE_HOST: HOST1, FLOTILLA_BASE_IMAGES: `busybox,${opts.image === 'busybox' ? '' : opts.image}`.replace(/,$/, ''),
        // Pools given to the bench are kept (a test cloud otherwise takes a free slot of the test pools).
        ...(process.env.FLOTILLA_SERVER_POOL && process.env.FLOTILLA_PUBLIC_POOL ? { FLOTILLA_SERVER_POOL: process.env.FLOTILLA_SERVER_POOL, FLOTILLA_PUBLIC_POOL: process.env.FLOTILLA_PUBLIC_POOL } : {}),
      },
    });
    const layouts = [agentLayout(path.join(cloud.dataDir, 'hosts', HOST1)), agentLayout(path.join(cloud.dataDir, 'hosts', HOST2))];
    disposables.add(async () => {
      await cloud.stop();
      if (opts.keepLog) {
        fs.copyFileSync(path.join(cloud.dataDir, 'flotilla.log'), opts.keepLog);
        // The standalone agent logs into its own directory.
        fs.copyFileSync(path.join(layouts[1]!.dir, 'agent.log'), `${opts.keepLog}.${HOST2}`);
      }
      for (const l of layouts) await destroyHost(l).catch(() => {});
      fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    });

    // A second host, as a standalone agent process: 50 one-vcpu servers do not fit the 16:1 CPU
    // allocation of this two-core machine's single host.
    const agent: ChildProcess = spawn(process.execPath, [SERVER_ENTRY, 'agent', '--host', HOST2], {
      env: { ...process.env, ...SERVER_ENV, ...ports, FLOTILLA_DATA_DIR: cloud.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let agentOut = '';
    agent.stdout!.on('data', (d: Buffer) => { agentOut += d.toString(); });
    agent.stderr!.on('data', (d: Buffer) => { agentOut += d.toString(); });
    const agentExited = new Promise<void>((r) => agent.once('exit', () => r()));
    disposables.add(async () => { if (agent.exitCode === null) { agent.kill('SIGTERM'); await agentExited; } });

    const computeUrl = `http://127.0.0.1:${ports.FLOTILLA_COMPUTE_PORT}/v2.1`;
    const imageUrl = `http://127.0.0.1:${ports.FLOTILLA_IMAGE_PORT}`;
    const api = await Api.login(cloud.identityUrl, cloud.adminPassword, computeUrl, imageUrl);
    for (let i = 0; ; i++) {
      const hv = await api.call<{ hypervisors: Array<{ state: string }> }>('GET', `${computeUrl}/os-hypervisors`);
      if (hv.hypervisors.filter((h) => h.state === 'up').length >= 2) break;
      if (agent.exitCode !== null || i > 600) throw new Error(`second host did not come up:\n${agentOut}`);
      await sleep(100);
    }
    const images = await api.call<{ images: Array<{ id: string }> }>('GET', `${imageUrl}/v2/images?name=${encodeURIComponent(opts.image)}`);
    const imageId = images.images[0]?.id;
    if (!imageId) throw new Error(`no image ${opts.image}`);
    await api.call('PUT', `${computeUrl}/os-quota-sets/${api.projectId}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
    // Servers booted with `auto` land on the project's get-me-a-network subnet, which the machine reaches
    // through its router; the project's `default` group must let the probes' TCP 22 in, as a user would.
    const networkUrl = `http://127.0.0.1:${ports.FLOTILLA_NETWORK_PORT}/v2.0`;
    const groups = await api.call<{ security_groups: Array<{ id: string }> }>('GET', `${networkUrl}/security-groups?project_id=${api.projectId}&name=default`);
    await api.call('POST', `${networkUrl}/security-group-rules`, {
      security_group_rule: { security_group_id: groups.security_groups[0]!.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22 },
    }, [201, 409]);
    // The smallest flavor an idle Debian with sshd runs in comfortably; the limit is what matters here.
    const flavor = await api.call<{ flavor: { id: string } }>('POST', `${computeUrl}/flavors`, { flavor: { name: 'bench.idle', ram: 256, vcpus: 1, disk: 1 } });

    // Warm-up: the first boot on each host loads the image into its engine, which later boots reuse.
    say('warm-up: one boot per host (loads the image into each engine)');
    const warm = await Promise.all([HOST1, HOST2].map(async (host) => {
      const r = await api.call<{ server: { id: string } }>('POST', `${computeUrl}/servers`, { server: { name: `warm-${host}`, imageRef: imageId, flavorRef: flavor.flavor.id, networks: 'auto', 'availability_zone': `nova:${host}` } });
      for (;;) {
        const s = await api.server(r.server.id);
        if (s?.status === 'ACTIVE') return r.server.id;
        if (s?.status === 'ERROR') throw new Error(`warm-up on ${host}: ${s.fault?.message}`);
        await sleep(100);
      }
    }));
    // The warm-up servers stay until the end: deleting them would tear down each host's project network
    // (its namespace, bridge, routes) only for the first measured boots to build it again, which a cloud
    // in use does not do on every boot.

    // 1. Boot times.
    const ours = (): number[] => [...processTree(cloud.process.pid!), ...processTree(agent.pid!)];
    const quiet = await waitForQuiet(ours, 30);
    if (quiet.otherCores > 0.25) say(`# the machine is busy (${quiet.otherCores.toFixed(2)} cores used by others): figures will be slower`);
    say(`booting ${opts.boots} × ${opts.image}, ${opts.parallel} at a time`);
    const timings = await pool(opts.parallel, opts.boots, (i) => timedBoot(api, `boot-${i}`, imageId, flavor.flavor.id));
    const active = timings.map((t) => t.activeMs);
    const ssh = timings.map((t) => t.sshMs);
    const boot = {
      boots: opts.boots, parallel: opts.parallel, image: opts.image,
      activeMs: { p50: percentile(active, 50), p95: percentile(active, 95), min: Math.min(...active), max: Math.max(...active) },
      sshMs: { p50: percentile(ssh, 50), p95: percentile(ssh, 95), min: Math.min(...ssh), max: Math.max(...ssh) },
      hosts: Object.fromEntries([HOST1, HOST2].map((h) => [h, timings.filter((t) => t.host === h).length])),
      // In order of start: [ms to ACTIVE, ms to sshd, host].
      samples: timings.map((t) => [Math.round(t.activeMs), Math.round(t.sshMs), t.host]),
    };
    await api.deleteAll([...warm, ...timings.map((t) => t.id)]);

    // Baseline, same run: the engine alone. The same number of containers of the same image, as many at
    // a time, created and started straight through host 1's Docker API with the settings servers get
    // (init, own network namespace, limits), but no Flotilla: no API, no scheduling, no ports, no init.
    say(`baseline: ${opts.boots} × docker create + start on ${HOST1}'s engine, ${opts.parallel} at a time`);
    const docker = new DockerApi(layouts[0]!.engine.socket);
    const baselineIds: string[] = [];
    const engineMs = await pool(opts.parallel, opts.boots, async (i) => {
      const t0 = performance.now();
      const id = await docker.createContainer(`bench-baseline-${i}-${process.pid}`, {
        Hostname: `baseline-${i}`, Image: imageRef(imageId), Entrypoint: ['/bin/sleep'], Cmd: ['infinity'], Labels: {}, NetworkDisabled: true,
        HostConfig: { Init: true, NetworkMode: 'none', Binds: [], Memory: 256 * 2 ** 20, MemorySwap: 256 * 2 ** 20, CpuPeriod: 100_000, CpuQuota: 100_000, PidsLimit: 4096 },
      });
      baselineIds.push(id);
      await docker.startContainer(id);
      return performance.now() - t0;
    });
    for (const id of baselineIds) await docker.removeContainer(id);
    docker.close();
    const baseline = { name: 'engine alone (docker create + start)', p50: percentile(engineMs, 50), p95: percentile(engineMs, 95) };

    // 2. Memory of idle servers.
    // dockerd and its containerd, without the shims (counted on their own): /proc is read once per reading.
    const enginePids = (): number[] => {
      const shims = new Set(pidsNamed('containerd-shim'));
      return layouts.flatMap((l) => {
        try { return processTree(Number(fs.readFileSync(l.engine.pidFile, 'utf8').trim())).filter((p) => !shims.has(p)); } catch { return []; }
      });
    };
    const cgroupParents = layouts.map((l) => l.engine.cgroupParent);
    await sleep(5000);
    const before = readMemory(cloud.process.pid!, agent.pid!, cgroupParents, enginePids);
    say(`booting ${opts.idle} idle servers over two hosts`);
    const idle = await pool(opts.parallel, opts.idle, (i) => timedBoot(api, `idle-${i}`, imageId, flavor.flavor.id));
    say(`all ${opts.idle} answer ssh; resting ${opts.settleS} s`);
    await sleep(opts.settleS * 1000);
    const afterReading = readMemory(cloud.process.pid!, agent.pid!, cgroupParents, enginePids);
    const mib = (kib: number): number => Math.round((kib / 1024) * 100) / 100;
    const per = (k: keyof MemoryReading): number => (afterReading[k] - before[k]) / opts.idle;
    const memory = {
      servers: opts.idle,
      perServerMiB: {
        host: mib(per('hostKib')), servers: mib(per('containersKib')), shims: mib(per('shimsKib')),
        engines: mib(per('enginesKib')), flotilla: mib(per('flotillaKib')),
      },
      hostAddedMiB: mib(afterReading.hostKib - before.hostKib),
      hosts: Object.fromEntries([HOST1, HOST2].map((h) => [h, idle.filter((t) => t.host === h).length])),
    };
    await api.deleteAll(idle.map((t) => t.id));

    const targets = [
      { name: 'ACTIVE p50 ≤ 1 s', value: boot.activeMs.p50, limit: 1000, met: boot.activeMs.p50 <= 1000 },
      { name: 'sshd answering p50 ≤ 2 s', value: boot.sshMs.p50, limit: 2000, met: boot.sshMs.p50 <= 2000 },
      { name: '≤ 20 MB host memory per idle server', value: memory.perServerMiB.host, limit: 20 * 1e6 / 2 ** 20, met: memory.perServerMiB.host <= 20 * 1e6 / 2 ** 20 },
    ];
    const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
    say('');
    say(`| ${opts.boots} boots of ${opts.image}, ${opts.parallel} at a time | p50 | p95 | min | max |`);
    say('|---|---|---|---|---|');
    say(`| POST /servers → ACTIVE | ${ms(boot.activeMs.p50)} | ${ms(boot.activeMs.p95)} | ${ms(boot.activeMs.min)} | ${ms(boot.activeMs.max)} |`);
    say(`| POST /servers → sshd answers | ${ms(boot.sshMs.p50)} | ${ms(boot.sshMs.p95)} | ${ms(boot.sshMs.min)} | ${ms(boot.sshMs.max)} |`);
    say(`| baseline: ${baseline.name} | ${ms(baseline.p50)} | ${ms(baseline.p95)} | | |`);
    say(`ACTIVE p50 is ${(boot.activeMs.p50 / baseline.p50).toFixed(1)}× the engine's own create + start.`);
    say(`ACTIVE, in order of start (s): ${active.map((x) => (x / 1000).toFixed(2)).join(' ')}`);
    say('');
    const m = memory.perServerMiB;
    say(`${opts.idle} idle servers (${Object.entries(memory.hosts).map(([h, n]) => `${n} on ${h}`).join(', ')}): host memory +${memory.hostAddedMiB.toFixed(1)} MiB, ${m.host.toFixed(2)} MiB per server`);
    say(`  per server: its processes ${m.servers.toFixed(2)} MiB (cgroup rss + mapped files), containerd shim ${m.shims.toFixed(2)} MiB, engines ${m.engines.toFixed(2)} MiB, Flotilla ${m.flotilla.toFixed(2)} MiB (private memory); the rest is the kernel's (page tables, slab, namespaces) and shared pages`);
    say('');
    for (const t of targets) say(`${t.met ? '✔' : '✘'} ${t.name}: ${t.name.includes('MB') ? `${t.value.toFixed(2)} MiB` : ms(t.value)}`);

    if (opts.write) {
      const report = {
        bench: 'compute', date: new Date().toISOString(), revision,
        machine: { cpus: (await import('node:os')).cpus().length, memMiB: Math.round((await import('node:os')).totalmem() / 2 ** 20) },
        boot, baseline, memory, targets,
      };
      const dir = path.join(REPO_ROOT, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const day = report.date.slice(0, 10);
      for (const f of [`compute-${day}.json`, 'compute-latest.json']) fs.writeFileSync(path.join(dir, f), `${JSON.stringify(report, null, 2)}\n`);
      say(`wrote bench/results/compute-${day}.json`);
    }
  } finally {
    await disposables.close();
  }
}

await main();
