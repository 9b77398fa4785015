/**
 * Container-infra bench (issue 7, must-show 6): how long a Docker Swarm cluster takes through Magnum's
 * API, and what its nodes cost the host.
 *
 * It starts the real all-in-one (`node dist/flotilla.mjs`, as `npm start` runs it, with its own compute
 * host and the busybox, debian-12 and debian-12-docker base images) on free loopback ports and a fresh data
 * dir; as admin it makes a project and a member user and lifts the project's compute and network quotas
 * (11 nodes exceed the default 10 instances). Then, as that member, through the public APIs:
 *  1. a cluster template (swarm-mode, debian-12-docker, external network public, m1.small for master and
 *     workers, network_driver docker), then `--runs` (5) times: POST /v1/clusters (1 master, 2 workers),
 *     timed until GET shows CREATE_COMPLETE and until the docker CLI over TLS (a client certificate made
 *     as magnumclient makes it: an RSA key and CSR from openssl, signed through POST /v1/certificates)
 *     lists 3 Ready nodes; then DELETE, timed until GET answers 404. Median, min, max;
 *  2. one more cluster, resized 2 → 10 workers (POST actions/resize) `--resize-runs` (1) times, timed until
 *     UPDATE_COMPLETE and until `docker node ls` lists 11 Ready nodes (between runs it goes back to 2);
 *  3. memory: the host's used memory (MemTotal − MemAvailable) with the cloud idle before any cluster and
 *     with the 11-node cluster idle for `--settle` (20) s, divided by the nodes; and the node containers'
 *     own cgroup memory (the host engine's containers, cgroup v1), per node.
 * It prints a per-phase breakdown of the first create and of the last from the cluster's events (GET
 * /v1/clusters/{id}/events: the conductor's steps and the stack's resource events it copies, each with
 * the time it was recorded), the figures beside the issue's targets and Magnum's published figures, and
 * writes bench/results/container-infra-*.json unless `--no-write`.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { cleanupHost, consoleLines, hostLayout } from '../test/support/compute.js';
import { ContainerInfraClient, type ClusterEventJson, type MagnumObject } from '../src/container-infra/client.js';
import { MagnumFault } from '../src/container-infra/errors.js';
import { IdentityClient } from '../src/identity/client.js';
import { LABEL } from '../src/agent/layout.js';
import { DisposableStore } from '../src/platform/lifecycle.js';
import { processTree } from './lib/memory.js';
import { waitForQuiet } from './lib/cpu.js';
import { positive } from './lib/options.js';

const USAGE = `npm run bench -- --only container-infra [options]
  --runs N          clusters (1 master, 2 workers) created and deleted, timed; the median is reported (5)
  --resize-runs N   resizes 2 → 10 workers, timed (1)
  --settle S        seconds the 11-node cluster rests before its memory is read (20)
  --no-write        do not write bench/results/container-infra-*.json
  --keep-log FILE   copy the cloud's log there before the data dir goes (FLOTILLA_LOG_LEVEL=debug adds
                    each request and step)`;

interface Options { runs: number; resizeRuns: number; settleS: number; write: boolean; keepLog: string | undefined }

const HOST = 'bench-coe';
const PROJECT = 'bench-coe';
const USER = 'bench-coe-user';
const PASSWORD = 'bench-coe-password';
const WORKERS = 2;
const RESIZE_TO = 10;
/** Generous: the machine may be shared, and a stuck step should fail the bench, not hang it. */
const CREATE_TIMEOUT_MS = 900_000;
const DELETE_TIMEOUT_MS = 600_000;
/** How often the bench reads the cluster: its figures are this coarse, at most. */
const POLL_MS = 100;

/** The issue's targets, in seconds. */
const TARGETS = { createMedian: 10, resizeTo10: 15 } as const;

