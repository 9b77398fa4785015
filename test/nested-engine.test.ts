/**
 * Container-infra nodes as plain servers (issue 7, the node image and nested engines; decision 0015):
 * two debian-12-docker servers on one tenant network (the project's get-me-a-network network, which the
 * machine routes to) each run their own Docker engine from the image's boot hook: `docker info` answers,
 * busybox (preloaded, no registry) runs, the first inits a swarm on its fixed address, the second joins,
 * both are Ready and a two-replica dnsrr service runs a task on each. Stopping and starting the second
 * brings its engine back (the boot hook runs at every boot) and it is Ready in the swarm again. Deleting
 * both leaves no container, volume or namespace of theirs in the host's engine and kernel; a nested
 * engine's volume that no container holds any more is removed by the agent's garbage collection.
 *
 * The private registry (decision 0016): both nodes trust 169.254.169.254:5000 through daemon.json (as a
 * cluster's user data configures them, then `flotilla-dockerd restart`); an image committed and pushed on
 * the first runs as a service task on both (the second pulls it), and the machine sees it in the
 * registry's catalog.
 *
 * Printed: the time from ACTIVE to `docker info` answering over ssh in each node, and memory per idle node
 * (the server container's cgroup, as the host engine's `docker stats` reads it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openstack, openstackJson } from './support/cli.js';
import {
  addressesOf, allowSshAndPing, computeUnavailable, engineContainers, hostCloud, hostLayout, showServer, ssh, sshRetry, waitServer,
} from './support/compute.js';
import { listNamespaces } from '../src/agent/netns.js';
import type { AgentLayout } from '../src/agent/layout.js';

const HOST = 'h1';
const IMAGE = 'debian-12-docker';
/** The private registry as servers see it (decision 0016). */
const REGISTRY = '169.254.169.254:5000';
const skip = computeUnavailable('ssh', 'mmdebstrap');
if (skip) console.log(`# nested engine test skipped: ${skip}`);

