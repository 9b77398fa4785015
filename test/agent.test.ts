/**
 * The host agent against a real Docker engine, real namespaces and veths. Compute's and the image
 * service's parts are played by stand-ins that speak the agent protocol (test/support/agent-standins.ts)
 * until the real services serve it. Skipped, with the reason printed, where the machine cannot run it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
});
