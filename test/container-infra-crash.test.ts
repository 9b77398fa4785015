/**
 * Issue 7, must-show 5: five Swarm clusters across SIGKILLs of the real all-in-one. The cloud is killed
 * while five concurrent creates are under way, restarted, and every cluster ends CREATE_COMPLETE (or
 * CREATE_FAILED with a reason) with nothing IN_PROGRESS; then killed again while their five deletes are
 * under way, restarted, and every cluster is gone. Afterwards everything is accounted for: no server in
 * compute, no container on the host's engine (so no node engine), no stack, no network but `public`, and
 * no network namespace beyond the host's own.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loginTo, startTestCloud, type TestCloud } from './support/cloud.js';
import { cleanupHost, computeUnavailable, consoleLines, engineContainers, hostLayout, hostNamespaces } from './support/compute.js';
import { ContainerInfraClient } from '../src/container-infra/client.js';
import { stackNameOf } from '../src/container-infra/conductor/conductor.js';
import { asId } from '../src/platform/ids.js';

const HOST = 'coe-crash-host';
const COUNT = 5;
const why = computeUnavailable('nft', 'mmdebstrap');
if (why) console.log(`# container-infra crash test skipped: ${why}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Session { token: string; magnum: ContainerInfraClient; url: (type: string) => string }

async function connect(cloud: TestCloud): Promise<Session> {
  const { token, url } = await loginTo(cloud);
  return { token, magnum: new ContainerInfraClient(url('container-infra').replace(/\/v1$/, '')), url };
}

async function get(s: Session, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { 'x-auth-token': s.token, accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function list(s: Session, url: string, key: string): Promise<Array<Record<string, unknown>>> {
  const { status, body } = await get(s, url);
  assert.equal(status, 200, `GET ${url}: ${status}`);
  return body[key] as Array<Record<string, unknown>>;
}

/** Prints what a cluster stuck IN_PROGRESS waits for: its stack's unfinished resources and its servers' consoles. */
async function explainStuck(s: Session, id: string): Promise<void> {
  const cluster = await s.magnum.getCluster(s.token, id);
  if (!cluster) return;
  const stackName = stackNameOf({ name: String(cluster.name), uuid: asId<'ClusterId'>(id) });
  console.log(`# stuck: ${String(cluster.name)} ${String(cluster.status)} stack ${stackName} ${String(cluster.stack_id)}`);
  if (cluster.stack_id) {
    const { body } = await get(s, `${s.url('orchestration')}/stacks/${stackName}/${String(cluster.stack_id)}/resources?nested_depth=3`);
    for (const r of (body.resources ?? []) as Array<Record<string, unknown>>) {
      if (r.resource_status === 'CREATE_COMPLETE') continue;
      console.log(`#   resource ${String(r.resource_name)} (${String(r.resource_type)}): ${String(r.resource_status)} ${String(r.resource_status_reason ?? '')}`);
    }
  }
  // The stack names its servers <stack name>-master-0, <stack name>-node-0, …
  const servers = await list(s, `${s.url('compute')}/servers/detail`, 'servers');
  for (const server of servers.filter((x) => String(x.name).startsWith(`${stackName}-`))) {
    console.log(`#   server ${String(server.name)} ${String(server.id)}: ${String(server.status)}`);
    for (const line of await consoleLines(s.url('compute'), s.token, String(server.id), 60)) console.log(`#     ${line}`);
  }
}

