/**
 * Get-me-a-network (auto-allocated-topology) through the HTTP app, on SQLite and PostgreSQL: one topology
 * per project however many ask at once, a /24 of the routed pool each, the dry run, deletion, who may ask,
 * and the host plan routing those subnets through their router (RouterPlan.routed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';
import { ensureExternalNetwork } from './bootstrap.js';
import { NETWORK_AGENT_API_PREFIX, type HostNetworkPlan } from './agent-protocol.js';

const POOL = '198.18.64.0/23';

for (const { engine, skip } of ENGINES) {
  describe(`auto-allocated topology (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let alice: TestUser;
    let bob: TestUser;
    let agent: TestUser;
    const topology = (u: TestUser, project = u.projectId, query = ''): Promise<{ statusCode: number; json: () => any; body: string }> =>
      t.call('GET', `/v2.0/auto-allocated-topology/${project}${query}`, undefined, u.token);

    before(async () => {
      t = await createTestNetwork(engine, { autoPool: POOL });
      await ensureExternalNetwork(t.database.db, { adminProjectId: t.identity.adminProjectId, pool: '198.19.210.0/24' });
      alice = await t.user('auto-alice');
      bob = await t.user('auto-bob');
      agent = await t.user('auto-agent', { role: 'service', project: 'service' });
      await t.ok(204, 'PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/endpoint`, { address: '169.254.130.9' }, agent.token);
    });
    after(async () => { await t?.close(); });

    it('is listed as an extension, and the dry run passes', async () => {
      assert.equal((await t.ok(200, 'GET', '/v2.0/extensions/auto-allocated-topology')).extension.alias, 'auto-allocated-topology');
      const dry = await topology(alice, alice.projectId, '?fields=dry-run');
      assert.equal(dry.statusCode, 200, dry.body);
      assert.equal(dry.json().auto_allocated_topology.id, 'dry-run=pass');
    });

    it('makes one network, subnet and router per project, however many ask at once', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => topology(alice)));
      for (const a of answers) assert.equal(a.statusCode, 200, a.body);
      const ids = new Set(answers.map((a) => a.json().auto_allocated_topology.id));
      assert.equal(ids.size, 1);
      const id = [...ids][0];
      const network = (await t.ok(200, 'GET', `/v2.0/networks/${id}`, undefined, alice.token)).network;
      assert.equal(network.name, 'auto_allocated_network');
      assert.equal(network.project_id, alice.projectId);
      const subnets = (await t.ok(200, 'GET', `/v2.0/subnets?network_id=${id}`, undefined, alice.token)).subnets;
      assert.equal(subnets.length, 1);
      assert.match(subnets[0].cidr, /^198\.18\.6[45]\.0\/24$/);
      const routers = (await t.ok(200, 'GET', '/v2.0/routers', undefined, alice.token)).routers;
      assert.equal(routers.length, 1);
      assert.equal(routers[0].name, 'auto_allocated_router');
      assert.ok(routers[0].external_gateway_info?.network_id, 'a gateway on the external network');
      assert.equal((await topology(alice)).json().auto_allocated_topology.id, id, 'found again afterwards');
    });

    it('gives another project its own /24, and the pool running out is a 409', async () => {
      const a = (await topology(alice)).json().auto_allocated_topology.id;
      const b = (await topology(bob)).json().auto_allocated_topology.id;
      assert.notEqual(a, b);
      const cidr = async (u: TestUser, id: string): Promise<string> => (await t.ok(200, 'GET', `/v2.0/subnets?network_id=${id}`, undefined, u.token)).subnets[0].cidr;
      assert.notEqual(await cidr(alice, a), await cidr(bob, b));
      const carol = await t.user('auto-carol');
      const full = await topology(carol);
      assert.equal(full.statusCode, 409, full.body);
      assert.equal(full.json().NeutronError.type, 'AutoAllocationFailure');
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/networks?project_id=${carol.projectId}`, undefined, carol.token)).networks, [], 'nothing half-made');
    });

    it('answers only the project itself, an admin or a service', async () => {
      const r = await topology(bob, alice.projectId);
      assert.equal(r.statusCode, 403, r.body);
      assert.equal((await topology(agent, alice.projectId)).statusCode, 200);
    });

    it('routes each auto subnet through its router on the router\'s host', async () => {
      const id = (await topology(alice)).json().auto_allocated_topology.id;
      const cidr = (await t.ok(200, 'GET', `/v2.0/subnets?network_id=${id}`, undefined, alice.token)).subnets[0].cidr;
      const plan: HostNetworkPlan = await t.ok(200, 'GET', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network`, undefined, agent.token);
      const router = plan.routers.find((r) => r.routed.includes(cidr));
      assert.ok(router, `a router of h1 routes ${cidr}: ${JSON.stringify(plan.routers.map((r) => r.routed))}`);
      assert.ok(router.gateway, 'through its gateway');
    });

    it('deletes the topology (409 while a port uses it), then makes a new one on the next ask', async () => {
      const id = (await topology(bob)).json().auto_allocated_topology.id;
      const port = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: id } }, bob.token)).port;
      assert.equal((await t.call('DELETE', `/v2.0/auto-allocated-topology/${bob.projectId}`, undefined, bob.token)).statusCode, 409);
      await t.ok(204, 'DELETE', `/v2.0/ports/${port.id}`, undefined, bob.token);
      assert.equal((await t.call('DELETE', `/v2.0/auto-allocated-topology/${bob.projectId}`, undefined, bob.token)).statusCode, 204);
      assert.equal((await t.call('GET', `/v2.0/networks/${id}`, undefined, bob.token)).statusCode, 404);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/routers', undefined, bob.token)).routers, []);
      assert.equal((await t.call('DELETE', `/v2.0/auto-allocated-topology/${bob.projectId}`, undefined, bob.token)).statusCode, 404);
      const again = (await topology(bob)).json().auto_allocated_topology.id;
      assert.notEqual(again, id);
    });
  });
}
