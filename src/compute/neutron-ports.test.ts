/**
 * Servers on Neutron networks, through the real compute, network and identity services: compute checks
 * the request as the caller, allocates and binds ports after placement (the agent sees the server only
 * then), shows the addresses under the network's name, and gives the ports back when the server is gone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINES } from '../platform/db/testing.js';
import { createTestCompute, type TestCompute } from './testing.js';

const V = '2.79';
type User = { userId: string; projectId: string; token: string };

for (const { engine, skip } of TEST_ENGINES) {
  describe(`servers on Neutron networks (${engine})`, { skip }, () => {
    let t: TestCompute;
    let user: User;
    let stranger: User;

    const neutron = async (method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> => {
      const res = await fetch(`${t.networkUrl}${path}`, {
        method, headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const makeNetwork = async (token: string, name: string, cidr: string): Promise<string> => {
      const n = await neutron('POST', '/v2.0/networks', token, { network: { name } });
      assert.equal(n.status, 201, JSON.stringify(n.json));
      const s = await neutron('POST', '/v2.0/subnets', token, { subnet: { network_id: n.json.network.id, cidr, ip_version: 4 } });
      assert.equal(s.status, 201, JSON.stringify(s.json));
      return n.json.network.id as string;
    };
    const boot = (token: string, name: string, networks: unknown, extra: Record<string, unknown> = {}) =>
      t.call('POST', '/v2.1/servers', { server: { name, imageRef: t.imageId, flavorRef: '1', networks, ...extra } }, { token, version: V });
    /** Waits until the host's agent would see the server (its ports are allocated). */
    const published = async (id: string): Promise<any> => {
      for (let i = 0; i < 200; i++) {
        const spec = (await t.desired('h1')).servers.find((s) => s.id === id);
        if (spec) return spec;
        await new Promise((r) => setTimeout(r, 25));
      }
      const s = (await t.call('GET', `/v2.1/servers/${id}`, undefined, { version: V })).json().server;
      throw new Error(`server ${id} never reached its host: ${s.status} ${JSON.stringify(s.fault)}`);
    };
    const server = async (id: string, token: string): Promise<any> => (await t.call('GET', `/v2.1/servers/${id}`, undefined, { token, version: V })).json().server;

    before(async () => {
      t = await createTestCompute(engine);
      user = await t.identity.makeUser({ name: 'netuser', project: 'net-alpha' });
      stranger = await t.identity.makeUser({ name: 'netstranger', project: 'net-beta' });
      await t.register('h1');
    });
    after(async () => { await t?.close(); });

    it('boots on the caller\'s network: the port is made, bound to the host, and the agent gets it', async () => {
      const net = await makeNetwork(user.token, 'n1', '10.0.0.0/24');
      const r = await boot(user.token, 'vm1', [{ uuid: net }]);
      assert.equal(r.statusCode, 202, r.body);
      const id = r.json().server.id as string;
      const spec = await published(id);
      assert.equal(spec.ports.length, 1, JSON.stringify((await server(id, user.token)).fault));
      const p = spec.ports[0];
      assert.equal(p.source, 'neutron');
      assert.equal(p.networkId, net);
      assert.match(p.ip, /^10\.0\.0\.\d+$/);
      assert.equal(p.gateway, '10.0.0.1');
      assert.equal(p.prefixLength, 24);
      assert.equal(p.mtu, 1450);
      const ports = (await neutron('GET', `/v2.0/ports?device_id=${id}`, user.token)).json.ports;
      assert.equal(ports.length, 1);
      assert.equal(ports[0].id, p.id);
      assert.equal(ports[0].device_owner, 'compute:nova');
      assert.equal(ports[0].project_id, user.projectId, 'the port is the server project\'s, not the service\'s');
      await t.converge('h1');
      const s = await server(id, user.token);
      assert.equal(s.status, 'ACTIVE');
      assert.deepEqual(s.addresses.n1.map((a: { addr: string }) => a.addr), [p.ip]);
      assert.equal(s.addresses.n1[0]['OS-EXT-IPS-MAC:mac_addr'], p.mac);

      // Delete: once the agent reports it gone, the port compute made is deleted.
      assert.equal((await t.call('DELETE', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 204);
      await t.converge('h1');
      for (let i = 0; i < 100 && (await neutron('GET', `/v2.0/ports?device_id=${id}`, user.token)).json.ports.length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual((await neutron('GET', `/v2.0/ports?device_id=${id}`, user.token)).json.ports, []);
    });

    it('boots on a given port, and the port stays (unbound) when the server goes', async () => {
      const net = await makeNetwork(user.token, 'n2', '10.1.0.0/24');
      const port = (await neutron('POST', '/v2.0/ports', user.token, { port: { network_id: net, name: 'mine', fixed_ips: [{ ip_address: '10.1.0.77' }] } })).json.port;
      const r = await boot(user.token, 'vm2', [{ port: port.id }]);
      assert.equal(r.statusCode, 202, r.body);
      const id = r.json().server.id as string;
      const spec = await published(id);
      assert.equal(spec.ports[0].id, port.id);
      assert.equal(spec.ports[0].ip, '10.1.0.77');
      const bound = (await neutron('GET', `/v2.0/ports/${port.id}`, user.token)).json.port;
      assert.equal(bound.device_id, id);

      // In use now: another server may not take it.
      const again = await boot(user.token, 'vm2b', [{ port: port.id }]);
      assert.equal(again.statusCode, 409, again.body);

      await t.converge('h1');
      assert.equal((await t.call('DELETE', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 204);
      await t.converge('h1');
      let kept: any;
      for (let i = 0; i < 100; i++) {
        kept = (await neutron('GET', `/v2.0/ports/${port.id}`, user.token)).json.port;
        if (kept.device_id === '') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(kept.device_id, '');
      assert.equal(kept.device_owner, '');
      assert.deepEqual(kept.fixed_ips.map((f: { ip_address: string }) => f.ip_address), ['10.1.0.77']);
    });

    it('a fixed IP is honoured', async () => {
      const net = await makeNetwork(user.token, 'n3', '10.2.0.0/24');
      const r = await boot(user.token, 'vm3', [{ uuid: net, fixed_ip: '10.2.0.50' }]);
      assert.equal(r.statusCode, 202, r.body);
      assert.equal((await published(r.json().server.id)).ports[0].ip, '10.2.0.50');
    });

    it('another project\'s network or port is a 400, as if it did not exist', async () => {
      const theirs = await makeNetwork(stranger.token, 'theirs', '10.0.0.0/24');
      const r = await boot(user.token, 'sneaky', [{ uuid: theirs }]);
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().badRequest.message, new RegExp(`Network ${theirs} could not be found`));
      const port = (await neutron('POST', '/v2.0/ports', stranger.token, { port: { network_id: theirs } })).json.port;
      const p = await boot(user.token, 'sneaky2', [{ port: port.id }]);
      assert.equal(p.statusCode, 400, p.body);
      assert.match(p.json().badRequest.message, /Port id .* could not be found/);
      const missing = await boot(user.token, 'nope', [{ uuid: '5b8f3f54-7bd7-4b0a-8c9e-9a5bfc0c8d63' }]);
      assert.equal(missing.statusCode, 400, missing.body);
    });

    it('no address left: the build fails with Nova\'s fault and nothing is left bound', async () => {
      const net = await makeNetwork(user.token, 'tiny', '10.9.0.0/30');
      const first = await boot(user.token, 'fits', [{ uuid: net }]);
      await published(first.json().server.id);
      const r = await boot(user.token, 'too-many', [{ uuid: net }]);
      assert.equal(r.statusCode, 202, r.body);
      const id = r.json().server.id as string;
      let s: any;
      for (let i = 0; i < 200; i++) {
        s = await server(id, user.token);
        if (s.status === 'ERROR') break;
        await new Promise((res) => setTimeout(res, 25));
      }
      assert.equal(s.status, 'ERROR');
      assert.match(s.fault.message, /Failed to allocate the network\(s\)/);
      assert.ok(!(await t.desired('h1')).servers.some((x) => x.id === id), 'the agent never sees it');
      assert.deepEqual((await neutron('GET', `/v2.0/ports?device_id=${id}`, user.token)).json.ports, []);
    });
  });
}