const since = (t0: number): string => ((Date.now() - t0) / 1000).toFixed(2);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The docker CLI against the host's own engine (the one that runs the servers). */
function hostDocker(layout: AgentLayout, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['-H', `unix://${layout.engine.socket}`, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Polls `cmd` over ssh until its output satisfies `done`; throws with the last output after `withinMs`. */
async function sshUntil(key: string, ip: string, cmd: string, done: (out: string) => boolean, withinMs = 60_000, everyMs = 500): Promise<string> {
  const deadline = Date.now() + withinMs;
  let last = '';
  for (;;) {
    const r = await ssh(key, ip, cmd, 20_000);
    last = `exit ${r.code}: ${r.stdout}${r.stderr}`;
    if (r.code === 0 && done(r.stdout)) return r.stdout;
    if (Date.now() > deadline) throw new Error(`ssh root@${ip} ${cmd}: never as wanted within ${withinMs} ms; last ${last}`);
    await sleep(everyMs);
  }
}

/** The time from now until `docker info` answers in the node (ssh included), in seconds. */
async function engineAnswers(key: string, ip: string): Promise<number> {
  const t = Date.now();
  await sshUntil(key, ip, 'docker info --format "{{.ServerVersion}}"', (out) => out.trim().length > 0, 90_000, 100);
  return (Date.now() - t) / 1000;
}

describe('nested Docker engines in debian-12-docker servers', { skip }, () => {
  // The node image is built once per machine (two minutes with mmdebstrap), then taken from the cache.
  const fixture = hostCloud({ host: HOST, images: IMAGE, timeoutMs: 900_000 });

  it('two nodes run their own engines, form a swarm, survive stop/start, and leave nothing behind', { timeout: 1_200_000 }, async (ctx) => {
    const unbuildable = fixture.unbuildable(IMAGE);
    if (unbuildable) { ctx.skip(`${IMAGE} cannot be built here: ${unbuildable}`); return; }
    const { cloud, dataDir } = fixture;
    const env = cloud.cliEnv;
    const layout = hostLayout(dataDir, HOST);
    const t0 = Date.now();
    const step = (what: string): void => console.log(`# ${since(t0)} s: ${what}`);

    const image = await openstackJson(env, 'image', 'show', IMAGE);
    assert.equal(image.visibility, 'public');
    assert.equal(image.properties?.os_distro, 'debian', JSON.stringify(image.properties));
    assert.equal(image.properties?.flotilla_nested_engine, 'true', JSON.stringify(image.properties));

    const kp = await openstack(env, 'keypair', 'create', 'k');
    assert.equal(kp.code, 0, kp.stderr);
    const key = path.join(dataDir, 'k.pem');
    fs.writeFileSync(key, kp.stdout, { mode: 0o600 });
    await allowSshAndPing(env);

    // A volume labelled as a nested engine's whose server the agent does not know (an engine crash
    // between a container's removal and its volume's): the agent's garbage collection removes it.
    const stray = (await hostDocker(layout, 'volume', 'create', '--label', 'flotilla.server=00000000-0000-4000-8000-00000000dead', '--label', `flotilla.host=${HOST}`)).trim();
    const netnsBefore = new Set(listNamespaces());

    const nodes: Array<{ name: string; ip: string }> = [];
    for (const name of ['node1', 'node2']) {
      let t = Date.now();
      const s = await openstackJson(env, 'server', 'create', '--image', IMAGE, '--flavor', 'm1.small', '--key-name', 'k', '--wait', name);
      assert.equal(s.status, 'ACTIVE', JSON.stringify(s));
      const ip = addressesOf(await showServer(env, name))[0]!;
      step(`${name} ACTIVE at ${ip} (create --wait ${since(t)} s)`);
      t = Date.now();
      const s2 = await engineAnswers(key, ip);
      step(`${name}: docker info answered ${s2.toFixed(2)} s after ACTIVE (ssh included)`);
      nodes.push({ name, ip });
    }
    const [n1, n2] = nodes as [{ name: string; ip: string }, { name: string; ip: string }];
    const networksOf = async (name: string): Promise<string> => {
      const a = (await showServer(env, name)).addresses as unknown;
      return typeof a === 'string' ? a.split('=')[0]! : Object.keys(a as object).join(',');
    };
    assert.equal(await networksOf('node1'), await networksOf('node2'), 'one tenant network');

    for (const n of nodes) {
      const images = await sshRetry(key, n.ip, 'docker images --format "{{.Repository}}:{{.Tag}}"');
      assert.ok(images.split('\n').includes('busybox:latest'), `${n.name}: busybox:latest is preloaded: ${images}`);
      assert.equal((await sshRetry(key, n.ip, 'docker run --rm busybox echo ok')).trim(), 'ok');
      const info = await sshRetry(key, n.ip, 'docker info --format "{{.Driver}} {{.CgroupVersion}}"');
      assert.equal(info.trim(), 'overlay2 1', `${n.name}: overlay2 on its own volume`);
    }
    step('both: busybox:latest preloaded, `docker run --rm busybox echo ok` works, overlay2');

    // What a cluster's user data does: daemon.json (here only the registry), then restart the engine.
    for (const n of nodes) {
      const t = Date.now();
      await sshRetry(key, n.ip, `echo '{"insecure-registries": ["${REGISTRY}"]}' > /etc/docker/daemon.json && flotilla-dockerd restart`);
      step(`${n.name}: daemon.json written, engine restarted in ${since(t)} s (ssh included)`);
    }

    const volumes = (await hostDocker(layout, 'volume', 'ls', '--filter', `label=flotilla.host=${HOST}`, '--format', '{{.Name}} {{.Labels}}')).trim().split('\n');
    assert.equal(volumes.filter((v) => !v.startsWith(stray)).length, 2, `one volume per node in the host engine: ${volumes.join('; ')}`);

    // The swarm: init on node1's fixed address, node2 joins with the worker token.
    await sshRetry(key, n1.ip, `docker swarm init --advertise-addr ${n1.ip}`);
    const token = (await sshRetry(key, n1.ip, 'docker swarm join-token -q worker')).trim();
    await sshRetry(key, n2.ip, `docker swarm join --token ${token} ${n1.ip}:2377`);
    const ready = (out: string): number => out.split('\n').filter((l) => /\bReady\b/.test(l) && /\bActive\b/.test(l)).length;
    const ls = await sshUntil(key, n1.ip, 'docker node ls --format "{{.Hostname}} {{.Status}} {{.Availability}}"', (out) => ready(out) === 2, 60_000);
    step(`swarm formed: ${ls.trim().replace(/\n/g, '; ')}`);

    await sshRetry(key, n1.ip, 'docker service create --detach --name sleepers --replicas 2 --endpoint-mode dnsrr --no-resolve-image busybox sleep 1d');
    const tasks = await sshUntil(key, n1.ip, 'docker service ps sleepers --filter desired-state=running --format "{{.Node}} {{.CurrentState}}"',
      (out) => { const running = out.split('\n').filter((l) => / Running /.test(`${l} `)); return running.length === 2 && new Set(running.map((l) => l.split(' ')[0])).size === 2; }, 90_000);
    step(`service sleepers: a task on each node: ${tasks.trim().replace(/\n/g, '; ')}`);

    // The user's own image through the private registry: made and pushed on node1, run on both.
    let t = Date.now();
    await sshRetry(key, n1.ip, `docker run --name mk busybox sh -c 'echo made-on-node1 > /hello' && docker commit mk ${REGISTRY}/hello:1 && docker rm mk && docker push ${REGISTRY}/hello:1`);
    step(`node1 pushed ${REGISTRY}/hello:1 in ${since(t)} s`);
    const catalog = await (await fetch(`http://127.0.0.1:${cloud.flotillaEnv.FLOTILLA_REGISTRY_PORT}/v2/_catalog`)).json() as { repositories: string[] };
    assert.ok(catalog.repositories.includes('hello'), `the machine sees it in the registry: ${JSON.stringify(catalog)}`);
    assert.notEqual((await ssh(key, n2.ip, `docker image inspect ${REGISTRY}/hello:1`)).code, 0, 'node2 does not have it yet');
    t = Date.now();
    await sshRetry(key, n1.ip, `docker service create --detach --name hello --replicas 2 --endpoint-mode dnsrr --placement-pref spread=node.id ${REGISTRY}/hello:1 sh -c 'cat /hello; sleep 1d'`);
    const helloTasks = await sshUntil(key, n1.ip, 'docker service ps hello --filter desired-state=running --format "{{.Node}} {{.CurrentState}}"',
      (out) => { const running = out.split('\n').filter((l) => / Running /.test(`${l} `)); return running.length === 2 && new Set(running.map((l) => l.split(' ')[0])).size === 2; }, 120_000);
    step(`service hello from the registry: a task on each node in ${since(t)} s: ${helloTasks.trim().replace(/\n/g, '; ')}`);
    assert.equal((await sshRetry(key, n2.ip, `docker logs $(docker ps -q --filter name=hello | head -n 1)`)).trim(), 'made-on-node1');
    await sshRetry(key, n1.ip, 'docker service rm hello');

    // Memory per idle node: each server container's cgroup, as the host engine reports it.
    await sleep(3000);
    const stats = await hostDocker(layout, 'stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}');
    step(`memory per node (engine, swarm, one sleeping busybox task each): ${stats.trim().replace(/\n/g, '; ')}`);

    // stop/start of node2: the boot hook starts its engine again and the node is back in the swarm.
    t = Date.now();
    assert.equal((await openstack(env, 'server', 'stop', 'node2')).code, 0);
    await waitServer(env, 'node2', (s) => s.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state']);
    step(`node2 SHUTOFF in ${since(t)} s`);
    await sshUntil(key, n1.ip, 'docker node ls --format "{{.Hostname}} {{.Status}}"', (out) => /node2 Down/.test(out), 60_000);
    step('node1 sees node2 Down');
    t = Date.now();
    assert.equal((await openstack(env, 'server', 'start', 'node2')).code, 0);
    await waitServer(env, 'node2', (s) => s.status === 'ACTIVE' && !s['OS-EXT-STS:task_state']);
    const back = await engineAnswers(key, n2.ip);
    step(`node2 ACTIVE again; its engine answered ${back.toFixed(2)} s after ACTIVE`);
    assert.equal((await sshRetry(key, n2.ip, 'docker info --format "{{.Swarm.LocalNodeState}}"')).trim(), 'active');
    await sshUntil(key, n1.ip, 'docker node ls --format "{{.Hostname}} {{.Status}}"', (out) => /node2 Ready/.test(out), 60_000);
    step(`node2 Ready in the swarm again ${since(t)} s after start`);
    assert.equal((await sshRetry(key, n2.ip, 'docker run --rm busybox echo again')).trim(), 'again');

    const netnsDuring = new Set(listNamespaces());
    for (const n of nodes) assert.equal((await openstack(env, 'server', 'delete', '--wait', n.name)).code, 0);
    step('both deleted');
    assert.deepEqual((await engineContainers(layout)).filter((c) => c.startsWith('flotilla-')), [], 'no server container is left');
    const deadline = Date.now() + 90_000;
    let left = '';
    for (;;) {
      left = (await hostDocker(layout, 'volume', 'ls', '--format', '{{.Name}}')).trim();
      if (left === '' || Date.now() > deadline) break;
      await sleep(1000);
    }
    assert.equal(left, '', 'no volume is left in the host engine (the stray one went with garbage collection)');
    // This host's namespaces (every name carries its tag): deleting made none, and the only ones the
    // nodes' time added are the data plane's for the project's network and router, which still exist.
    const netnsAfter = listNamespaces().filter((n) => n.includes(layout.tag));
    assert.deepEqual(netnsAfter.filter((n) => !netnsDuring.has(n)), [], 'deleting made no namespace');
    const added = netnsAfter.filter((n) => !netnsBefore.has(n));
    const notDataPlane = added.filter((n) => !n.startsWith(`flotilla-s-${layout.tag}-`) && !n.startsWith(`flotilla-r-${layout.tag}-`));
    assert.deepEqual(notDataPlane, [], `no namespace of the nodes is left in /run/netns: ${notDataPlane.join(', ')}`);
    step(`host engine: no container, no volume; /run/netns: nothing left but the data plane's own (${added.join(', ') || 'none new'})`);
  });
});