describe('Swarm clusters across SIGKILLs', { skip: why, concurrency: false }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-coe-crash-'));
  let cloud: TestCloud | undefined;
  const start = async (): Promise<Session> => {
    cloud = await startTestCloud({ dataDir, adminPassword: 'crash-admin', timeoutMs: 1_200_000, env: { FLOTILLA_COMPUTE_HOST: HOST, FLOTILLA_BASE_IMAGES: 'busybox,debian-12-docker' } });
    return connect(cloud);
  };
  after(async () => {
    await cloud?.stop();
    await cleanupHost(hostLayout(dataDir, HOST));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('converges after kills during five creates and five deletes, leaving nothing behind', { timeout: 1_800_000 }, async (ctx) => {
    let s = await start();
    const unbuildable = /debian-12-docker: cannot be built here: (.*)/.exec(cloud!.output());
    if (unbuildable) {
      ctx.skip(`debian-12-docker cannot be built here: ${unbuildable[1]}`);
      return;
    }
    const layout = hostLayout(dataDir, HOST);
    const namespacesBefore = hostNamespaces(layout);
    await s.magnum.createTemplate(s.token, {
      name: 'swarm', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public', flavor_id: 'm1.tiny', master_flavor_id: 'm1.tiny', network_driver: 'docker',
    });
    const t0 = Date.now();
    const ids = await Promise.all(Array.from({ length: COUNT }, (_, i) => s.magnum.createCluster(s.token, { name: `k${i}`, cluster_template_id: 'swarm', master_count: 1, node_count: 1 }).then((r) => r.uuid)));
    // Killed while the clusters are being made: once compute has servers of them.
    for (;;) {
      const servers = await list(s, `${s.url('compute')}/servers`, 'servers');
      if (servers.length >= 3) break;
      assert.ok(Date.now() - t0 < 300_000, 'no cluster server within 300 s');
      await sleep(200);
    }
    console.log(`# killed ${((Date.now() - t0) / 1000).toFixed(1)} s into the creates`);
    await cloud!.stop('SIGKILL');
    const down = Date.now();
    s = await start();
    const t1 = Date.now();
    // The nodes carry on meanwhile: what they ask of the cloud while it is down is asked again.
    console.log(`# the cloud answered again ${((t1 - down) / 1000).toFixed(1)} s after the kill`);
    // Settled: COMPLETE, or FAILED (waitForCluster throws then; the cluster says why).
    // Settling takes 70–110 s on a 2-core machine; a cluster still IN_PROGRESS after 450 s is stuck, and
    // what it waits for is printed before the test fails.
    const settled = (id: string): Promise<Record<string, unknown> | undefined> => s.magnum.waitForCluster(s.token, id, { timeoutMs: 450_000 })
      .catch(async (err: unknown) => {
        if ((err as { status?: number }).status === 409) return s.magnum.getCluster(s.token, id);
        await explainStuck(s, id).catch((e: unknown) => console.log(`# (could not explain ${id}: ${String(e)})`));
        throw err;
      });
    const ends = await Promise.all(ids.map(settled));
    console.log(`# after the restart: ${ends.map((c) => `${String(c?.name)} ${String(c?.status)}`).join(', ')} in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    for (const c of ends) {
      assert.ok(c, 'the cluster is still there');
      assert.match(String(c.status), /^CREATE_(COMPLETE|FAILED)$/, JSON.stringify(c));
      if (c.status === 'CREATE_FAILED') assert.ok(String(c.status_reason ?? '').length > 0, 'a failed cluster says why');
    }
    const complete = ends.filter((c) => c?.status === 'CREATE_COMPLETE').length;
    console.log(`# ${complete}/${COUNT} CREATE_COMPLETE after the kill`);
    // Each complete cluster has exactly its two servers; no server belongs to no cluster.
    const servers = await list(s, `${s.url('compute')}/servers`, 'servers');
    const stacks = await list(s, `${s.url('orchestration')}/stacks`, 'stacks');
    assert.equal(stacks.length, COUNT, `one stack per cluster: ${stacks.map((x) => x.stack_name).join(', ')}`);
    for (const c of ends.filter((x) => x?.status === 'CREATE_COMPLETE')) {
      const mine = servers.filter((x) => String(x.name).startsWith(`${String(c!.name)}-`));
      assert.equal(mine.length, 2, `${String(c!.name)}: ${mine.map((x) => x.name).join(', ')}`);
    }

    // Deletes, killed while under way.
    const t2 = Date.now();
    await Promise.all(ids.map((id) => s.magnum.deleteCluster(s.token, id)));
    for (;;) {
      const left = await list(s, `${s.url('compute')}/servers`, 'servers');
      if (left.length <= servers.length - 2) break;
      assert.ok(Date.now() - t2 < 300_000, 'no server went within 300 s of the deletes');
      await sleep(100);
    }
    console.log(`# killed ${((Date.now() - t2) / 1000).toFixed(1)} s into the deletes`);
    await cloud!.stop('SIGKILL');
    s = await start();
    const t3 = Date.now();
    for (;;) {
      const clusters = await s.magnum.listClusters(s.token);
      if (clusters.length === 0) break;
      assert.ok(Date.now() - t3 < 600_000, `clusters still listed: ${clusters.map((c) => `${String(c.name)} ${String(c.status)}`).join(', ')}`);
      await sleep(500);
    }
    console.log(`# every cluster gone ${((Date.now() - t3) / 1000).toFixed(1)} s after the restart`);

    // Everything accounted for.
    assert.deepEqual(await list(s, `${s.url('compute')}/servers`, 'servers'), []);
    assert.deepEqual(await list(s, `${s.url('orchestration')}/stacks`, 'stacks'), []);
    assert.deepEqual((await list(s, `${s.url('network')}/v2.0/networks`, 'networks')).map((n) => n.name), ['public']);
    let extra: string[] = [];
    let containers: string[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      containers = await engineContainers(layout);
      extra = hostNamespaces(layout).filter((n) => !namespacesBefore.includes(n));
      if (containers.length === 0 && extra.length === 0) break;
    }
    assert.deepEqual(containers, [], 'no container (node) left on the host engine');
    assert.deepEqual(extra, [], 'no namespace of a cluster network or router left');
  });
});
