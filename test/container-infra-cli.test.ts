/**
 * Issue 7, must-show 1: a Docker Swarm cluster through the real `openstack coe` CLI (python-magnumclient),
 * as a project member, against the real cloud with a compute host; then the real docker CLI against the
 * cluster over TLS with the certificates `coe cluster config --output-certs` wrote.
 *
 * template create (swarm-mode, debian-12-docker, external network public) → cluster create (1 master,
 * 2 workers) → CREATE_COMPLETE → `docker node ls` shows 3 Ready nodes → a 3-replica service runs a task
 * on every node → resize to 4 workers and back to 1 (draining first) → delete leaves no server, network,
 * router, floating IP or namespace of the cluster. Timings are printed as `# ` lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createMember, openstack, openstackJson } from './support/cli.js';
import { clusterConfig, docker, settleCluster, swarmNodes } from './support/coe.js';
import { computeUnavailable, hostCloud, hostLayout, hostNamespaces } from './support/compute.js';

const HOST = 'h1';
const magnumclient = fs.existsSync('/usr/lib/python3/dist-packages/magnumclient') ? undefined : 'python3-magnumclient is not installed (apt-get install python3-magnumclient)';
const skip = computeUnavailable('ssh', 'mmdebstrap', 'nft', 'docker') ?? magnumclient;
if (skip) console.log(`# container-infra CLI test skipped: ${skip}`);

type Row = Record<string, unknown>;
const since = (t0: number): string => ((Date.now() - t0) / 1000).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Hostnames of the swarm's Ready, Active nodes (the manager must answer). */
async function readyNodes(env: Record<string, string>): Promise<string[]> {
  const nodes = await swarmNodes(env);
  assert.ok(nodes, 'docker node ls answers');
  return nodes.filter((n) => n.status === 'Ready' && n.availability === 'Active').map((n) => n.hostname);
}

