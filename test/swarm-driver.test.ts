/**
 * The swarm-mode driver on a real cloud, without the Magnum API or the conductor: the stack the driver
 * renders (1 master, 2 workers) is created through the orchestration API as a project member, and the
 * driver's Docker API client then talks to the swarm at the stack's api_address.
 *
 * create → CREATE_COMPLETE, 3 Ready nodes whose hostnames are their servers' names and whose engines
 * carry their server ids → health HEALTHY → update to 3 workers → drain two, update to 1 with
 * nodes_to_remove naming them, forget them → the swarm has the master and the one worker kept → 2 → 10
 * workers (timed) → delete leaves no server, port, floating IP, router, network or namespace.
 *
 * TLS: when the cluster CA's signing route is reachable from servers (the API's certificate route and the
 * metadata forwarding of /container-infra/), FLOTILLA_SWARM_TLS=1 runs the same test with TLS on: a CA
 * from pki.ts, a node-signing secret the API knows, the conductor's client certificate. Without it the
 * cluster is tls_disabled (Magnum's own option: the engine on 2375 without TLS). Timings print as `# `.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loginTo, type TestCloud } from './support/cloud.js';
import { createMember, openstack, openstackJson } from './support/cli.js';
import { computeUnavailable, consoleLines, hostCloud, hostLayout, hostNamespaces } from './support/compute.js';
import { OrchestrationClient } from '../src/orchestration/client.js';
import { asId } from '../src/platform/ids.js';
import type { ClusterTemplate } from '../src/container-infra/model.js';
import type { ClusterFacts, CoeAccess, StackInput } from '../src/container-infra/drivers/driver.js';
import { swarmModeDriver } from '../src/container-infra/drivers/swarm-mode/index.js';
import { DockerApi, type SwarmNode } from '../src/container-infra/drivers/swarm-mode/docker-api.js';

const HOST = 'swarm-drv';
const IMAGE = process.env.FLOTILLA_SWARM_TEST_IMAGE ?? 'debian-12-docker';
const skip = computeUnavailable('nft');
if (skip) console.log(`# swarm driver test skipped: ${skip}`);

type Row = Record<string, unknown>;
const since = (t0: number): string => ((Date.now() - t0) / 1000).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TEMPLATE: ClusterTemplate = {
  uuid: asId<'ClusterTemplateId'>('7f3c2a10-0000-4000-8000-000000000007'), name: 'swarm', projectId: '', userId: '', coe: 'swarm-mode',
  imageId: IMAGE, clusterDistro: 'debian', serverType: 'vm', flavorId: 'm1.small', masterFlavorId: 'm1.small', keypairId: null,
  dnsNameserver: null, externalNetworkId: 'public', fixedNetwork: null, fixedSubnet: null, networkDriver: 'docker', volumeDriver: null,
  apiserverPort: null, dockerVolumeSize: null, dockerStorageDriver: null, httpProxy: null, httpsProxy: null, noProxy: null, registryEnabled: false,
  insecureRegistry: null, labels: {}, tlsDisabled: true, public: false, hidden: false, masterLbEnabled: false, floatingIpEnabled: true, tags: null,
  createdAt: '2026-01-01T00:00:00Z', updatedAt: null,
};

function input(workers: number, nodesToRemove: string[] = [], masters = 1): StackInput {
  return {
    cluster: {
      uuid: asId<'ClusterId'>('0d5e8b3c-0000-4000-8000-000000000007'), name: 'drv', keypair: null, fixedNetwork: null, fixedSubnet: null,
      floatingIpEnabled: true, masterLbEnabled: false, dockerVolumeSize: null, createTimeout: 15,
    },
    template: TEMPLATE,
    nodegroups: [
      { role: 'master', name: 'default-master', count: masters, flavorId: 'm1.small', imageId: IMAGE },
      { role: 'worker', name: 'default-worker', count: workers, flavorId: 'm1.small', imageId: IMAGE, nodesToRemove },
    ],
    labels: { fixed_subnet_cidr: '10.70.0.0/24' },
    tlsDisabled: true,
    caCertPem: null,
    nodeSigningSecret: null,
  };
}

interface Session { token: string; heat: OrchestrationClient; compute: string; network: string }

async function connect(cloud: TestCloud, user: string, password: string, project: string): Promise<Session> {
  const { token, projectId, url } = await loginTo(cloud, user, password, project);
  return { token, heat: new OrchestrationClient(url('orchestration'), projectId), compute: url('compute'), network: url('network') };
}

async function get<T>(s: Session, url: string): Promise<T> {
  const res = await fetch(url, { headers: { 'x-auth-token': s.token, accept: 'application/json' } });
  assert.equal(res.status, 200, `GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

const outputsOf = (stack: { outputs?: Array<{ output_key: string; output_value: unknown }> }): Record<string, unknown> =>
  Object.fromEntries((stack.outputs ?? []).map((o) => [o.output_key, o.output_value]));

/** Prints when each resource of the stack started and finished (s after the stack's first event), and the master's console. */
async function timeline(s: Session, name: string, id: string, consoles: Record<string, string>): Promise<void> {
  const events = await s.heat.listEvents(s.token, name, id, { limit: 1000, sortDir: 'asc' });
  const t0 = Date.parse(events[0]!.event_time);
  const at = (e: { event_time: string }): string => ((Date.parse(e.event_time) - t0) / 1000).toFixed(1);
  const spans = new Map<string, string>();
  for (const e of events) {
    if (e.resource_status === 'CREATE_IN_PROGRESS') spans.set(e.resource_name, `${e.resource_name} ${at(e)}`);
    if (e.resource_status === 'CREATE_COMPLETE' && spans.has(e.resource_name)) spans.set(e.resource_name, `${spans.get(e.resource_name)}-${at(e)}`);
  }
  console.log(`# create timeline: ${[...spans.values()].join(', ')}`);
  for (const [what, server] of Object.entries(consoles)) {
    for (const line of (await consoleLines(s.compute, s.token, server, 40)).filter((l) => /swarm-|flotilla-/.test(l))) console.log(`#   ${what} console: ${line}`);
  }
}

