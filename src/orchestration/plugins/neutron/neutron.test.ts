/**
 * The Neutron plugins against the real network service in-process (on a loopback port, through the real
 * NetworkClient), with a member's token: create, update in place, delete; a create retried as after a
 * crash (the physical id never stored) finds what the first attempt made instead of making another;
 * the security group's rules follow Heat (an egress rule removes the default egress rules).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTestNetwork, type TestNetwork, type TestUser } from '../../../network/testing.js';
import { NetworkClient } from '../../../network/client.js';
import { silentLogger } from '../../../platform/log.js';
import { asId } from '../../../platform/ids.js';
import type { Resource } from '../../model.js';
import type { NestedStacks, ResourceContext, ResourcePlugin, StackClients } from '../types.js';
import { NO_SERVICES } from '../stack-clients.js';
import { netPlugin } from './net.js';
import { subnetPlugin } from './subnet.js';
import { portPlugin } from './port.js';
import { routerPlugin } from './router.js';
import { routerInterfacePlugin } from './router-interface.js';
import { securityGroupPlugin } from './security-group.js';
import { securityGroupRulePlugin } from './security-group-rule.js';

describe('Neutron resource plugins against the network service', () => {
  let t: TestNetwork;
  let user: TestUser;
  let clients: StackClients;
  const rows: Resource[] = [];
  const STACK = { id: asId<'StackId'>(randomUUID()), name: 'st', projectId: '', nestedDepth: 0 };

  before(async () => {
    t = await createTestNetwork();
    user = await t.user('heat-neutron');
    STACK.projectId = user.projectId;
    await t.service.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}`;
    clients = {
      ...NO_SERVICES, network: new NetworkClient(url), projectId: user.projectId, token: async () => user.token,
      resourceRow: async (name) => rows.find((r) => r.name === name),
      resourceRows: async () => rows,
    };
  });
  after(async () => { await t?.close(); });

  const nested = {} as NestedStacks;
  function row(name: string, type: string): Resource {
    const r: Resource = {
      id: asId(randomUUID()), stackId: STACK.id, name, type, physicalId: null, action: 'INIT', status: 'COMPLETE', statusReason: '',
      properties: null, attributes: {}, data: {}, metadata: {}, requires: [], replacedBy: null, replaces: null, createdAt: '', updatedAt: null,
    };
    rows.push(r);
    return r;
  }
  function ctx(r: Resource): ResourceContext {
    return {
      stack: STACK, resource: r, log: silentLogger(), signal: new AbortController().signal, updatePolicy: {}, clients, files: {}, nested,
      savePhysicalId: async (id, data) => { r.physicalId = id; if (data) r.data = { ...r.data, ...data }; },
    };
  }
  /** Runs a plugin's create as the engine does: defaults applied, the outcome stored on the row. */
  async function create(plugin: ResourcePlugin, r: Resource, props: Record<string, unknown>): Promise<Record<string, unknown>> {
    const full: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(plugin.properties)) if (s.default !== undefined) full[k] = s.default;
    Object.assign(full, props);
    assert.equal(plugin.validate?.(full) ?? null, null);
    const out = await plugin.create(ctx(r), full);
    r.physicalId = out.physicalId;
    r.attributes = out.attributes;
    r.data = { ...r.data, ...out.data };
    r.properties = full;
    return full;
  }

  it('net, subnet, port, router and interface: create, retry after a crash, update, delete', async () => {
    const net = row('net', 'OS::Neutron::Net');
    await create(netPlugin, net, {});
    assert.match(String(net.attributes.name), /^st-net-[a-z0-9x]{12}$/, 'named after the resource');
    const firstId = net.physicalId;
    net.physicalId = null; // the crash came before the id was stored
    await create(netPlugin, net, {});
    assert.equal(net.physicalId, firstId, 'the retried create found the network');

    const subnet = row('subnet', 'OS::Neutron::Subnet');
    await create(subnetPlugin, subnet, { network: net.physicalId, cidr: '10.30.0.0/24' });
    assert.equal(subnet.attributes.gateway_ip, '10.30.0.1');
    assert.equal(subnet.attributes.network_id, net.physicalId);
    const upd = await subnetPlugin.update!(ctx(subnet), { ...subnet.properties, dns_nameservers: ['10.30.0.53'] }, ['dns_nameservers']);
    assert.deepEqual(upd.attributes.dns_nameservers, ['10.30.0.53']);

    const port = row('port', 'OS::Neutron::Port');
    await create(portPlugin, port, { network: String(net.attributes.name), fixed_ips: [{ subnet: subnet.physicalId, ip_address: '10.30.0.10' }] });
    assert.deepEqual(port.attributes.fixed_ips, [{ subnet_id: subnet.physicalId, ip_address: '10.30.0.10' }]);
    const portId = port.physicalId;
    port.physicalId = null;
    await create(portPlugin, port, { network: net.physicalId, fixed_ips: [{ subnet: subnet.physicalId, ip_address: '10.30.0.10' }] });
    assert.equal(port.physicalId, portId, 'the retried create found the port');

    const router = row('router', 'OS::Neutron::Router');
    await create(routerPlugin, router, { name: 'r-heat' });
    assert.equal(router.attributes.name, 'r-heat');
    const ri = row('ri', 'OS::Neutron::RouterInterface');
    await create(routerInterfacePlugin, ri, { router: router.physicalId, subnet: subnet.physicalId });
    assert.equal(ri.physicalId, `${router.physicalId}:subnet_id=${subnet.physicalId}`);
    await create(routerInterfacePlugin, ri, { router: 'r-heat', subnet: subnet.physicalId });
    const ifaces = await clients.network.listPorts(user.token, { device_id: router.physicalId! });
    assert.equal(ifaces.length, 1, 'attaching twice attached once');

    for (const [plugin, r] of [[routerInterfacePlugin, ri], [routerPlugin, router], [portPlugin, port], [subnetPlugin, subnet], [netPlugin, net]] as const) {
      await plugin.delete(ctx(r));
      await plugin.delete(ctx(r)); // deleting what is gone is done
    }
    assert.deepEqual(await clients.network.listNetworks(user.token, { project_id: user.projectId }), []);
    assert.deepEqual(await clients.network.listPorts(user.token, { project_id: user.projectId }), []);
  });

  it('security groups: rules as Heat sets them, updates replace them, and a separate rule', async () => {
    const sg = row('sg', 'OS::Neutron::SecurityGroup');
    await create(securityGroupPlugin, sg, { rules: [{ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' }, { protocol: 'icmp' }] });
    const rules = async (): Promise<string[]> => (await clients.network.getSecurityGroup(user.token, sg.physicalId!)).security_group_rules
      .map((r) => `${r.direction} ${r.ethertype} ${r.protocol ?? '*'} ${r.port_range_min ?? ''}`).sort();
    assert.deepEqual(await rules(), ['egress IPv4 * ', 'egress IPv6 * ', 'ingress IPv4 icmp ', 'ingress IPv4 tcp 22']);
    const sgId = sg.physicalId;
    sg.physicalId = null;
    await create(securityGroupPlugin, sg, { rules: [{ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' }, { protocol: 'icmp' }] });
    assert.equal(sg.physicalId, sgId, 'the retried create found the group');
    assert.equal((await rules()).length, 4, 'and made no rule twice');

    await securityGroupPlugin.update!(ctx(sg), { ...sg.properties, rules: [{ direction: 'egress', protocol: 'udp', port_range_min: 53, port_range_max: 53 }] }, ['rules']);
    assert.deepEqual(await rules(), ['egress IPv4 udp 53'], 'an egress rule replaces the default egress rules');

    const rule = row('rule', 'OS::Neutron::SecurityGroupRule');
    await create(securityGroupRulePlugin, rule, { security_group: sg.physicalId, protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
    const ruleId = rule.physicalId;
    await create(securityGroupRulePlugin, rule, { security_group: sg.physicalId, protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
    assert.equal(rule.physicalId, ruleId, 'a retried create adopts the rule Neutron already has');
    // Compute binds a server's ports to its groups with its own (service) token: it must see this project's group.
    const nova = await t.user('heat-nova', { role: 'service', project: 'service' });
    const seen = await clients.network.listSecurityGroups(nova.token, { project_id: user.projectId });
    assert.ok(seen.some((g) => g.id === sg.physicalId), 'a service sees other projects\' groups');
    await securityGroupRulePlugin.delete(ctx(rule));
    assert.deepEqual(await rules(), ['egress IPv4 udp 53']);
    await securityGroupPlugin.delete(ctx(sg));
    await assert.rejects(clients.network.getSecurityGroup(user.token, sgId!), (err: Error & { status?: number }) => err.status === 404);
  });
});