/** What Magnum's users have published (../shared/reference/magnum.md §4.1), printed beside our figures. */
const REFERENCE = {
  issue: 'Magnum takes minutes (issue 7)',
  cern: {
    source: 'CERN, Spyros Trigazis, FOSDEM 2017 "OpenStack Magnum at CERN – scaling container clusters to thousands of nodes" (Rally, CERN cloud, Heat drivers of the time)',
    createSeconds: { 2: 150, 16: 240, 32: 240, 128: 330, 512: 840, 1000: 1380 } as Record<number, number>,
    swarm100Nodes: '`cluster-create --node-count 100` … ~5 mins later CREATE_COMPLETE (swarm)',
  },
  installGuide: { swarm1plus1Seconds: 74, note: 'upstream install guide sample, 1 master + 1 node, created_at → updated_at' },
  jetstreamNodeSeconds: { seconds: 900, note: 'Jetstream 2019: "about 15 minutes to provision 1 new node" (k8s, cluster-autoscaler)' },
} as const;

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench` passes every bench the same arguments.
  const { values } = parseArgs({
    args: argv, strict: false,
    options: { runs: { type: 'string' }, 'resize-runs': { type: 'string' }, settle: { type: 'string' }, 'no-write': { type: 'boolean' }, 'keep-log': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  return {
    runs: positive('runs', values.runs, 5),
    resizeRuns: positive('resize-runs', values['resize-runs'], 1),
    settleS: positive('settle', values.settle, 20),
    write: !values['no-write'],
    keepLog: typeof values['keep-log'] === 'string' ? path.resolve(values['keep-log']) : undefined,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (line: string): void => console.log(line);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const stats = (xs: readonly number[]): { median: number; min: number; max: number } => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const secs = (x: number): string => `${x.toFixed(2)} s`;

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function uptime(): string {
  return `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

