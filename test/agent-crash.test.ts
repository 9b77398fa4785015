/**
 * Crash safety of the host agent: SIGKILL of the agent process in the middle of creates and deletes,
 * then a restart, converges with nothing orphaned; the agent adopts its engine instead of starting a
 * second one; an engine that dies is restarted and its servers come back. Compute and images are played
 * by stand-ins that speak the agent protocol (test/support/agent-standins.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { agentLayout, LABEL } from '../src/agent/layout.js';
import { DockerApi } from '../src/agent/docker-api.js';
import { destroyHost } from '../src/agent/index.js';
import { listNamespaces, processAlive } from '../src/agent/netns.js';
import type { ServerSpec } from '../src/compute/agent-protocol.js';
import { StandInCompute, StandInImages } from './support/agent-standins.js';
import { busyboxArchive, busyboxUnavailable } from './support/docker-archive.js';
import { agentUnavailable, pings, port, serverSpec, testNetwork } from './support/agent-fixtures.js';

const why = agentUnavailable() ?? busyboxUnavailable();
if (why) console.log(`# agent crash tests skipped: ${why}`);
const AGENT_PROCESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'agent-process.js');

describe('host agent crash safety', { skip: why, concurrency: false }, () => {
  let compute: StandInCompute;
  let images: StandInImages;
  let root: string;
  let dataDir: string;
  const host = `t${randomBytes(3).toString('hex')}-hc`;
  const BUSYBOX = randomUUID();
  let child: ChildProcess | undefined;

  async function startProcess(): Promise<ChildProcess> {
    const p = spawn(process.execPath, [AGENT_PROCESS, JSON.stringify({ host, dataDir, computeUrl: compute.url, imageUrl: images.url })], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      p.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); });
      p.once('exit', (code) => reject(new Error(`agent process exited with ${code}`)));
    });
    child = p;
    return p;
  }

  function kill(p: ChildProcess): Promise<void> {
    return new Promise((r) => { p.once('exit', () => r()); p.kill('SIGKILL'); });
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-agent-crash-'));
    dataDir = path.join(root, 'hosts', host);
    compute = await StandInCompute.start();
    images = await StandInImages.start();
    images.add({ id: BUSYBOX, container_format: 'docker', disk_format: 'raw', status: 'active', data: busyboxArchive() });
  });

  after(async () => {
    const layout = agentLayout(dataDir);
    if (child && child.exitCode === null) {
      await new Promise((r) => { child!.once('exit', r); child!.kill('SIGTERM'); });
    }
    // Whatever the test left, the engine included, goes.
    const pid = Number(fs.existsSync(layout.engine.pidFile) ? fs.readFileSync(layout.engine.pidFile, 'utf8') : 0);
    if (pid > 0 && processAlive(pid)) {
      const api = new DockerApi(layout.engine.socket);
      for (const c of await api.listContainers(LABEL.server).catch(() => [])) await api.removeContainer(c.Id).catch(() => {});
      api.close();
      process.kill(pid, 'SIGTERM');
      while (processAlive(pid)) await new Promise((r) => setTimeout(r, 100));
    }
    await destroyHost(layout);
    await compute?.close();
    await images?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('SIGKILL during creates and deletes, restart: every server converges, nothing orphaned', async () => {
    let agent = await startProcess();
    const layout = agentLayout(dataDir);
    const api = new DockerApi(layout.engine.socket);
    try {
      const nets = [testNetwork(), testNetwork()];
      const keep: ServerSpec[] = [];
      const doomed: ServerSpec[] = [];
      // Two servers to delete later, running first.
      for (let i = 0; i < 2; i++) doomed.push(compute.put(host, serverSpec(BUSYBOX, [port(nets[1]!, 100 + i)])));
      for (const d of doomed) await compute.waitFor(d.id, (x) => x.state === 'running');
      // Ten creates and the two deletes at once; kill the agent as soon as the first create is reported.
      for (let i = 0; i < 10; i++) keep.push(compute.put(host, serverSpec(BUSYBOX, [port(nets[0]!, 10 + i)])));
      for (const d of doomed) compute.update(d.id, () => ({ power: 'deleted' }));
      await new Promise((r) => setTimeout(r, 400));
      const enginePid = Number(fs.readFileSync(layout.engine.pidFile, 'utf8'));
      await kill(agent);
      const runningAtKill = keep.filter((s) => compute.last(s.id)?.state === 'running').length;
      console.log(`# agent killed with ${runningAtKill} of 10 creates reported running`);

      agent = await startProcess();
      assert.equal(Number(fs.readFileSync(layout.engine.pidFile, 'utf8')), enginePid, 'the running engine was adopted');
      for (const s of keep) await compute.waitFor(s.id, (x) => x.state === 'running');
      for (const d of doomed) await compute.waitFor(d.id, (x) => x.state === 'absent');
      for (const d of doomed) compute.drop(d.id);
      for (const s of keep) assert.ok(pings(s.ports[0]!.ip), `${s.id} answers ping`);
      // The engine's containers are exactly the servers compute lists.
      const deadline = Date.now() + 10_000;
      let names: string[] = [];
      do {
        names = (await api.listContainers(LABEL.server)).map((c) => c.Labels[LABEL.server]!).sort();
        if (names.length === keep.length) break;
        await new Promise((r) => setTimeout(r, 200));
      } while (Date.now() < deadline);
      assert.deepEqual(names, keep.map((s) => s.id).sort());
      const ours = listNamespaces().filter((n) => n.startsWith(layout.networkNamespacePrefix));
      for (let i = 0; i < 30 && ours.length > 1; i++) await new Promise((r) => setTimeout(r, 200));
      assert.equal(listNamespaces().filter((n) => n.startsWith(layout.networkNamespacePrefix)).length, 1, 'only the network still in use');
      assert.deepEqual(fs.readdirSync(layout.serversDir).sort(), keep.map((s) => s.id).sort());
    } finally {
      api.close();
    }
  });

  test('an engine that dies is restarted and its servers come back', async () => {
    const layout = agentLayout(dataDir);
    const enginePid = Number(fs.readFileSync(layout.engine.pidFile, 'utf8'));
    const anyServer = [...compute.observed.keys()].find((id) => compute.last(id)?.state === 'running')!;
    process.kill(enginePid, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const pid = Number(fs.readFileSync(layout.engine.pidFile, 'utf8'));
      if (pid !== enginePid && processAlive(pid)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.notEqual(Number(fs.readFileSync(layout.engine.pidFile, 'utf8')), enginePid, 'a new engine');
    const ip = compute.spec(anyServer).ports[0]!.ip;
    for (let i = 0; i < 100 && !pings(ip); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(pings(ip), 'the server answers again');
  });
});