describe('a Swarm cluster through openstack coe and the docker CLI', { skip }, () => {
  const fixture = hostCloud({ host: HOST, images: 'busybox,debian-12,debian-12-docker', timeoutMs: 1_200_000 });

  it('creates a cluster, runs a service on every node, resizes up and down, and deletes everything', { timeout: 1_800_000 }, async (ctx) => {
    const unbuildable = fixture.unbuildable('debian-12-docker');
    if (unbuildable) {
      ctx.skip(`debian-12-docker cannot be built here: ${unbuildable}`);
      return;
    }
    const { cloud, dataDir } = fixture;
    const admin = cloud.cliEnv;
    const t0 = Date.now();
    const step = (what: string): void => console.log(`# ${since(t0)} s: ${what}`);

    // A project member, as the issue asks.
    const env = await createMember(admin, cloud.identityUrl, 'swarmdemo');

    const tpl = await openstack(env, 'coe', 'cluster', 'template', 'create', 'swarm', '--coe', 'swarm-mode', '--image', 'debian-12-docker',
      '--external-network', 'public', '--flavor', 'm1.small', '--master-flavor', 'm1.small', '--network-driver', 'docker');
    assert.equal(tpl.code, 0, tpl.stderr + tpl.stdout);

    // This cloud's host's namespaces only (other clouds may run beside this test).
    const namespaces = (): string[] => hostNamespaces(hostLayout(dataDir, HOST)).sort();
    const namespacesBefore = namespaces();

    // Create.
    let t = Date.now();
    const create = await openstack(env, 'coe', 'cluster', 'create', '--cluster-template', 'swarm', '--master-count', '1', '--node-count', '2', 'c1');
    assert.equal(create.code, 0, create.stderr + create.stdout);
    const created = await settleCluster(env, 'c1', 900_000);
    assert.equal(created.status, 'CREATE_COMPLETE', JSON.stringify(created));
    step(`cluster create: CREATE_COMPLETE in ${since(t)} s, api_address ${String(created.api_address)}`);
    assert.match(String(created.api_address), /^tcp:\/\/198\.19\.\d+\.\d+:2376$/);
    assert.equal(created.health_status, 'HEALTHY');

    // The docker CLI over TLS with the certificates the real magnumclient made (its key, our CA's signature).
    const dir = path.join(dataDir, 'c1-config');
    fs.mkdirSync(dir);
    const { result: config, dockerEnv } = await clusterConfig(env, 'c1', dir);
    assert.equal(config.code, 0, config.stderr + config.stdout);
    assert.equal(dockerEnv.DOCKER_HOST, created.api_address, config.stdout);
    assert.equal(dockerEnv.DOCKER_TLS_VERIFY, 'True');
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) assert.ok(fs.existsSync(path.join(dir, f)), f);
    const nodes = await readyNodes(dockerEnv);
    assert.equal(nodes.length, 3, `docker node ls: ${nodes.join(', ')}`);
    step(`docker node ls over TLS: ${nodes.length} Ready (${nodes.join(', ')})`);

    // A service with a task on every node.
    t = Date.now();
    const svc = await docker(dockerEnv, ['service', 'create', '--detach', '--name', 'sleepers', '--replicas', '3', '--endpoint-mode', 'dnsrr', 'busybox', 'sleep', '1d']);
    assert.equal(svc.code, 0, svc.stderr);
    let where: string[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
      const ps = await docker(dockerEnv, ['service', 'ps', 'sleepers', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']);
      where = ps.stdout.trim().split('\n').filter((l) => / Running /.test(`${l} `)).map((l) => l.split(' ')[0]!);
      if (where.length === 3) break;
    }
    assert.deepEqual([...new Set(where)].sort(), [...nodes].sort(), 'one running task on every node');
    step(`service sleepers: 3 tasks running on 3 nodes ${since(t)} s after create`);

    // Resize up to 4 workers.
    t = Date.now();
    const up = await openstack(env, 'coe', 'cluster', 'resize', 'c1', '4');
    assert.equal(up.code, 0, up.stderr + up.stdout);
    const grown = await settleCluster(env, 'c1', 600_000);
    assert.equal(grown.status, 'UPDATE_COMPLETE', JSON.stringify(grown));
    assert.equal(grown.node_count, 4);
    assert.equal((await readyNodes(dockerEnv)).length, 5);
    step(`resize to 4 workers: UPDATE_COMPLETE in ${since(t)} s, 5 nodes Ready`);

    // And down to 1: the leaving nodes are drained first, then removed from the swarm.
    t = Date.now();
    const down = await openstack(env, 'coe', 'cluster', 'resize', 'c1', '1');
    assert.equal(down.code, 0, down.stderr + down.stdout);
    const shrunk = await settleCluster(env, 'c1', 600_000);
    assert.equal(shrunk.status, 'UPDATE_COMPLETE', JSON.stringify(shrunk));
    assert.equal(shrunk.node_count, 1);
    const left = await readyNodes(dockerEnv);
    assert.equal(left.length, 2, left.join(', '));
    const all = await docker(dockerEnv, ['node', 'ls', '--format', '{{.Hostname}}']);
    assert.equal(all.stdout.trim().split('\n').length, 2, `removed nodes are gone from the swarm: ${all.stdout}`);
    const ps = await docker(dockerEnv, ['service', 'ps', 'sleepers', '--filter', 'desired-state=running', '--format', '{{.Node}}']);
    const running = ps.stdout.trim().split('\n').filter(Boolean);
    assert.equal(running.length, 3, 'the service still has its 3 replicas');
    assert.ok(running.every((n) => left.includes(n)), `tasks moved to the remaining nodes: ${running.join(', ')}`);
    step(`resize to 1 worker: UPDATE_COMPLETE in ${since(t)} s, the others drained and removed`);

    // Delete: nothing of the cluster is left.
    t = Date.now();
    const del = await openstack(env, 'coe', 'cluster', 'delete', 'c1');
    assert.equal(del.code, 0, del.stderr + del.stdout);
    for (const deadline = Date.now() + 600_000; ; await sleep(500)) {
      const list = await openstackJson<Row[]>(env, 'coe', 'cluster', 'list');
      if (list.length === 0) break;
      assert.ok(Date.now() < deadline, `cluster still listed: ${JSON.stringify(list)}`);
    }
    step(`cluster delete: gone in ${since(t)} s`);
    assert.deepEqual(await openstackJson<Row[]>(env, 'server', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(env, 'floating', 'ip', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(env, 'router', 'list'), []);
    assert.deepEqual((await openstackJson<Row[]>(env, 'network', 'list')).map((n) => n.Name), ['public']);
    assert.deepEqual(await openstackJson<Row[]>(env, 'stack', 'list'), []);
    const engines = await openstackJson<Row[]>(admin, 'server', 'list', '--all-projects');
    assert.deepEqual(engines, [], 'no server (and so no node engine) in any project');
    let extra: string[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      extra = namespaces().filter((n) => !namespacesBefore.includes(n));
      if (extra.length === 0) break;
    }
    assert.deepEqual(extra, [], 'the cluster\'s network and router namespaces are gone');
  });
});
