/**
 * The Docker API client and the driver's health, drain and forget against real engines: two dockerds
 * this test starts, each in a network namespace of its own joined by a veth pair (10.255.0.1 and
 * 10.255.0.2), forming a swarm (a manager and a worker) that the client reaches over the manager's unix
 * socket; and a third engine on 127.0.0.1 with --tlsverify, its certificate signed by a CA from pki.ts
 * through a CSR made the way the master's boot script makes it, reached with a client certificate.
 * Everything made (namespaces, engines, data) is removed at the end.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeCa, makeClientCertificate, signCsr } from '../../pki.js';
import { DockerApi, DockerApiError } from './docker-api.js';
import { swarmDrain, swarmForget, swarmHealth } from './index.js';

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, dockerd)'
  : ['dockerd', 'docker', 'ip', 'nsenter', 'openssl', 'busybox'].find((t) => !has(t)) ? `needs dockerd, docker, ip, nsenter, openssl and busybox` : undefined;
if (skip) console.log(`# docker-api test skipped: ${skip}`);

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface Engine { name: string; dir: string; socket: string; proc: ChildProcess; netns?: string }

async function waitSocket(e: Engine, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const api = new DockerApi({ address: `unix://${e.socket}` });
  try {
    for (;;) {
      try { await api.version(); return; } catch { /* not yet */ }
      if (e.proc.exitCode !== null) throw new Error(`dockerd ${e.name} exited: ${fs.readFileSync(path.join(e.dir, 'dockerd.log'), 'utf8').slice(-1500)}`);
      if (Date.now() > deadline) throw new Error(`dockerd ${e.name} did not answer`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally { api.close(); }
}

function startEngine(root: string, name: string, extra: string[], netns?: string): Engine {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'docker.sock');
  const args = [
    '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid'),
    '-H', `unix://${socket}`, '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
    '--exec-opt', 'native.cgroupdriver=cgroupfs', '--log-level', 'warn', ...extra,
  ];
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  // A UTS namespace of its own: the node's hostname is the engine's name, as a server's is its own.
  const run = ['unshare', '-u', 'sh', '-c', 'hostname "$0" && exec dockerd "$@"', `node-${name}`, ...args];
  const proc = netns
    ? spawn('nsenter', [`--net=/run/netns/${netns}`, ...run], { stdio: ['ignore', log, log] })
    : spawn(run[0]!, run.slice(1), { stdio: ['ignore', log, log] });
  return { name, dir, socket, proc, ...(netns ? { netns } : {}) };
}

async function stopEngine(e: Engine): Promise<void> {
  if (e.proc.exitCode === null) {
    const exited = new Promise((r) => e.proc.once('exit', r));
    e.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (e.proc.exitCode === null) { e.proc.kill('SIGKILL'); await exited; }
  }
}

