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
});
