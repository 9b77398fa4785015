/**
 * Bad input gets a 4xx in Neutron's body, never a 500, and leaves what is stored intact: malformed JSON,
 * wrong shapes, unknown and read-only attributes, wrong types, oversized and NUL-bearing values, bad
 * query strings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';

for (const { engine, skip } of ENGINES) {
  describe(`bad input (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    let network: string;
    let port: string;
    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('bad-input');
      network = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'keep' } }, member.token)).network.id;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.8.0.0/24' } }, member.token);
      port = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: network } }, member.token)).port.id;
    });
    after(async () => { await t?.close(); });

    it('answers every malformed request with a 4xx NeutronError', async () => {
      const long = 'x'.repeat(256);
      const cases: Array<[string, string, unknown]> = [
        ['POST', '/v2.0/networks', '{"network": '],
        ['POST', '/v2.0/networks', '[]'],
        ['POST', '/v2.0/networks', '"network"'],
        ['POST', '/v2.0/networks', {}],
        ['POST', '/v2.0/networks', { net: {} }],
        ['POST', '/v2.0/networks', { network: [] }],
        ['POST', '/v2.0/networks', { network: { name: 5 } }],
        ['POST', '/v2.0/networks', { network: { name: long } }],
        ['POST', '/v2.0/networks', { network: { name: 'a\u0000b' } }],
        ['POST', '/v2.0/networks', { network: { admin_state_up: 'maybe' } }],
        ['POST', '/v2.0/networks', { network: { bogus: 1 } }],
        ['POST', '/v2.0/networks', { network: { id: '00000000-0000-4000-8000-000000000000' } }],
        ['POST', '/v2.0/networks', { network: { mtu: 9000 } }],
        ['POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan' } }],
        ['POST', '/v2.0/networks', { network: { project_id: 'a', tenant_id: 'b' } }],
        ['PUT', `/v2.0/networks/${network}`, { network: { status: 'DOWN' } }],
        ['PUT', `/v2.0/networks/${network}`, { network: { project_id: 'x' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4 } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: 'not-a-uuid', ip_version: 4, cidr: '10.9.0.0/24' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 5, cidr: '10.9.0.0/24' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/33' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: 42 } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/32' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/24', allocation_pools: 'all' } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/24', allocation_pools: [{ start: '10.9.0.2' }] } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/24', host_routes: [{ destination: 'x', nexthop: '10.9.0.1' }] } }],
        ['POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.9.0.0/24', gateway_ip: '10.9.0.300' } }],
        ['POST', '/v2.0/ports', { port: {} }],
        ['POST', '/v2.0/ports', { port: { network_id: network, mac_address: 'zz:zz' } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, mac_address: '01:00:5e:00:00:01' } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, fixed_ips: 'x' } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, fixed_ips: [{}] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, fixed_ips: [{ ip_address: '1.2.3' }] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, fixed_ips: [{ ip_address: '10.8.0.9' }, { ip_address: '10.8.0.9' }] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, security_groups: 'default' } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, security_groups: ['default'] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, allowed_address_pairs: [{ mac_address: 'fa:16:3e:00:00:01' }] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, allowed_address_pairs: [{ ip_address: '10.8.0.5', extra: 1 }] } }],
        ['POST', '/v2.0/ports', { port: { network_id: network, 'binding:vnic_type': 'weird' } }],
        ['PUT', `/v2.0/ports/${port}`, { port: { network_id: network } }],
        ['POST', '/v2.0/security-groups', { security_group: { name: ['x'] } }],
        ['POST', '/v2.0/security-group-rules', { security_group_rule: { direction: 'ingress' } }],
        ['PUT', `/v2.0/ports/${port}/tags`, { tags: 'x' }],
        ['GET', '/v2.0/ports?limit=abc', undefined],
        ['GET', '/v2.0/ports?sort_key=fixed_ips&sort_dir=asc', undefined],
        ['GET', '/v2.0/ports?fixed_ips=bogus', undefined],
        ['GET', '/v2.0/ports?tenant_id=a&project_id=b', undefined],
        ['GET', '/v2.0/networks?mtu=big', undefined],
      ];
      for (const [method, url, body] of cases) {
        const r = await t.call(method as 'GET', url, body, member.token);
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${method} ${url} ${JSON.stringify(body)}: ${r.statusCode} ${r.body}`);
        const err = r.json().NeutronError;
        assert.ok(err && typeof err.type === 'string' && typeof err.message === 'string' && err.detail === '', `${method} ${url}: ${r.body}`);
      }
      const unknownId = await t.call('GET', '/v2.0/networks/not-a-uuid', undefined, member.token);
      assert.equal(unknownId.statusCode, 404);
      const unknownPath = await t.call('GET', '/v2.0/bgpvpns', undefined, member.token);
      assert.equal(unknownPath.statusCode, 404);
      assert.equal(unknownPath.json().NeutronError.type, 'HTTPNotFound');
    });

    it('kept what was stored', async () => {
      const n = (await t.ok(200, 'GET', `/v2.0/networks/${network}`, undefined, member.token)).network;
      assert.equal(n.name, 'keep');
      assert.equal((await t.ok(200, 'GET', '/v2.0/ports', undefined, member.token)).ports.length, 1);
    });
  });
}