/** Polls the swarm until `done` holds for its nodes; returns them. */
async function nodesUntil(api: DockerApi, done: (nodes: SwarmNode[]) => boolean, withinMs: number): Promise<SwarmNode[]> {
  const deadline = Date.now() + withinMs;
  let nodes: SwarmNode[] = [];
  let last = '';
  for (;;) {
    try { nodes = await api.nodes(); last = ''; } catch (err) { last = (err as Error).message; }
    if (last === '' && done(nodes)) return nodes;
    if (Date.now() > deadline) throw new Error(`swarm not as expected after ${withinMs} ms: ${last || nodes.map((n) => `${n.Description.Hostname}=${n.Status.State}`).join(', ')}`);
    await sleep(250);
  }
}

const ready = (nodes: SwarmNode[]): SwarmNode[] => nodes.filter((n) => n.Status.State === 'ready');
const serverOf = (n: SwarmNode): string | undefined => n.Description.Engine?.Labels?.['flotilla.server_id'];

describe('the swarm-mode driver\'s stack on a real cloud', { skip, concurrency: false }, () => {
  const fixture = hostCloud({ host: HOST, images: IMAGE, timeoutMs: 1_200_000 });
  let session: Session | undefined;

  it('creates a swarm, grows it, drains and removes chosen workers, grows it to ten, and deletes it all', { timeout: 2_400_000 }, async (ctx) => {
    const unbuildable = fixture.unbuildable(IMAGE);
    if (unbuildable) {
      ctx.skip(`${IMAGE} cannot be built here: ${unbuildable}`);
      return;
    }
    const { cloud, dataDir } = fixture;
    const admin = cloud.cliEnv;
    const member = await createMember(admin, cloud.identityUrl, 'swarmdrv');
    // Room for 11 nodes (Nova's default is 10 instances).
    const quota = await openstack(admin, 'quota', 'set', '--instances', '20', '--cores', '40', '--ram', '81920', '--floating-ips', '20', '--ports', '100', 'swarmdrv');
    assert.equal(quota.code, 0, quota.stderr);
    const s = await connect(cloud, 'swarmdrv-user', 'swarmdrv-pw', 'swarmdrv');
    session = s;
    // This cloud's host's namespaces only (other clouds may run beside this test).
    const namespaces = (): string[] => hostNamespaces(hostLayout(dataDir, HOST)).sort();
    const namespacesBefore = namespaces();
    const t0 = Date.now();
    const step = (what: string): void => console.log(`# ${since(t0)} s: ${what}`);
    const name = 'drv-0d5e8b3c';

    // Create: 1 master, 2 workers.
    let t = Date.now();
    let def = swarmModeDriver.stack(input(2));
    const { id } = await s.heat.createStack(s.token, { stack_name: name, template: def.template, files: def.files, environment: def.environment, parameters: def.parameters, timeout_mins: 15 });
    let stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 900_000 });
    assert.equal(stack.stack_status, 'CREATE_COMPLETE', stack.stack_status_reason);
    const createdIn = since(t);
    let facts: ClusterFacts = swarmModeDriver.outputs(outputsOf(stack), { tlsDisabled: true });
    assert.match(facts.apiAddress ?? '', /^tcp:\/\/198\.19\.\d+\.\d+:2375$/);
    assert.equal(facts.masterIds.length, 1);
    assert.equal(facts.nodeIds.length, 2);
    await timeline(s, name, id, { master: facts.masterIds[0]!, worker: facts.nodeIds[0]! });
    const access: CoeAccess = { apiAddress: facts.apiAddress!, timeoutMs: 5000 };
    const api = new DockerApi({ address: facts.apiAddress!, timeoutMs: 5000 });
    try {
      let nodes = await nodesUntil(api, (n) => ready(n).length === 3, 120_000);
      step(`stack create: CREATE_COMPLETE in ${createdIn} s; 3 Ready nodes ${since(t)} s after the create request`);

      // Each node names its server: hostname = server name, engine label = server id.
      const { servers } = await get<{ servers: Array<{ id: string; name: string }> }>(s, `${s.compute}/servers/detail`);
      for (const n of nodes) {
        const server = servers.find((x) => x.id === serverOf(n));
        assert.ok(server, `node ${n.Description.Hostname} carries a server id of the stack: ${serverOf(n)}`);
        assert.equal(n.Description.Hostname, server.name);
      }
      assert.deepEqual(nodes.map(serverOf).sort(), [...facts.masterIds, ...facts.nodeIds].sort());
      assert.deepEqual(facts.nodes.map((n) => n.name).sort(), nodes.map((n) => n.Description.Hostname).sort());
      const health = await swarmModeDriver.health(access, { expected: facts.nodes.map((n) => ({ serverId: n.serverId })) });
      assert.equal(health.status, 'HEALTHY', JSON.stringify(health.reason));
      assert.equal(Object.values(health.reason).filter((v) => v === 'True').length, 3);
      const leader = nodes.find((n) => n.ManagerStatus?.Leader);
      assert.equal(serverOf(leader!), facts.masterIds[0]);

      // Up to 3 workers.
      t = Date.now();
      def = swarmModeDriver.stack(input(3));
      await s.heat.updateStack(s.token, name, id, { template: def.template, files: def.files, environment: def.environment, parameters: def.parameters });
      stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 600_000 });
      assert.equal(stack.stack_status, 'UPDATE_COMPLETE', stack.stack_status_reason);
      facts = swarmModeDriver.outputs(outputsOf(stack), { tlsDisabled: true });
      assert.equal(facts.nodeIds.length, 3);
      nodes = await nodesUntil(api, (n) => ready(n).length === 4, 120_000);
      step(`update to 3 workers: UPDATE_COMPLETE and 4 Ready in ${since(t)} s`);

      // Down to 1, removing the first two workers: drained first, then removed by the stack, then forgotten.
      t = Date.now();
      const victims = facts.nodeIds.slice(0, 2);
      const keep = facts.nodeIds[2]!;
      const drained = await swarmModeDriver.drain(access, victims.map((serverId) => ({ serverId })), { timeoutMs: 30_000 });
      assert.equal(drained.drained.length, 2);
      assert.deepEqual(drained.unknown, []);
      def = swarmModeDriver.stack(input(1, victims));
      await s.heat.updateStack(s.token, name, id, { template: def.template, files: def.files, environment: def.environment, parameters: def.parameters });
      stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 600_000 });
      assert.equal(stack.stack_status, 'UPDATE_COMPLETE', stack.stack_status_reason);
      facts = swarmModeDriver.outputs(outputsOf(stack), { tlsDisabled: true });
      assert.deepEqual(facts.nodeIds, [keep], 'the stack kept the worker not named in nodes_to_remove');
      const forgotten = await swarmModeDriver.forget(access, victims.map((serverId) => ({ serverId })));
      assert.equal(forgotten.length, 2);
      nodes = await nodesUntil(api, (n) => n.length === 2, 30_000);
      assert.deepEqual(nodes.map(serverOf).sort(), [facts.masterIds[0], keep].sort());
      assert.equal(ready(nodes).length, 2);
      step(`update to 1 worker with nodes_to_remove: drained, removed and forgotten in ${since(t)} s`);

      // 2 → 10 workers, timed to 11 Ready nodes.
      def = swarmModeDriver.stack(input(2));
      await s.heat.updateStack(s.token, name, id, { template: def.template, files: def.files, environment: def.environment, parameters: def.parameters });
      stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 600_000 });
      assert.equal(stack.stack_status, 'UPDATE_COMPLETE', stack.stack_status_reason);
      await nodesUntil(api, (n) => ready(n).length === 3, 120_000);
      t = Date.now();
      def = swarmModeDriver.stack(input(10));
      await s.heat.updateStack(s.token, name, id, { template: def.template, files: def.files, environment: def.environment, parameters: def.parameters });
      stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 900_000 });
      assert.equal(stack.stack_status, 'UPDATE_COMPLETE', stack.stack_status_reason);
      const grownIn = since(t);
      nodes = await nodesUntil(api, (n) => ready(n).length === 11, 180_000);
      step(`resize 2 → 10 workers: UPDATE_COMPLETE in ${grownIn} s, 11 Ready in ${since(t)} s`);
      facts = swarmModeDriver.outputs(outputsOf(stack), { tlsDisabled: true });
      const all = await swarmModeDriver.health(access, { expected: facts.nodes.map((n) => ({ serverId: n.serverId })) });
      assert.equal(all.status, 'HEALTHY', JSON.stringify(all.reason));
    } finally {
      api.close();
    }

    // Delete: nothing of it is left.
    t = Date.now();
    await s.heat.deleteStack(s.token, name, id);
    stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 600_000 });
    assert.equal(stack.stack_status, 'DELETE_COMPLETE', stack.stack_status_reason);
    step(`stack delete: DELETE_COMPLETE in ${since(t)} s`);
    assert.deepEqual(await openstackJson<Row[]>(member, 'server', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(member, 'floating', 'ip', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(member, 'router', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(member, 'port', 'list'), []);
    assert.deepEqual((await openstackJson<Row[]>(member, 'network', 'list')).map((n) => n.Name), ['public']);
    let extra: string[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      extra = namespaces().filter((n) => !namespacesBefore.includes(n));
      if (extra.length === 0) break;
    }
    assert.deepEqual(extra, [], 'the stack\'s network and router namespaces are gone');
  });
  it('makes a swarm with three managers (the first master and two that join it as managers)', { timeout: 900_000 }, async (ctx) => {
    if (!session) { ctx.skip('the first test made no session'); return; }
    const s = session;
    const name = 'drv3-0d5e8b3c';
    const t = Date.now();
    const def = swarmModeDriver.stack({ ...input(1, [], 3), labels: { fixed_subnet_cidr: '10.71.0.0/24' } });
    const { id } = await s.heat.createStack(s.token, { stack_name: name, template: def.template, files: def.files, environment: def.environment, parameters: def.parameters, timeout_mins: 15 });
    let stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 900_000 });
    assert.equal(stack.stack_status, 'CREATE_COMPLETE', stack.stack_status_reason);
    const facts = swarmModeDriver.outputs(outputsOf(stack), { tlsDisabled: true });
    assert.equal(facts.masterIds.length, 3);
    assert.equal(facts.masterAddresses.length, 3);
    const api = new DockerApi({ address: facts.apiAddress!, timeoutMs: 5000 });
    try {
      const nodes = await nodesUntil(api, (n) => ready(n).length === 4, 120_000);
      const managers = nodes.filter((n) => n.Spec.Role === 'manager');
      assert.deepEqual(managers.map(serverOf).sort(), [...facts.masterIds].sort());
      assert.ok(managers.every((n) => n.ManagerStatus?.Reachability === 'reachable'), JSON.stringify(managers.map((n) => n.ManagerStatus)));
      assert.equal(serverOf(managers.find((n) => n.ManagerStatus?.Leader)!), facts.masterIds[0]);
      const health = await swarmModeDriver.health({ apiAddress: facts.apiAddress! }, { expected: facts.nodes.map((n) => ({ serverId: n.serverId })) });
      assert.equal(health.status, 'HEALTHY', JSON.stringify(health.reason));
      console.log(`# three managers and a worker: CREATE_COMPLETE and 4 Ready in ${since(t)} s`);
    } finally {
      api.close();
    }
    await s.heat.deleteStack(s.token, name, id);
    stack = await s.heat.waitForStack(s.token, name, id, { timeoutMs: 600_000 });
    assert.equal(stack.stack_status, 'DELETE_COMPLETE', stack.stack_status_reason);
  });
});
