/** Heat's implicit dependencies, read from a template's references (engine/implicit.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeResources, dependencies, loadTemplate } from '../hot/index.js';
import { withImplicit } from './implicit.js';

const graphOf = (resources: Record<string, unknown>): Map<string, Set<string>> => {
  const t = loadTemplate({ heat_template_version: '2018-08-31', resources });
  const active = new Map(activeResources(t, {}).map((r) => [r.name, r] as const));
  return withImplicit(dependencies(t, {}), active);
};
const sorted = (s: Set<string> | undefined): string[] => [...(s ?? [])].sort();

test('servers and ports wait for their network\'s subnets; routers for their gateway network\'s; floating IPs for the routing', () => {
  const g = graphOf({
    net: { type: 'OS::Neutron::Net' },
    other: { type: 'OS::Neutron::Net' },
    subnet: { type: 'OS::Neutron::Subnet', properties: { network: { get_resource: 'net' }, cidr: '10.0.0.0/24' } },
    subnet2: { type: 'OS::Neutron::Subnet', properties: { network_id: { get_resource: 'net' }, cidr: '10.0.1.0/24' } },
    lone: { type: 'OS::Neutron::Subnet', properties: { network: { get_resource: 'other' }, cidr: '10.1.0.0/24' } },
    router: { type: 'OS::Neutron::Router', properties: { external_gateway_info: { network: 'public' } } },
    iface: { type: 'OS::Neutron::RouterInterface', properties: { router: { get_resource: 'router' }, subnet: { get_resource: 'subnet' } } },
    server: { type: 'OS::Nova::Server', properties: { image: 'i', flavor: 'f', networks: [{ network: { get_resource: 'net' } }] } },
    port: { type: 'OS::Neutron::Port', properties: { network: { get_resource: 'net' } } },
    fip: { type: 'OS::Neutron::FloatingIP', properties: { floating_network: 'public', port_id: { get_resource: 'port' } } },
  });
  assert.deepEqual(sorted(g.get('server')), ['net', 'subnet', 'subnet2']);
  assert.deepEqual(sorted(g.get('port')), ['net', 'subnet', 'subnet2']);
  assert.deepEqual(sorted(g.get('fip')), ['iface', 'port', 'router']);
  assert.deepEqual(sorted(g.get('router')), []);
  assert.deepEqual(sorted(g.get('lone')), ['other']);
});

test('an implicit edge that would close a cycle is left out', () => {
  const g = graphOf({
    net: { type: 'OS::Neutron::Net' },
    // A subnet that (oddly) waits for the server: the server cannot also wait for it.
    subnet: { type: 'OS::Neutron::Subnet', depends_on: ['server'], properties: { network: { get_resource: 'net' }, cidr: '10.0.0.0/24' } },
    server: { type: 'OS::Nova::Server', properties: { image: 'i', flavor: 'f', networks: [{ network: { get_resource: 'net' } }] } },
  });
  assert.deepEqual(sorted(g.get('server')), ['net'], 'only its explicit reference');
  assert.deepEqual(sorted(g.get('subnet')), ['net', 'server']);
});
