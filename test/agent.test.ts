/**
 * The host agent against a real Docker engine, real namespaces and veths. Compute's and the image
 * service's parts are played by stand-ins that speak the agent protocol (test/support/agent-standins.ts)
 * until the real services serve it. Skipped, with the reason printed, where the machine cannot run it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger } from '../src/platform/log.js';
import { loadConfig } from '../src/platform/config.js';
import { createAgent, type Agent } from '../src/agent/index.js';
import { containerName, networkNamespace } from '../src/agent/layout.js';
import { listNamespaces } from '../src/agent/netns.js';
import { StandInCompute, StandInImages } from './support/agent-standins.js';
import { busyboxArchive, busyboxUnavailable } from './support/docker-archive.js';
import { agentUnavailable, inServer, memoryLimit, pings, port, serverSpec, testNetwork } from './support/agent-fixtures.js';

const why = agentUnavailable() ?? busyboxUnavailable();
if (why) console.log(`# agent tests skipped: ${why}`);

const token = { token: async () => 'stand-in-token', invalidate: () => {} };
const run = randomBytes(3).toString('hex');

/** The console log through the agent's socket, as compute asks for it. */
/** The console log once it matches `pattern` (init prints as it goes; a report may come first), or the last read. */
async function consoleLogMatching(agent: Agent, id: string, pattern: RegExp, withinMs = 10_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const text = await consoleLog(agent, id);
    if (pattern.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function consoleLog(agent: Agent, id: string, lines = 100): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: agent.layout.agentSocket, path: `/v1/servers/${id}/console?lines=${lines}` }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).once('end', () => resolve(text));
    }).once('error', reject);
  });
}