function run(file: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------------
// The member's session

/** A project member's token, renewed before it could expire (a full run takes a while). */
class Member {
  #token = '';
  #at = 0;
  constructor(private readonly identity: IdentityClient) {}
  async token(): Promise<string> {
    if (!this.#token || Date.now() - this.#at > 20 * 60_000) {
      this.#token = (await this.identity.passwordToken({ user: USER, password: PASSWORD, project: PROJECT })).token;
      this.#at = Date.now();
    }
    return this.#token;
  }
}

/** Admin: the project, its member, and quotas lifted (compute's 10 instances would stop the resize at 9 workers). */
async function setUp(cloud: TestCloud, computeUrl: string, networkUrl: string): Promise<{ identity: IdentityClient; projectId: string }> {
  const identity = new IdentityClient(cloud.identityUrl);
  const admin = (await identity.passwordToken({ user: 'admin', password: cloud.adminPassword, project: 'admin' })).token;
  const project = await identity.save(admin, 'projects', { name: PROJECT, domain_id: 'default' });
  const user = await identity.save(admin, 'users', { name: USER, password: PASSWORD, domain_id: 'default' });
  const role = (await identity.list(admin, 'roles', { name: 'member' }))[0];
  if (!role) throw new Error('no member role');
  await identity.grant(admin, { on: 'projects', target: project.id, actor: 'users', actorId: user.id, roleId: role.id });
  const put = async (url: string, body: unknown): Promise<void> => {
    const r = await fetch(url, { method: 'PUT', headers: { 'x-auth-token': admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`PUT ${url}: ${r.status} ${await r.text()}`);
  };
  await put(`${computeUrl}/os-quota-sets/${project.id}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
  await put(`${networkUrl}/quotas/${project.id}`, { quota: { floatingip: -1, port: -1, network: -1, subnet: -1, router: -1, security_group: -1, security_group_rule: -1 } });
  return { identity, projectId: project.id };
}

// ---------------------------------------------------------------------------------------------------
// TLS: a client certificate as magnumclient makes one, and the docker CLI with it

interface Tls { dir: string; ca: string; cert: string; key: string; csr: string }

/** An RSA key and a CSR (CN=admin, O=system:masters, clientAuth), as `coe cluster config` makes them; openssl does the work. */
async function keyAndCsr(dir: string): Promise<Tls> {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, 'key.pem');
  const csrFile = path.join(dir, 'client.csr');
  const g = await run('openssl', ['genrsa', '-out', key, '2048']);
  if (g.code !== 0) throw new Error(`openssl genrsa: ${g.stderr}`);
  const r = await run('openssl', ['req', '-new', '-key', key, '-out', csrFile, '-subj', '/CN=admin/O=system:masters', '-addext', 'extendedKeyUsage=clientAuth']);
  if (r.code !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return { dir, ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key, csr: fs.readFileSync(csrFile, 'utf8') };
}

/** The CA and a signed client certificate for the cluster (GET and POST /v1/certificates), written beside the key. */
async function certify(coe: ContainerInfraClient, token: string, cluster: string, tls: Tls): Promise<void> {
  const [ca, cert] = await Promise.all([coe.getCa(token, cluster), coe.signCsr(token, cluster, tls.csr)]);
  fs.writeFileSync(tls.ca, ca);
  fs.writeFileSync(tls.cert, cert);
}

/** Hostnames of the Ready, Active nodes `docker node ls` lists over TLS; throws with the CLI's error. */
async function readyNodes(apiAddress: string, tls: Tls): Promise<string[]> {
  const r = await run('docker', ['-H', apiAddress, '--tlsverify', '--tlscacert', tls.ca, '--tlscert', tls.cert, '--tlskey', tls.key,
    'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}'], 30_000);
  if (r.code !== 0) throw new Error(`docker node ls: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.trim().split('\n').filter((l) => / Ready /.test(`${l} `) && / Active$/.test(l)).map((l) => l.split(' ')[0]!);
}

/** Polls `docker node ls` until `count` nodes are Ready; returns when that was first seen. */
async function untilReady(apiAddress: string, tls: Tls, count: number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  let last = '';
  for (;;) {
    try {
      const nodes = await readyNodes(apiAddress, tls);
      if (nodes.length === count) return performance.now();
      last = `${nodes.length} Ready: ${nodes.join(', ')}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`docker node ls never listed ${count} Ready nodes in ${withinMs / 1000} s: ${last}`);
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------------
// Clusters

/** Polls GET /v1/clusters/{id} until the status is `want` (throws on *_FAILED or another end state); returns when first seen. */
async function untilStatus(coe: ContainerInfraClient, member: Member, id: string, want: string, withinMs: number): Promise<{ at: number; cluster: MagnumObject }> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const c = await coe.getCluster(await member.token(), id);
    const status = String(c.status);
    if (status === want) return { at: performance.now(), cluster: c };
    if (!status.endsWith('_IN_PROGRESS')) throw new Error(`cluster ${String(c.name)} is ${status}, not ${want}: ${String(c.status_reason ?? '')}`);
    if (Date.now() > deadline) throw new Error(`cluster ${String(c.name)} still ${status} after ${withinMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** Polls until GET answers 404; returns when first seen. Throws on DELETE_FAILED. */
async function untilGone(coe: ContainerInfraClient, member: Member, id: string, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    let c: MagnumObject;
    try {
      c = await coe.getCluster(await member.token(), id);
    } catch (err) {
      if (err instanceof MagnumFault && err.status === 404) return performance.now();
      throw err;
    }
    if (String(c.status) === 'DELETE_FAILED') throw new Error(`cluster ${id} DELETE_FAILED: ${String(c.status_reason ?? '')}`);
    if (Date.now() > deadline) throw new Error(`cluster ${id} still ${String(c.status)} ${withinMs / 1000} s after its delete`);
    await sleep(POLL_MS);
  }
}

interface CreateRun { id: string; postedAtWall: number; createComplete: number; dockerReady: number; delete: number }

/** One timed create (to CREATE_COMPLETE, to 3 Ready nodes over TLS). The cluster stays; the caller deletes it. */
async function timedCreate(coe: ContainerInfraClient, member: Member, templateId: string, name: string, tls: Tls): Promise<{ id: string; postedAtWall: number; createComplete: number; dockerReady: number; apiAddress: string }> {
  const token = await member.token();
  const postedAtWall = Date.now();
  const t0 = performance.now();
  const { uuid } = await coe.createCluster(token, { name, cluster_template_id: templateId, master_count: 1, node_count: WORKERS });
  const done = await untilStatus(coe, member, uuid, 'CREATE_COMPLETE', CREATE_TIMEOUT_MS);
  const apiAddress = String(done.cluster.api_address ?? '');
  if (!apiAddress.startsWith('tcp://')) throw new Error(`cluster ${name} is CREATE_COMPLETE without an api_address: ${apiAddress}`);
  await certify(coe, await member.token(), uuid, tls);
  const ready = await untilReady(apiAddress, tls, 1 + WORKERS, 120_000);
  return { id: uuid, postedAtWall, createComplete: (done.at - t0) / 1000, dockerReady: (ready - t0) / 1000, apiAddress };
}

async function timedDelete(coe: ContainerInfraClient, member: Member, id: string): Promise<number> {
  const t0 = performance.now();
  await coe.deleteCluster(await member.token(), id);
  return ((await untilGone(coe, member, id, DELETE_TIMEOUT_MS)) - t0) / 1000;
}

/** Deletes every cluster of the project and waits until each is gone (also after a failure). */
async function deleteAll(coe: ContainerInfraClient, member: Member): Promise<void> {
  const clusters = await coe.listClusters(await member.token());
  for (const c of clusters) {
    try { await coe.deleteCluster(await member.token(), String(c.uuid)); } catch (err) { if (!(err instanceof MagnumFault && err.status === 404)) throw err; }
  }
  for (const c of clusters) await untilGone(coe, member, String(c.uuid), DELETE_TIMEOUT_MS);
}

// ---------------------------------------------------------------------------------------------------
// The first create, phase by phase, from the cluster's events

interface Phase { what: string; fromS: number; toS: number }

/**
 * The cluster's events as phases, in seconds after the POST: the conductor's own steps (its kinds:
 * CREATE_IN_PROGRESS, note, stack, nodes, CREATE_COMPLETE) and, for each resource of the stack, from its
 * first *_IN_PROGRESS to its *_COMPLETE (messages "<resource> <status>", copied from the stack's events
 * on the conductor's poll, so their times are when they were copied: up to its poll interval late).
 */
function phasesOf(events: readonly ClusterEventJson[], postedAtWall: number): { milestones: Array<{ atS: number; kind: string; message: string }>; resources: Phase[] } {
  const at = (e: ClusterEventJson): number => (Date.parse(e.time) - postedAtWall) / 1000;
  const milestones: Array<{ atS: number; kind: string; message: string }> = [];
  const spans = new Map<string, { from: number; to: number | undefined }>();
  for (const e of events) {
    const m = /^(\S+) ((?:CREATE|UPDATE|DELETE|CHECK|SIGNAL|INIT)_(?:IN_PROGRESS|COMPLETE|FAILED))(?:: |$)/.exec(e.message);
    if (m && e.kind === m[2]) {
      const [, resource, status] = m;
      const span = spans.get(resource!);
      if (status!.endsWith('_IN_PROGRESS') && !span) spans.set(resource!, { from: at(e), to: undefined });
      else if (status!.endsWith('_COMPLETE') || status!.endsWith('_FAILED')) spans.set(resource!, { from: span?.from ?? at(e), to: at(e) });
      continue;
    }
    milestones.push({ atS: at(e), kind: e.kind, message: e.message });
  }
  const resources = [...spans.entries()].map(([what, s]) => ({ what, fromS: s.from, toS: s.to ?? s.from })).sort((a, b) => a.fromS - b.fromS);
  return { milestones, resources };
}

function printPhases(p: ReturnType<typeof phasesOf>, run: CreateRun, which: number): void {
  say(`per-phase breakdown of create ${which} (s after POST /v1/clusters; from GET /v1/clusters/${run.id}/events):`);
  for (const m of p.milestones) say(`  +${m.atS.toFixed(2)}  ${m.kind}: ${m.message.slice(0, 160)}`);
  say('  stack resources (first IN_PROGRESS → COMPLETE as copied by the conductor; duration):');
  for (const r of p.resources) say(`    ${r.what.padEnd(32)} ${r.fromS.toFixed(2).padStart(6)} → ${r.toS.toFixed(2).padStart(6)}  (${(r.toS - r.fromS).toFixed(2)} s)`);
  say(`  bench saw CREATE_COMPLETE at +${run.createComplete.toFixed(2)}, 3 Ready nodes over TLS at +${run.dockerReady.toFixed(2)}`);
}

/**
 * A create slower than the target, told from the inside: the end of every node's console (its boot
 * script's lines carry the seconds since it started), read through compute's API before the delete.
 */
async function nodeConsoles(computeUrl: string, token: string): Promise<string[]> {
  const res = await fetch(`${computeUrl}/servers`, { headers: { 'x-auth-token': token } });
  const { servers } = (await res.json()) as { servers: Array<{ id: string; name: string }> };
  const out: string[] = [];
  for (const server of servers) {
    out.push(`  console of ${server.name}, last 40 lines:`);
    for (const line of await consoleLines(computeUrl, token, server.id, 40)) out.push(`    ${line}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Memory

/** MemTotal − MemAvailable, in KiB. */
function hostUsedKib(): number {
  const info = fs.readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0);
  return field('MemTotal') - field('MemAvailable');
}

interface NodeMemory { containers: number; usageKib: number; dockerStatsKib: number; rssKib: number }

/**
 * The host engine's server containers (label flotilla.server): the cluster's nodes, each with its own
 * dockerd inside. Per container, from its cgroup v1 memory controller: memory.usage_in_bytes (everything
 * charged, page cache included), what `docker stats` shows (usage − total_inactive_file), and its
 * processes' resident memory (total_rss + total_mapped_file).
 */
async function nodeContainersMemory(socket: string, cgroupParent: string): Promise<NodeMemory> {
  const r = await run('docker', ['-H', `unix://${socket}`, 'ps', '--no-trunc', '--format', `{{.ID}} {{.Label "${LABEL.server}"}}`]);
  if (r.code !== 0) throw new Error(`docker ps on the host engine: ${r.stderr}`);
  const ids = r.stdout.trim().split('\n').map((l) => l.split(' ')).filter(([id, server]) => id && server).map(([id]) => id!);
  const out: NodeMemory = { containers: 0, usageKib: 0, dockerStatsKib: 0, rssKib: 0 };
  for (const id of ids) {
    const dir = path.join('/sys/fs/cgroup/memory', cgroupParent, id);
    try {
      const usage = Number(fs.readFileSync(path.join(dir, 'memory.usage_in_bytes'), 'utf8').trim());
      const stat = fs.readFileSync(path.join(dir, 'memory.stat'), 'utf8');
      const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
      out.containers++;
      out.usageKib += usage / 1024;
      out.dockerStatsKib += (usage - field('total_inactive_file')) / 1024;
      out.rssKib += (field('total_rss') + field('total_mapped_file')) / 1024;
    } catch { /* gone, or not under this parent */ }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) { say('# container-infra bench skipped: the host agent needs root (its own engine, namespaces, cgroups)'); return; }
  for (const tool of ['docker', 'openssl', 'mmdebstrap', 'nft']) {
    if (!has(tool)) { say(`# container-infra bench skipped: ${tool} is not installed`); return; }
  }
  const revision = gitRevision();
  const loadBefore = uptime();
  const disposables = new DisposableStore();
  try {
    say(`starting Flotilla with compute host ${HOST} and the busybox, debian-12 and debian-12-docker images (a cold cache builds them first: minutes)`);
    const cloud = await startTestCloud({ env: { FLOTILLA_COMPUTE_HOST: HOST, FLOTILLA_BASE_IMAGES: 'busybox,debian-12,debian-12-docker' }, timeoutMs: 1_200_000 });
    const layout = hostLayout(cloud.dataDir, HOST);
    disposables.add(async () => {
      await cloud.stop();
      if (opts.keepLog) fs.copyFileSync(path.join(cloud.dataDir, 'flotilla.log'), opts.keepLog);
      await cleanupHost(layout);
      fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    });
    const unbuildable = /debian-12-docker: cannot be built here: (.*)/.exec(cloud.output());
    if (unbuildable) { say(`# container-infra bench skipped: debian-12-docker cannot be built here: ${unbuildable[1]}`); return; }

    const port = (name: string): string => cloud.flotillaEnv[`FLOTILLA_${name}_PORT`]!;
    const computeUrl = `http://127.0.0.1:${port('COMPUTE')}/v2.1`;
    const networkUrl = `http://127.0.0.1:${port('NETWORK')}/v2.0`;
    const coe = new ContainerInfraClient(`http://127.0.0.1:${port('CONTAINER_INFRA')}`, 'latest', 120_000);
    const { identity } = await setUp(cloud, computeUrl, networkUrl);
    const member = new Member(identity);
    // Registered last, so it runs first: every cluster goes before the cloud does.
    disposables.add(async () => {
      await deleteAll(coe, member).catch((err: unknown) => say(`# could not delete every cluster through the API (the host cleanup removes what is left): ${(err as Error).message}`));
    });

    const template = await coe.createTemplate(await member.token(), {
      name: 'bench-swarm', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public',
      flavor_id: 'm1.small', master_flavor_id: 'm1.small', network_driver: 'docker',
    });
    const templateId = String(template.uuid);
    const tls = await keyAndCsr(path.join(cloud.dataDir, 'bench-tls'));

    const quiet = await waitForQuiet(() => processTree(cloud.process.pid!), 30);
    say(`machine: ${os.cpus().length} cores, ${loadBefore} at start; other work ${quiet.otherCores.toFixed(2)} cores after waiting ${quiet.waitedS} s`);

    // Memory with the cloud idle, before any cluster.
    await sleep(5000);
    const idleBefore = { hostKib: hostUsedKib(), nodes: await nodeContainersMemory(layout.engine.socket, layout.engine.cgroupParent) };

    // 1. Create → delete, --runs times.
    const creates: CreateRun[] = [];
    // The first create (the host engine loads the node image) and the last (warm), phase by phase.
    let breakdown: ReturnType<typeof phasesOf> | undefined;
    let breakdownWarm: ReturnType<typeof phasesOf> | undefined;
    for (let i = 1; i <= opts.runs; i++) {
      const c = await timedCreate(coe, member, templateId, `bench-c${i}`, tls);
      const slow = c.dockerReady > TARGETS.createMedian;
      const events = i === 1 || i === opts.runs || slow ? await coe.events(await member.token(), c.id) : [];
      const consoles = slow ? await nodeConsoles(computeUrl, await member.token()) : [];
      const del = await timedDelete(coe, member, c.id);
      const r: CreateRun = { id: c.id, postedAtWall: c.postedAtWall, createComplete: c.createComplete, dockerReady: c.dockerReady, delete: del };
      creates.push(r);
      say(`create ${i}: CREATE_COMPLETE ${secs(r.createComplete)}, 3 Ready over TLS ${secs(r.dockerReady)}; delete: gone in ${secs(r.delete)}  (${uptime()})`);
      if (i === 1) { breakdown = phasesOf(events, c.postedAtWall); printPhases(breakdown, r, i); }
      else if (i === opts.runs) { breakdownWarm = phasesOf(events, c.postedAtWall); printPhases(breakdownWarm, r, i); }
      else if (slow) printPhases(phasesOf(events, c.postedAtWall), r, i);
      for (const line of consoles) say(line);
    }

    // 2. Resize 2 → 10 workers, --resize-runs times, on one cluster.
    say(`resize: a cluster of 1 master and ${WORKERS} workers, then ${WORKERS} → ${RESIZE_TO} workers`);
    const rc = await timedCreate(coe, member, templateId, 'bench-resize', tls);
    const resizes: Array<{ updateComplete: number; dockerReady: number }> = [];
    for (let i = 1; i <= opts.resizeRuns; i++) {
      if (i > 1) {
        await coe.resize(await member.token(), rc.id, { node_count: WORKERS });
        await untilStatus(coe, member, rc.id, 'UPDATE_COMPLETE', CREATE_TIMEOUT_MS);
        await untilReady(rc.apiAddress, tls, 1 + WORKERS, 120_000);
      }
      const t0 = performance.now();
      await coe.resize(await member.token(), rc.id, { node_count: RESIZE_TO });
      const done = await untilStatus(coe, member, rc.id, 'UPDATE_COMPLETE', CREATE_TIMEOUT_MS);
      const ready = await untilReady(rc.apiAddress, tls, 1 + RESIZE_TO, 120_000);
      const r = { updateComplete: (done.at - t0) / 1000, dockerReady: (ready - t0) / 1000 };
      resizes.push(r);
      say(`resize ${i}: UPDATE_COMPLETE ${secs(r.updateComplete)}, ${1 + RESIZE_TO} Ready over TLS ${secs(r.dockerReady)}  (${uptime()})`);
    }

    // 3. Memory of the idle 11-node cluster.
    say(`resting ${opts.settleS} s with ${1 + RESIZE_TO} nodes idle`);
    await sleep(opts.settleS * 1000);
    const idleAfter = { hostKib: hostUsedKib(), nodes: await nodeContainersMemory(layout.engine.socket, layout.engine.cgroupParent) };
    const nodes = 1 + RESIZE_TO;
    if (idleAfter.nodes.containers - idleBefore.nodes.containers !== nodes) {
      say(`# the host engine runs ${idleAfter.nodes.containers} server containers (${idleBefore.nodes.containers} before), not ${nodes}: per-node figures divide by ${nodes}`);
    }
    const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;
    const perNode = (k: Exclude<keyof NodeMemory, 'containers'>): number => mib((idleAfter.nodes[k] - idleBefore.nodes[k]) / nodes);
    const memory = {
      nodes,
      hostAddedMiB: mib(idleAfter.hostKib - idleBefore.hostKib),
      perNodeMiB: { host: mib((idleAfter.hostKib - idleBefore.hostKib) / nodes), cgroupUsage: perNode('usageKib'), dockerStats: perNode('dockerStatsKib'), rss: perNode('rssKib') },
    };
    await timedDelete(coe, member, rc.id);
    const loadAfter = uptime();

    // Report.
    const create = { createComplete: stats(creates.map((r) => r.createComplete)), dockerReady: stats(creates.map((r) => r.dockerReady)), delete: stats(creates.map((r) => r.delete)) };
    const resize = { updateComplete: stats(resizes.map((r) => r.updateComplete)), dockerReady: stats(resizes.map((r) => r.dockerReady)) };
    say('');
    say(`| through Magnum's API as a project member | median | min | max |`);
    say('|---|---|---|---|');
    say(`| create 1 master + ${WORKERS} workers → CREATE_COMPLETE (${opts.runs} runs) | ${secs(create.createComplete.median)} | ${secs(create.createComplete.min)} | ${secs(create.createComplete.max)} |`);
    say(`| create → \`docker node ls\` over TLS lists 3 Ready | ${secs(create.dockerReady.median)} | ${secs(create.dockerReady.min)} | ${secs(create.dockerReady.max)} |`);
    say(`| delete → cluster gone (404) | ${secs(create.delete.median)} | ${secs(create.delete.min)} | ${secs(create.delete.max)} |`);
    say(`| resize ${WORKERS} → ${RESIZE_TO} workers → UPDATE_COMPLETE (${opts.resizeRuns} run${opts.resizeRuns > 1 ? 's' : ''}) | ${secs(resize.updateComplete.median)} | ${secs(resize.updateComplete.min)} | ${secs(resize.updateComplete.max)} |`);
    say(`| resize → \`docker node ls\` lists ${1 + RESIZE_TO} Ready | ${secs(resize.dockerReady.median)} | ${secs(resize.dockerReady.min)} | ${secs(resize.dockerReady.max)} |`);
    say('');
    say(`memory, ${nodes} idle nodes (${opts.settleS} s after the resize): host +${memory.hostAddedMiB} MiB, ${memory.perNodeMiB.host} MiB per node (MemTotal − MemAvailable)`);
    say(`  node containers' cgroups per node: usage ${memory.perNodeMiB.cgroupUsage} MiB (page cache included), as docker stats shows it ${memory.perNodeMiB.dockerStats} MiB, processes' rss + mapped files ${memory.perNodeMiB.rss} MiB`);
    say('');
    say(`Magnum, published: ${REFERENCE.issue}; ${REFERENCE.cern.source}: 2 nodes 2.5 min, 16 nodes 4 min, 128 nodes 5.5 min, 1,000 nodes 23 min; ${REFERENCE.cern.swarm100Nodes}; ` +
      `install guide sample (swarm, 1 + 1): ~${REFERENCE.installGuide.swarm1plus1Seconds} s; ${REFERENCE.jetstreamNodeSeconds.note}`);
    const targets = [
      { name: `create median ≤ ${TARGETS.createMedian} s (to docker node ls over TLS)`, value: create.dockerReady.median, met: create.dockerReady.median <= TARGETS.createMedian },
      { name: `resize to ${RESIZE_TO} workers ≤ ${TARGETS.resizeTo10} s (to ${1 + RESIZE_TO} Ready)`, value: resize.dockerReady.median, met: resize.dockerReady.median <= TARGETS.resizeTo10 },
      { name: `faster than CERN's 2-node Magnum create (${REFERENCE.cern.createSeconds[2]} s)`, value: create.dockerReady.median, met: create.dockerReady.median < REFERENCE.cern.createSeconds[2]! },
    ];
    for (const t of targets) say(`${t.met ? '✔' : '✘'} ${t.name}: ${secs(t.value)}`);
    say(`${loadBefore} before, ${loadAfter} after: figures from a busy machine overstate the times`);

    if (opts.write) {
      const report = {
        bench: 'container-infra', date: new Date().toISOString(), revision,
        machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, otherCoresAtStart: quiet.otherCores },
        options: opts,
        seconds: { create: { runs: creates.map(({ createComplete, dockerReady, delete: d }) => ({ createComplete, dockerReady, delete: d })), ...create }, resize: { runs: resizes, ...resize } },
        breakdown,
        breakdownWarm,
        memory,
        reference: REFERENCE,
        targets,
      };
      const dir = path.join(REPO_ROOT, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const day = report.date.slice(0, 10);
      for (const f of [`container-infra-${day}.json`, 'container-infra-latest.json']) fs.writeFileSync(path.join(dir, f), `${JSON.stringify(report, null, 2)}\n`);
      say(`wrote bench/results/container-infra-${day}.json`);
    }
  } finally {
    await disposables.close();
  }
}

await main();
