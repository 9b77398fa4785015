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
    let router: string;
    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('bad-input');
      network = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'keep' } }, member.token)).network.id;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr: '10.8.0.0/24' } }, member.token);
      port = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: network } }, member.token)).port.id;
      router = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'keep' } }, member.token)).router.id;
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
        ['POST', '/v2.0/routers', { router: { external_gateway_info: 'public' } }],
        ['POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: 'x' } } }],
        ['POST', '/v2.0/routers', { router: { external_gateway_info: { enable_snat: false } } }],
        ['POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: network, bogus: 1 } } }],
        ['POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: network, external_fixed_ips: 'x' } } }],
        ['POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: network, enable_snat: 'sometimes' } } }],
        ['POST', '/v2.0/routers', { router: { admin_state_up: [] } }],
        ['POST', '/v2.0/routers', { routers: 'x' }],
        ['PUT', `/v2.0/routers/${router}`, { router: { routes: 'x' } }],
        ['PUT', `/v2.0/routers/${router}`, { router: { routes: [{ destination: '10.0.0.0/8' }] } }],
        ['PUT', `/v2.0/routers/${router}`, { router: { routes: [{ destination: '10.0.0.1/8', nexthop: '10.8.0.5' }] } }],
        ['PUT', `/v2.0/routers/${router}`, { router: { routes: [{ destination: '10.0.0.0/8', nexthop: 'fe80::1' }] } }],
        ['PUT', `/v2.0/routers/${router}`, { router: { routes: [{ destination: '10.0.0.0/8', nexthop: '10.8.0.5' }, { destination: '10.0.0.0/8', nexthop: '10.8.0.5' }] } }],
        ['PUT', `/v2.0/routers/${router}`, { router: { status: 'ACTIVE' } }],
        ['PUT', `/v2.0/routers/${router}/add_router_interface`, '[]'],
        ['PUT', `/v2.0/routers/${router}/add_router_interface`, { subnet_id: 5 }],
        ['PUT', `/v2.0/routers/${router}/add_router_interface`, { port_id: port, subnet_id: port }],
        ['PUT', `/v2.0/routers/${router}/remove_router_interface`, {}],
        ['GET', '/v2.0/routers?admin_state_up=maybe', undefined],
        ['POST', '/v2.0/floatingips', { floatingip: { floating_network_id: network } }],
        ['POST', '/v2.0/floatingips', { floatingip: { floating_network_id: network, port_id: 'x' } }],
        ['POST', '/v2.0/floatingips', { floatingip: { floating_network_id: network, floating_ip_address: '300.1.1.1' } }],
        ['POST', '/v2.0/floatingips', { floatingip: { floating_network_id: network, dns_name: 'x' } }],
        ['POST', '/v2.0/floatingips', { floatingip: [] }],
        ['GET', '/v2.0/floatingips?sort_key=port_details&sort_dir=asc', undefined],
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
      const r = (await t.ok(200, 'GET', `/v2.0/routers/${router}`, undefined, member.token)).router;
      assert.deepEqual([r.name, r.routes, r.external_gateway_info], ['keep', [], null]);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/floatingips', undefined, member.token)).floatingips, []);
    });
  });
}