describe('host agent', { skip: why, concurrency: false }, () => {
  let compute: StandInCompute;
  let images: StandInImages;
  let root: string;
  const agents: Agent[] = [];
  const BUSYBOX = randomUUID();
  const QCOW = randomUUID();
  const GARBAGE = randomUUID();

  async function startAgent(host: string): Promise<Agent> {
    const agent = await createAgent({
      config: loadConfig({}), logger: silentLogger(), host, zone: 'nova', dataDir: path.join(root, 'hosts', host),
      computeUrl: compute.url, imageUrl: images.url, session: token,
    });
    agents.push(agent);
    return agent;
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-agent-'));
    compute = await StandInCompute.start();
    images = await StandInImages.start();
    images.add({ id: BUSYBOX, container_format: 'docker', disk_format: 'raw', status: 'active', data: busyboxArchive() });
    images.add({ id: QCOW, container_format: 'bare', disk_format: 'qcow2', status: 'active', data: Buffer.from('QFI\xfb not really') });
    images.add({ id: GARBAGE, container_format: 'docker', disk_format: 'raw', status: 'active', data: randomBytes(4096) });
  });

  after(async () => {
    await compute?.close();
    await images?.close();
    for (const a of agents) await a.destroy().catch((err: unknown) => console.log(`# cleanup of ${a.host} failed: ${String(err)}`));
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('a server boots, gets its address, answers ping, has its limits, config drive and user data', async () => {
    const h1 = await startAgent(`t${run}-h1`);
    const reg = compute.registrations.get(h1.host);
    assert.ok(reg, 'registered');
    assert.equal(reg.body.agentSocket, h1.layout.agentSocket);
    assert.ok(reg.body.resources.vcpus >= 1 && reg.body.resources.memoryMb > 0);
    const net = testNetwork();
    const userData = '#cloud-config\nwrite_files:\n  - path: /etc/motd-test\n    content: "hello from cloud-config\\n"\nruncmd:\n  - [ sh, -c, "echo ran > /root/runcmd-done" ]\n';
    const spec = compute.put(h1.host, serverSpec(BUSYBOX, [port(net, 10)], { keyData: 'ssh-ed25519 AAAATEST test@flotilla', keyName: 'k', userData }));
    const t0 = Date.now();
    const o = await compute.waitFor(spec.id, (x) => x.state === 'running' && x.generation === 1);
    console.log(`# create to running: ${Date.now() - t0} ms (first boot includes the image load)`);
    assert.equal(o.fault, undefined);
    assert.ok(pings(spec.ports[0]!.ip), 'answers ping from the root namespace');
    const c = await h1.engine.api.inspectContainer(containerName(spec.id));
    assert.equal(memoryLimit(h1.layout.engine.cgroupParent, c.Id), 64 * 1024 * 1024);
    const pid = c.State.Pid;
    assert.equal(inServer(pid, 'hostname').trim(), spec.hostname);
    const meta = JSON.parse(inServer(pid, 'cat /run/flotilla/config/openstack/latest/meta_data.json')) as Record<string, unknown>;
    assert.equal(meta.uuid, spec.id);
    assert.deepEqual(meta.public_keys, { k: 'ssh-ed25519 AAAATEST test@flotilla' });
    assert.match(inServer(pid, 'cat /root/.ssh/authorized_keys'), /AAAATEST/);
    // user data runs after the network is up; give it a moment.
    for (let i = 0; i < 50 && !inServer(pid, 'cat /root/runcmd-done 2>/dev/null || true').includes('ran'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(inServer(pid, 'cat /root/runcmd-done'), 'ran\n');
    assert.equal(inServer(pid, 'cat /etc/motd-test'), 'hello from cloud-config\n');
    assert.match(inServer(pid, 'ip -4 addr show eth0'), new RegExp(`${spec.ports[0]!.ip.replace(/\./g, '\\.')}/24`));
  });

  test('reboot, stop, start, pause keep the address; resize changes the limit live; rebuild recreates', async () => {
    const h1 = agents[0]!;
    const net = testNetwork();
    const spec = compute.put(h1.host, serverSpec(BUSYBOX, [port(net, 20)]));
    const ip = spec.ports[0]!.ip;
    const first = await compute.waitFor(spec.id, (x) => x.state === 'running');
    const id1 = (await h1.engine.api.inspectContainer(containerName(spec.id))).Id;

    compute.update(spec.id, (s) => ({ rebootCount: s.rebootCount + 1 }));
    const rebooted = await compute.waitFor(spec.id, (x) => x.generation === 2 && x.state === 'running');
    assert.equal(rebooted.rebootCount, 1);
    assert.notEqual(rebooted.startedAt, first.startedAt, 'restarted');
    assert.ok(pings(ip), 'answers ping after reboot');

    compute.update(spec.id, () => ({ power: 'stopped' }));
    await compute.waitFor(spec.id, (x) => x.generation === 3 && x.state === 'stopped');
    assert.ok(!pings(ip, 1), 'a stopped server does not answer');
    compute.update(spec.id, () => ({ power: 'running' }));
    await compute.waitFor(spec.id, (x) => x.generation === 4 && x.state === 'running');
    assert.ok(pings(ip), 'answers ping after start');

    compute.update(spec.id, () => ({ power: 'paused' }));
    await compute.waitFor(spec.id, (x) => x.generation === 5 && x.state === 'paused');
    compute.update(spec.id, () => ({ power: 'running' }));
    await compute.waitFor(spec.id, (x) => x.generation === 6 && x.state === 'running');
    assert.ok(pings(ip), 'answers ping after unpause');

    const before = await compute.waitFor(spec.id, (x) => x.generation === 6);
    compute.update(spec.id, (s) => ({ flavor: { ...s.flavor, name: 'm1.bigger', ramMb: 96, vcpus: 2 } }));
    const resized = await compute.waitFor(spec.id, (x) => x.generation === 7 && x.state === 'running');
    assert.equal(resized.startedAt, before.startedAt, 'resized live, not restarted');
    const c = await h1.engine.api.inspectContainer(containerName(spec.id));
    assert.equal(c.Id, id1);
    assert.equal(memoryLimit(h1.layout.engine.cgroupParent, c.Id), 96 * 1024 * 1024);
    assert.equal(c.HostConfig.CpuQuota, 200_000);

    compute.update(spec.id, (s) => ({ rebuildCount: s.rebuildCount + 1 }));
    const rebuilt = await compute.waitFor(spec.id, (x) => x.generation === 8 && x.state === 'running');
    assert.equal(rebuilt.rebuildCount, 1);
    const c2 = await h1.engine.api.inspectContainer(containerName(spec.id));
    assert.notEqual(c2.Id, id1, 'a new container');
    assert.equal(memoryLimit(h1.layout.engine.cgroupParent, c2.Id), 96 * 1024 * 1024);
    assert.ok(pings(ip), 'answers ping after rebuild');
    // Reported running once its port is plugged; init says ready a moment later, when it sees the port.
    assert.match(await consoleLogMatching(h1, spec.id, /flotilla-init: ready/), /flotilla-init: ready/);
  });

  test('images that cannot boot end in a fault, not a crash', async () => {
    const h1 = agents[0]!;
    const net = testNetwork();
    const qcow = compute.put(h1.host, serverSpec(QCOW, [port(net, 30)]));
    const garbage = compute.put(h1.host, serverSpec(GARBAGE, [port(net, 31)]));
    const missing = compute.put(h1.host, serverSpec(randomUUID(), [port(net, 32)]));
    const q = await compute.waitFor(qcow.id, (x) => x.state === 'error');
    assert.match(q.fault?.message ?? '', /only docker archives/);
    const g = await compute.waitFor(garbage.id, (x) => x.state === 'error');
    assert.match(g.fault?.message ?? '', /not a valid docker archive|could not be loaded/);
    const m = await compute.waitFor(missing.id, (x) => x.state === 'error');
    assert.equal(m.fault?.code, 404);
    for (const s of [qcow, garbage, missing]) compute.update(s.id, () => ({ power: 'deleted' }));
    for (const s of [qcow, garbage, missing]) await compute.waitFor(s.id, (x) => x.state === 'absent');
  });

  test('delete leaves no container, files, namespace or route; two hosts side by side, tenants apart', async () => {
    const h1 = agents[0]!;
    const h2 = await startAgent(`t${run}-h2`);
    assert.notEqual(h1.layout.hostNamespace, h2.layout.hostNamespace);
    const netA = testNetwork();
    let netB = testNetwork();
    while (netB.cidr === netA.cidr) netB = testNetwork();
    const a = compute.put(h1.host, serverSpec(BUSYBOX, [port(netA, 40)], { projectId: 'pa' }));
    const b = compute.put(h2.host, serverSpec(BUSYBOX, [port(netB, 40)], { projectId: 'pb' }));
    await compute.waitFor(a.id, (x) => x.state === 'running');
    await compute.waitFor(b.id, (x) => x.state === 'running');
    // Running means plugged; on a loaded machine the first answers may take a few seconds more (ARP, init).
    assert.ok(pings(a.ports[0]!.ip, 10) && pings(b.ports[0]!.ip, 10), 'both hosts reachable from the root namespace');
    const pidA = (await h1.engine.api.inspectContainer(containerName(a.id))).State.Pid;
    assert.throws(() => inServer(pidA, `ping -c 1 -W 1 ${b.ports[0]!.ip}`), 'tenant A cannot reach tenant B');
    assert.ok(compute.registrations.has(h2.host));

    compute.update(b.id, () => ({ power: 'deleted' }));
    await compute.waitFor(b.id, (x) => x.state === 'absent');
    await h2.settled();
    assert.equal(await h2.engine.api.findContainer(containerName(b.id)), undefined);
    assert.ok(!fs.existsSync(path.join(h2.layout.serversDir, b.id)));
    const nsB = networkNamespace(h2.layout, netB.networkId);
    for (let i = 0; i < 30 && listNamespaces().includes(nsB); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!listNamespaces().includes(nsB), 'the network namespace went with the last server');
    assert.ok(!pings(b.ports[0]!.ip, 1));
    compute.drop(b.id);
  });

  test('a snapshot is committed, saved and uploaded, and boots on another host', async () => {
    const [h1, h2] = [agents[0]!, agents[1]!];
    const net = testNetwork();
    const spec = compute.put(h1.host, serverSpec(BUSYBOX, [port(net, 50)]));
    await compute.waitFor(spec.id, (x) => x.state === 'running');
    const pid = (await h1.engine.api.inspectContainer(containerName(spec.id))).State.Pid;
    inServer(pid, 'echo kept > /root/snapshot-marker');
    const snapId = randomUUID();
    images.add({ id: snapId, container_format: 'docker', disk_format: 'raw', status: 'queued' });
    compute.update(spec.id, () => ({ snapshot: { imageId: snapId, requestedAt: new Date().toISOString() } }));
    const done = await compute.waitFor(spec.id, (x) => x.snapshotDone === snapId);
    assert.equal(done.state, 'running');
    assert.equal(images.images.get(snapId)?.status, 'active');
    assert.ok((images.images.get(snapId)?.data?.length ?? 0) > 100_000, 'the archive was uploaded');

    const net2 = testNetwork();
    const fromSnap = compute.put(h2.host, serverSpec(snapId, [port(net2, 51)]));
    await compute.waitFor(fromSnap.id, (x) => x.state === 'running');
    const pid2 = (await h2.engine.api.inspectContainer(containerName(fromSnap.id))).State.Pid;
    assert.equal(inServer(pid2, 'cat /root/snapshot-marker'), 'kept\n');
    assert.ok(pings(fromSnap.ports[0]!.ip));
    assert.match(await consoleLog(h2, fromSnap.id), /first boot of this instance/, 'a new instance, not the old one');
  });

  test('close removes the host plumbing; an agent started again on the same dir brings its servers back', async () => {
    const h2 = agents[1]!;
    const running = [...compute.observed.keys()].filter((id) => compute.last(id)?.state === 'running' && (() => { try { return compute.spec(id); } catch { return undefined; } })()?.image.id !== undefined);
    const onH2: string[] = [];
    for (const id of running) if (await h2.engine.api.findContainer(containerName(id))) onH2.push(id);
    assert.ok(onH2.length > 0);
    await h2.close();
    assert.ok(!listNamespaces().includes(h2.layout.hostNamespace), 'the host namespace went with close');
    const again = await startAgent(h2.host);
    for (const id of onH2) {
      const gen = compute.spec(id).generation;
      await compute.waitFor(id, (x) => x.state === 'running' && x.generation === gen && x.startedAt !== undefined);
      for (let i = 0; i < 30 && !pings(compute.spec(id).ports[0]!.ip); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(pings(compute.spec(id).ports[0]!.ip), `${id} answers again`);
    }
    assert.equal(again.layout.hostNamespace, h2.layout.hostNamespace);
  });
});
