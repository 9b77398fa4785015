/**
 * The typed client against the network service listening on a loopback port: ports created, bound and
 * deleted as compute will, filters, and Neutron's faults coming back as NeutronFaults.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Unavailable } from '../platform/errors.js';
import { createTestNetwork, type TestNetwork, type TestUser } from './testing.js';
import { NetworkClient } from './client.js';
import { NeutronFault } from './errors.js';
import { ensureExternalNetwork } from './bootstrap.js';

describe('NetworkClient', () => {
  let t: TestNetwork;
  let client: NetworkClient;
  let user: TestUser;
  before(async () => {
    t = await createTestNetwork();
    await t.service.app.listen({ host: '127.0.0.1', port: 0 });
    client = new NetworkClient(`http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}/v2.0/`);
    user = await t.user('client-user');
  });
  after(async () => { await t?.close(); });

  it('creates, binds, lists and deletes a server\'s port', async () => {
    const net = await client.createNetwork(user.token, { name: 'n1' });
    const subnet = await client.createSubnet(user.token, { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24' });
    const port = await client.createPort(user.token, { network_id: net.id, device_id: 'server-1', device_owner: 'compute:nova' });
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.0.0.2' }]);
    const bound = await client.updatePort(t.identity.adminToken, port.id, { 'binding:host_id': 'host-a' });
    assert.equal(bound['binding:host_id'], 'host-a');
    assert.deepEqual((await client.listPorts(user.token, { device_id: 'server-1' })).map((p) => p.id), [port.id]);
    assert.deepEqual((await client.listPorts(user.token, { device_id: ['nope', 'server-1'] })).map((p) => p.id), [port.id]);
    assert.equal((await client.getSubnet(user.token, subnet.id)).gateway_ip, '10.0.0.1');
    assert.equal((await client.listSecurityGroups(user.token, { name: 'default' })).length, 1);
    assert.ok((await client.extensions(user.token)).includes('binding'));
    await client.deletePort(user.token, port.id);
    await client.deletePort(user.token, port.id);
    await assert.rejects(client.getPort(user.token, port.id), (err: unknown) => err instanceof NeutronFault && err.status === 404 && err.name === 'PortNotFound');
  });

  it('returns Neutron\'s faults typed, and says when the service is unreachable', async () => {
    const net = await client.createNetwork(user.token, { name: 'n2' });
    await client.createSubnet(user.token, { network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24' });
    await client.createPort(user.token, { network_id: net.id, fixed_ips: [{ ip_address: '10.1.0.5' }] });
    await assert.rejects(
      client.createPort(user.token, { network_id: net.id, fixed_ips: [{ ip_address: '10.1.0.5' }] }),
      (err: unknown) => err instanceof NeutronFault && err.status === 409 && err.name === 'IpAddressAlreadyAllocated',
    );
    await assert.rejects(client.deleteNetwork(user.token, net.id), (err: unknown) => err instanceof NeutronFault && err.name === 'NetworkInUse');
    await assert.rejects(client.listNetworks('bad-token'), (err: unknown) => err instanceof NeutronFault && err.status === 401);
    await assert.rejects(new NetworkClient('http://127.0.0.1:9').listNetworks(user.token), Unavailable);
  });

  it('drives routers, floating IPs and the agent API', async () => {
    const { networkId: publicId } = await ensureExternalNetwork(t.database.db, { adminProjectId: t.identity.adminProjectId, pool: '198.19.220.0/24' });
    const net = await client.createNetwork(user.token, { name: 'l3' });
    const subnet = await client.createSubnet(user.token, { network_id: net.id, ip_version: 4, cidr: '10.2.0.0/24' });
    const router = await client.createRouter(user.token, { name: 'r', external_gateway_info: { network_id: publicId } });
    assert.equal(router.external_gateway_info?.enable_snat, true);
    const intf = await client.addRouterInterface(user.token, router.id, { subnet_id: subnet.id });
    assert.equal(intf.subnet_id, subnet.id);
    const port = await client.createPort(user.token, { network_id: net.id });
    const fip = await client.createFloatingIp(user.token, { floating_network_id: publicId, port_id: port.id });
    assert.equal(fip.router_id, router.id);
    assert.equal((await client.updateFloatingIp(user.token, fip.id, { port_id: null })).port_id, null);
    assert.deepEqual((await client.listFloatingIps(user.token)).map((f) => f.id), [fip.id]);
    assert.equal((await client.updateRouter(user.token, router.id, { name: 'r2' })).name, 'r2');
    await assert.rejects(client.deleteRouter(user.token, router.id), (err: unknown) => err instanceof NeutronFault && err.name === 'RouterInUse');

    const agentUser = await t.user('client-agent', { role: 'service', project: 'service' });
    let invalidated = 0;
    let first = true;
    // The first token is stale: the client asks for a fresh one once and carries on.
    const agent = client.forAgent('host-c', async () => (first ? (first = false, 'stale-token') : agentUser.token), () => { invalidated++; });
    await agent.registerEndpoint('198.19.0.30');
    assert.equal(invalidated, 1);
    const plan = await agent.plan(-1, 0);
    assert.equal(plan.endpoint, '198.19.0.30');
    assert.deepEqual(plan.routers.map((r) => r.id), [router.id], 'the router waited for the first host');
    await agent.report({ revision: plan.revision, activePorts: [intf.port_id], activeRouters: [router.id] });
    assert.equal((await client.getRouter(user.token, router.id)).status, 'ACTIVE');
    await client.removeRouterInterface(user.token, router.id, { subnet_id: subnet.id });
    await client.deleteFloatingIp(user.token, fip.id);
    await client.deleteFloatingIp(user.token, fip.id);
    await client.deleteRouter(user.token, router.id);
    await client.deleteRouter(user.token, router.id);
    assert.deepEqual(await client.listRouters(user.token), []);
  });
});