const docker = (e: Engine, ...args: string[]): string => sh('docker', ['-H', `unix://${e.socket}`, ...args]).trim();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Docker API client and swarm health/drain/forget against real engines', { skip }, () => {
  const tag = `fl-drv-${process.pid}`;
  const nsA = `${tag}-a`;
  const nsB = `${tag}-b`;
  let root = '';
  let a: Engine;
  let b: Engine;
  let api: DockerApi;
  const access = (): { apiAddress: string } => ({ apiAddress: `unix://${a.socket}` });

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-driver-engines-'));
    for (const ns of [nsA, nsB]) {
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh('ip', ['link', 'add', `${tag.slice(-8)}a`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `${tag.slice(-8)}b`, 'netns', nsB]);
    sh('ip', ['-n', nsA, 'addr', 'add', '10.255.0.1/30', 'dev', `${tag.slice(-8)}a`]);
    sh('ip', ['-n', nsB, 'addr', 'add', '10.255.0.2/30', 'dev', `${tag.slice(-8)}b`]);
    sh('ip', ['-n', nsA, 'link', 'set', `${tag.slice(-8)}a`, 'up']);
    sh('ip', ['-n', nsB, 'link', 'set', `${tag.slice(-8)}b`, 'up']);
    a = startEngine(root, 'a', ['--label', 'flotilla.server_id=server-a'], nsA);
    b = startEngine(root, 'b', ['--label', 'flotilla.server_id=server-b'], nsB);
    await Promise.all([waitSocket(a), waitSocket(b)]);
    docker(a, 'swarm', 'init', '--advertise-addr', '10.255.0.1', '--dispatcher-heartbeat', '2s');
    const token = docker(a, 'swarm', 'join-token', '-q', 'worker');
    docker(b, 'swarm', 'join', '--token', token, '--advertise-addr', '10.255.0.2', '10.255.0.1:2377');
    // A one-file image (busybox) for a service's tasks, imported into both engines.
    const rootfs = path.join(root, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    for (const tool of ['sh', 'sleep']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', tool));
    sh('tar', ['-C', rootfs, '-cf', path.join(root, 'bb.tar'), '.']);
    for (const e of [a, b]) docker(e, 'import', path.join(root, 'bb.tar'), 'bb:test');
    api = new DockerApi({ address: `unix://${a.socket}`, timeoutMs: 5000 });
  });

  after(async () => {
    api?.close();
    for (const e of [a, b]) if (e) await stopEngine(e);
    for (const ns of [nsA, nsB]) spawnSync('ip', ['netns', 'del', ns]);
    if (root) {
      spawnSync('sh', ['-c', `grep -o " ${root}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads info, version and the nodes with their server labels', async () => {
    const info = await api.info();
    assert.equal(info.Swarm.LocalNodeState, 'active');
    assert.equal(info.Swarm.ControlAvailable, true);
    const version = await api.version();
    assert.match(version.Version, /^\d+\.\d+/);
    let nodes = await api.nodes();
    for (let i = 0; i < 50 && !(nodes.length === 2 && nodes.every((n) => n.Status.State === 'ready')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      nodes = await api.nodes();
    }
    assert.equal(nodes.length, 2);
    assert.deepEqual(nodes.map((n) => n.Description.Engine?.Labels?.['flotilla.server_id']).sort(), ['server-a', 'server-b']);
    const worker = nodes.find((n) => n.Spec.Role === 'worker')!;
    assert.equal((await api.node(worker.ID)).ID, worker.ID);
    await assert.rejects(api.node('nosuchnode'), (err: unknown) => err instanceof DockerApiError && err.status === 404);
  });

  it('reports health with per-node reasons, and what is missing', async () => {
    const h = await swarmHealth(access());
    assert.equal(h.status, 'HEALTHY', JSON.stringify(h));
    assert.equal(h.reason.api, 'ok');
    assert.equal(Object.values(h.reason).filter((v) => v === 'True').length, 2);
    assert.deepEqual(h.nodes.map((n) => n.serverId).sort(), ['server-a', 'server-b']);
    const more = await swarmHealth(access(), { expected: [{ serverId: 'server-a' }, { serverId: 'server-b' }, { hostname: 'never-joined' }] });
    assert.equal(more.status, 'UNHEALTHY');
    assert.deepEqual(more.missing, ['never-joined']);
    assert.equal(more.reason['never-joined.Ready'], 'False');
    const fewer = await swarmHealth(access(), { expected: [{ serverId: 'server-a' }] });
    assert.equal(fewer.status, 'HEALTHY');
    assert.deepEqual(fewer.nodes.filter((n) => !n.expected).map((n) => n.serverId), ['server-b']);
    const nowhere = await swarmHealth({ apiAddress: `unix://${path.join(root, 'none.sock')}`, timeoutMs: 1000 });
    assert.equal(nowhere.status, 'UNKNOWN');
  });

  it('lists services and tasks, drains a node until its tasks left, and makes it active again', async () => {
    docker(a, 'service', 'create', '--detach', '--name', 'sleepers', '--replicas', '2', '--network', 'host', '--stop-grace-period', '1s', '--no-resolve-image', 'bb:test', 'sleep', '1d');
    const services = await api.services();
    assert.deepEqual(services.map((s) => s.Spec.Name), ['sleepers']);
    const nodes = await api.nodes();
    const b0 = nodes.find((n) => n.Description.Engine?.Labels?.['flotilla.server_id'] === 'server-b')!;
    let onB = 0;
    for (let i = 0; i < 100; i++) {
      onB = (await api.tasks({ node: [b0.ID], 'desired-state': ['running'] })).filter((t) => t.Status.State === 'running').length;
      if (onB > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(onB > 0, 'a task runs on the worker');
    const drained = await swarmDrain(access(), [{ serverId: 'server-b' }, { serverId: 'server-x' }], { timeoutMs: 30_000 });
    assert.deepEqual(drained.unknown, [{ serverId: 'server-x' }]);
    assert.equal(drained.tasksLeft, 0);
    assert.equal((await api.node(b0.ID)).Spec.Availability, 'drain');
    const running = (await api.tasks({ 'desired-state': ['running'] })).filter((t) => t.NodeID);
    assert.ok(running.every((t) => t.NodeID !== b0.ID), 'no task is scheduled on the drained node');
    await api.changeNode(b0.ID, (spec) => ({ ...spec, Availability: 'active' }));
    assert.equal((await api.node(b0.ID)).Spec.Availability, 'active');
    // A stale version is refused by the engine.
    const stale = (await api.node(b0.ID)).Version.Index - 1;
    await assert.rejects(api.updateNode(b0.ID, stale, { ...b0.Spec, Availability: 'active' }), (err: unknown) => err instanceof DockerApiError && err.status >= 400);
  });

  it('forgets a node that is down, never the one it talks to', async () => {
    await stopEngine(b);
    let h = await swarmHealth(access());
    for (let i = 0; i < 60 && h.status === 'HEALTHY'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      h = await swarmHealth(access());
    }
    assert.equal(h.status, 'UNHEALTHY', 'the stopped worker is noticed (dispatcher heartbeat 2 s)');
    const down = h.nodes.find((n) => n.serverId === 'server-b')!;
    assert.equal(h.reason[`${down.hostname}.Ready`], 'False');
    assert.deepEqual(await swarmForget(access(), [{ serverId: 'server-a' }]), [], 'the manager it talks to stays');
    assert.deepEqual(await swarmForget(access(), [{ serverId: 'server-b' }]), [down.hostname]);
    const after = await swarmHealth(access());
    assert.equal(after.status, 'HEALTHY');
    assert.equal(after.nodes.length, 1);
  });
});

describe('Docker API client over TLS with a client certificate', { skip }, () => {
  let root = '';
  let engine: Engine | undefined;
  let port = 0;
  let ca: { certPem: string; keyPem: string };

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-driver-tls-'));
    ca = await makeCa('tls-test');
    // The server's key and CSR as the master's boot script makes them (openssl, SANs by IP).
    const key = path.join(root, 'server-key.pem');
    sh('openssl', ['genrsa', '-out', key, '2048']);
    const csr = sh('openssl', ['req', '-new', '-key', key, '-subj', '/CN=swarm-master', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'extendedKeyUsage=serverAuth,clientAuth']);
    fs.writeFileSync(path.join(root, 'server.pem'), await signCsr(ca, csr));
    fs.writeFileSync(path.join(root, 'ca.pem'), ca.certPem);
    port = await freePort();
    engine = startEngine(root, 'tls', [
      '-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', path.join(root, 'ca.pem'), '--tlscert', path.join(root, 'server.pem'), '--tlskey', key,
    ]);
    await waitSocket(engine);
  });

  after(async () => {
    if (engine) await stopEngine(engine);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers a client the cluster CA signed, and refuses one it did not', async () => {
    const client = await makeClientCertificate(ca, 'admin');
    const api = new DockerApi({ address: `tcp://127.0.0.1:${port}`, tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
    try {
      assert.match((await api.version()).Version, /^\d+\.\d+/);
      await assert.rejects(api.nodes(), (err: unknown) => err instanceof DockerApiError && err.status === 503, 'not a swarm manager');
      const h = await swarmHealth({ apiAddress: `tcp://127.0.0.1:${port}`, tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
      assert.equal(h.status, 'UNHEALTHY');
      assert.match(h.reason.api!, /not a swarm manager/);
    } finally { api.close(); }
    const other = await makeCa('someone-else');
    const stranger = await makeClientCertificate(other, 'admin');
    const refused = new DockerApi({ address: `tcp://127.0.0.1:${port}`, tls: { ca: ca.certPem, cert: stranger.certPem, key: stranger.keyPem }, timeoutMs: 3000 });
    try {
      await assert.rejects(refused.version(), (err: unknown) => err instanceof DockerApiError && err.status === 0);
    } finally { refused.close(); }
    const plain = new DockerApi({ address: `tcp://127.0.0.1:${port}`, timeoutMs: 3000 });
    try {
      await assert.rejects(plain.version(), DockerApiError);
    } finally { plain.close(); }
  });
});
