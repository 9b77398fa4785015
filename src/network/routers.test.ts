/**
 * Routers and floating IPs through the HTTP app with real identity, on SQLite and PostgreSQL: CRUD, the
 * gateway and its SNAT flag, interfaces by subnet and by port, static routes, Neutron's errors, the
 * floating IP lifecycle and its association rules, quotas, and another project's resources being 404s.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';
import { ensureExternalNetwork } from './bootstrap.js';

for (const { engine, skip } of ENGINES) {
  describe(`routers and floating IPs (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    let stranger: TestUser;
    let publicId: string;
    let publicSubnetId: string;

    /** A network with one subnet of the member's. */
    const net = async (cidr: string, user: TestUser = member): Promise<{ id: string; subnet: any }> => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: `n-${cidr}` } }, user.token)).network;
      const subnet = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr } }, user.token)).subnet;
      return { id: n.id, subnet };
    };
    const error = async (status: number, type: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string): Promise<string> => {
      const r = await t.call(method, url, body, token);
      assert.equal(r.statusCode, status, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().NeutronError.type, type, r.body);
      return r.json().NeutronError.message as string;
    };

    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('l3-member');
      stranger = await t.user('l3-stranger');
      const ext = await ensureExternalNetwork(t.database.db, { adminProjectId: t.identity.adminProjectId, pool: '198.19.200.0/24' });
      publicId = ext.networkId;
      publicSubnetId = ext.subnetId;
    });
    after(async () => { await t?.close(); });

    it('creates, shows, lists, updates and deletes a router', async () => {
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'r1', description: 'd', admin_state_up: false, external_gateway_info: {} } }, member.token)).router;
      assert.equal(r.name, 'r1');
      assert.equal(r.admin_state_up, false);
      assert.equal(r.external_gateway_info, null, '{} is no gateway');
      assert.deepEqual(r.routes, []);
      assert.equal(r.project_id, member.projectId);
      assert.equal(r.status, 'DOWN', 'no host has applied it');
      const shown = (await t.ok(200, 'GET', `/v2.0/routers/${r.id}`, undefined, member.token)).router;
      assert.equal(shown.id, r.id);
      assert.ok((await t.ok(200, 'GET', '/v2.0/routers?name=r1', undefined, member.token)).routers.some((x: any) => x.id === r.id));
      const up = (await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { name: 'r1b', admin_state_up: true } }, member.token)).router;
      assert.equal(up.name, 'r1b');
      assert.equal(up.admin_state_up, true);
      assert.equal(up.revision_number, r.revision_number + 1);
      await error(400, 'HTTPBadRequest', 'POST', '/v2.0/routers', { router: { name: 'x', routes: [] } }, member.token);
      await error(400, 'HTTPBadRequest', 'POST', '/v2.0/routers', { router: { name: 'x', distributed: true } }, member.token);
      await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
      const gone = await error(404, 'RouterNotFound', 'GET', `/v2.0/routers/${r.id}`, undefined, member.token);
      assert.equal(gone, `Router ${r.id} could not be found`);
      await error(404, 'RouterNotFound', 'PUT', '/v2.0/routers/not-a-uuid', { router: { name: 'x' } }, member.token);
    });

    it('sets, changes and removes a gateway with SNAT, and refuses a non-external network', async () => {
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'gw', external_gateway_info: { network_id: publicId } } }, member.token)).router;
      assert.equal(r.external_gateway_info.network_id, publicId);
      assert.equal(r.external_gateway_info.enable_snat, true);
      assert.equal(r.external_gateway_info.external_fixed_ips.length, 1);
      assert.equal(r.external_gateway_info.external_fixed_ips[0].subnet_id, publicSubnetId);
      const gwPorts = (await t.ok(200, 'GET', `/v2.0/ports?device_id=${r.id}&device_owner=network:router_gateway`)).ports;
      assert.equal(gwPorts.length, 1);
      assert.equal(gwPorts[0].project_id, '', 'the gateway port belongs to no project, as in Neutron');
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/ports?device_id=${r.id}`, undefined, member.token)).ports, [], 'and the tenant does not see it');
      // SNAT is the admin's to set (create_router:external_gateway_info:enable_snat).
      await error(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicId, enable_snat: false } } }, member.token);
      const noSnat = (await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicId, enable_snat: false } } })).router;
      assert.equal(noSnat.external_gateway_info.enable_snat, false);
      assert.deepEqual(noSnat.external_gateway_info.external_fixed_ips, r.external_gateway_info.external_fixed_ips, 'same network: same port and address');
      const fixed = (await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicId, external_fixed_ips: [{ ip_address: '198.19.200.77' }] } } })).router;
      assert.deepEqual(fixed.external_gateway_info.external_fixed_ips, [{ subnet_id: publicSubnetId, ip_address: '198.19.200.77' }]);
      assert.equal(fixed.external_gateway_info.enable_snat, true, 'enable_snat falls back to the default when not given');
      await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicId, external_fixed_ips: [{ ip_address: '198.19.200.1' }] } } });
      // A used address: IpAddressAlreadyAllocated (409), as Tempest's admin negative test expects.
      await error(409, 'IpAddressAlreadyAllocated', 'POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: publicId, external_fixed_ips: [{ ip_address: '198.19.200.77' }] } } });

      const priv = await net('10.50.0.0/24');
      const notExt = await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: priv.id } } }, member.token);
      assert.equal(notExt, `Bad router request: Network ${priv.id} is not an external network.`);
      await error(404, 'NetworkNotFound', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: r.id } } }, member.token);

      const cleared = (await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } }, member.token)).router;
      assert.equal(cleared.external_gateway_info, null);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/ports?device_id=${r.id}&network_id=${publicId}`)).ports, []);
      await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
    });

    it('attaches and detaches subnets by subnet and by port, with Neutron\'s refusals', async () => {
      const a = await net('10.60.1.0/24');
      const b = await net('10.60.2.0/24');
      const overlapping = await net('10.60.1.128/25');
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'ifs' } }, member.token)).router;

      const ia = await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: a.subnet.id }, member.token);
      assert.equal(ia.subnet_id, a.subnet.id);
      assert.deepEqual(ia.subnet_ids, [a.subnet.id]);
      assert.equal(ia.id, r.id);
      assert.equal(ia.network_id, a.id);
      const pa = (await t.ok(200, 'GET', `/v2.0/ports/${ia.port_id}`, undefined, member.token)).port;
      assert.equal(pa.device_id, r.id);
      assert.equal(pa.device_owner, 'network:router_interface');
      assert.deepEqual(pa.fixed_ips, [{ subnet_id: a.subnet.id, ip_address: '10.60.1.1' }], 'the interface holds the subnet\'s gateway address');

      const dup = await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: a.subnet.id }, member.token);
      assert.equal(dup, `Bad router request: Router already has a port on subnet ${a.subnet.id}.`);
      const ov = await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: overlapping.subnet.id }, member.token);
      assert.match(ov, /overlaps with cidr 10\.60\.1\.0\/24/);
      await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, {}, member.token);
      await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: a.subnet.id, port_id: pa.id }, member.token);
      await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: 'nope' }, member.token);
      const noGw = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'nogw' } }, member.token)).network;
      const noGwSubnet = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: noGw.id, ip_version: 4, cidr: '10.60.9.0/24', gateway_ip: null } }, member.token)).subnet;
      const noGwMsg = await error(400, 'BadRequest', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: noGwSubnet.id }, member.token);
      assert.equal(noGwMsg, 'Bad router request: Subnet for router interface must have a gateway IP.');

      // By port: an unused port of the member's on b.
      const pb = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: b.id } }, member.token)).port;
      const ib = await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { port_id: pb.id }, member.token);
      assert.equal(ib.port_id, pb.id);
      assert.equal(ib.subnet_id, b.subnet.id);
      assert.equal((await t.ok(200, 'GET', `/v2.0/ports/${pb.id}`, undefined, member.token)).port.device_owner, 'network:router_interface');
      const used = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: b.id, device_id: 'vm-1' } }, member.token)).port;
      await error(409, 'PortInUse', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { port_id: used.id }, member.token);

      // In use: the router, the subnet, the network and the interface port itself.
      const inUse = await error(409, 'RouterInUse', 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
      assert.match(inUse, new RegExp(`^Router ${r.id} has ports still attached: `));
      await error(409, 'SubnetInUse', 'DELETE', `/v2.0/subnets/${a.subnet.id}`, undefined, member.token);
      await error(409, 'NetworkInUse', 'DELETE', `/v2.0/networks/${a.id}`, undefined, member.token);
      const portMsg = await error(409, 'ServicePortInUse', 'DELETE', `/v2.0/ports/${pa.id}`, undefined, member.token);
      assert.equal(portMsg, `Port ${pa.id} cannot be deleted directly via the port API: has device owner network:router_interface.`);

      // Static routes: the nexthop must be on one of the router's subnets and not the router's own.
      const routed = (await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.60.1.5' }] } }, member.token)).router;
      assert.deepEqual(routed.routes, [{ destination: '172.16.0.0/16', nexthop: '10.60.1.5' }]);
      const bad = await error(400, 'InvalidRoutes', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.99.0.5' }] } }, member.token);
      assert.equal(bad, "Invalid format for routes: [{'destination': '172.16.0.0/16', 'nexthop': '10.99.0.5'}], the nexthop is not connected with router");
      await error(400, 'InvalidRoutes', 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.60.1.1' }] } }, member.token);
      await error(409, 'RouterInterfaceInUseByRoute', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: a.subnet.id }, member.token);
      assert.deepEqual((await t.ok(200, 'PUT', `/v2.0/routers/${r.id}`, { router: { routes: null } }, member.token)).router.routes, []);

      // Removal: by subnet and by port; the ports go.
      await error(404, 'RouterInterfaceNotFoundForSubnet', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: overlapping.subnet.id }, member.token);
      await error(404, 'RouterInterfaceNotFound', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: used.id }, member.token);
      await error(400, 'SubnetMismatchForPort', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: pb.id, subnet_id: a.subnet.id }, member.token);
      const ra = await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: a.subnet.id }, member.token);
      assert.equal(ra.port_id, pa.id);
      const rb = await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: pb.id }, member.token);
      assert.equal(rb.subnet_id, b.subnet.id);
      assert.equal((await t.call('GET', `/v2.0/ports/${pb.id}`, undefined, member.token)).statusCode, 404, 'Neutron deletes the port, also one given by id');
      await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
      await t.ok(204, 'DELETE', `/v2.0/subnets/${a.subnet.id}`, undefined, member.token);
    });

    it('attaches one of two overlapping subnets sent at once, never both', async () => {
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'race' } }, member.token)).router;
      const x = await net('10.65.0.0/24');
      const y = await net('10.65.0.0/25');
      const results = await Promise.all([x, y].map((n) => t.call('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: n.subnet.id }, member.token)));
      assert.deepEqual(results.map((res) => res.statusCode).sort(), [200, 400], results.map((res) => res.body).join(' | '));
      const won = results.find((res) => res.statusCode === 200)!.json();
      await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { port_id: won.port_id }, member.token);
      await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
    });

    it('allocates, associates, moves, disassociates and releases floating IPs', async () => {
      const inner = await net('10.70.0.0/24');
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'fip-r', external_gateway_info: { network_id: publicId } } }, member.token)).router;
      await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: inner.subnet.id }, member.token);
      const p1 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: inner.id } }, member.token)).port;
      const p2 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: inner.id } }, member.token)).port;

      const f = (await t.ok(201, 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, port_id: p1.id, description: 'web' } }, member.token)).floatingip;
      assert.match(f.floating_ip_address, /^198\.19\.200\.\d+$/);
      assert.equal(f.port_id, p1.id);
      assert.equal(f.fixed_ip_address, p1.fixed_ips[0].ip_address);
      assert.equal(f.router_id, r.id);
      assert.equal(f.status, 'DOWN');
      assert.equal(f.project_id, member.projectId);
      assert.equal(f.description, 'web');
      assert.deepEqual(f.port_details, {
        name: '', network_id: inner.id, mac_address: p1.mac_address, admin_state_up: true, status: 'DOWN', device_id: '', device_owner: '',
      });
      const fipPort = (await t.ok(200, 'GET', `/v2.0/ports?device_id=${f.id}`)).ports[0];
      assert.equal(fipPort.device_owner, 'network:floatingip');
      assert.equal(fipPort.status, 'N/A');
      await error(409, 'ServicePortInUse', 'DELETE', `/v2.0/ports/${fipPort.id}`);

      const moved = (await t.ok(200, 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: p2.id } }, member.token)).floatingip;
      assert.equal(moved.port_id, p2.id);
      assert.equal(moved.fixed_ip_address, p2.fixed_ips[0].ip_address);
      const dis = (await t.ok(200, 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: null } }, member.token)).floatingip;
      assert.equal(dis.port_id, null);
      assert.equal(dis.fixed_ip_address, null);
      assert.equal(dis.router_id, null);
      assert.equal(dis.port_details, null);

      // Deleting the associated port disassociates the floating IP.
      await t.ok(200, 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: p1.id } }, member.token);
      await t.ok(204, 'DELETE', `/v2.0/ports/${p1.id}`, undefined, member.token);
      const after = (await t.ok(200, 'GET', `/v2.0/floatingips/${f.id}`, undefined, member.token)).floatingip;
      assert.equal(after.port_id, null);
      assert.equal(after.router_id, null);

      // A chosen address (admin only), and one fixed IP taking one floating IP per external network.
      const chosen = (await t.ok(201, 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, floating_ip_address: '198.19.200.200', project_id: member.projectId } })).floatingip;
      assert.equal(chosen.floating_ip_address, '198.19.200.200');
      await error(403, 'PolicyNotAuthorized', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, floating_ip_address: '198.19.200.201' } }, member.token);
      await t.ok(200, 'PUT', `/v2.0/floatingips/${chosen.id}`, { floatingip: { port_id: p2.id } }, member.token);
      await error(409, 'FloatingIPPortAlreadyAssociated', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: p2.id } }, member.token);
      await error(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { fixed_ip_address: '10.70.0.9' } }, member.token);

      // A port with two addresses needs fixed_ip_address; an address it lacks is a 400.
      const two = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: inner.id, fixed_ips: [{ ip_address: '10.70.0.50' }, { ip_address: '10.70.0.51' }] } }, member.token)).port;
      const multi = await error(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: two.id } }, member.token);
      assert.match(multi, /has multiple fixed IPv4 addresses/);
      await error(400, 'BadRequest', 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: two.id, fixed_ip_address: '10.70.0.52' } }, member.token);
      const second = (await t.ok(200, 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: two.id, fixed_ip_address: '10.70.0.51' } }, member.token)).floatingip;
      assert.equal(second.fixed_ip_address, '10.70.0.51');
      const other = (await t.ok(200, 'PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: two.id, fixed_ip_address: '10.70.0.50' } }, member.token)).floatingip;
      assert.equal(other.fixed_ip_address, '10.70.0.50', 'the same port, another of its addresses');
      await error(400, 'BadRequest', 'PUT', `/v2.0/ports/${two.id}`, { port: { fixed_ips: [{ ip_address: '10.70.0.51' }] } }, member.token);

      // Unreachable: a subnet no router connects to the external network (404), and a private network (400).
      const lonely = await net('10.71.0.0/24');
      const lp = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: lonely.id } }, member.token)).port;
      const unreachable = await error(404, 'ExternalGatewayForFloatingIPNotFound', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, port_id: lp.id } }, member.token);
      assert.equal(unreachable, `External network ${publicId} is not reachable from subnet ${lonely.subnet.id}.  Therefore, cannot associate Port ${lp.id} with a Floating IP.`);
      const privMsg = await error(400, 'BadRequest', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: lonely.id } }, member.token);
      assert.equal(privMsg, `Bad floatingip request: Network ${lonely.id} is not a valid external network.`);
      await error(400, 'BadRequest', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, fixed_ip_address: '10.70.0.50' } }, member.token);
      await error(400, 'HTTPBadRequest', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: 'x' } }, member.token);
      await error(400, 'HTTPBadRequest', 'POST', '/v2.0/floatingips', { floatingip: {} }, member.token);

      // The router's gateway and interface are in use while floating IPs go through them.
      await error(409, 'RouterExternalGatewayInUseByFloatingIp', 'PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } }, member.token);
      await error(409, 'RouterInterfaceInUseByFloatingIP', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: inner.subnet.id }, member.token);

      const listed = (await t.ok(200, 'GET', `/v2.0/floatingips?port_id=${two.id}`, undefined, member.token)).floatingips;
      assert.deepEqual(listed.map((x: any) => x.id), [f.id]);
      for (const id of [f.id, chosen.id]) await t.ok(204, 'DELETE', `/v2.0/floatingips/${id}`, undefined, member.token);
      await error(404, 'FloatingIPNotFound', 'GET', `/v2.0/floatingips/${f.id}`, undefined, member.token);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/ports?device_id=${f.id}`)).ports, [], 'the address is released');
      await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: inner.subnet.id }, member.token);
      await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
    });

    it('keeps another project\'s routers and floating IPs out of sight (404) and enforces quotas', async () => {
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'mine', external_gateway_info: { network_id: publicId } } }, member.token)).router;
      const f = (await t.ok(201, 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId } }, member.token)).floatingip;
      const theirs = await net('10.80.0.0/24', stranger);
      for (const [method, url, body, type] of [
        ['GET', `/v2.0/routers/${r.id}`, undefined, 'RouterNotFound'],
        ['PUT', `/v2.0/routers/${r.id}`, { router: { name: 'x' } }, 'RouterNotFound'],
        ['DELETE', `/v2.0/routers/${r.id}`, undefined, 'RouterNotFound'],
        ['PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: theirs.subnet.id }, 'RouterNotFound'],
        ['GET', `/v2.0/routers/${r.id}/tags`, undefined, 'RouterNotFound'],
        ['GET', `/v2.0/floatingips/${f.id}`, undefined, 'FloatingIPNotFound'],
        ['PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: null } }, 'FloatingIPNotFound'],
        ['DELETE', `/v2.0/floatingips/${f.id}`, undefined, 'FloatingIPNotFound'],
      ] as const) await error(404, type, method, url, body, stranger.token);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/routers', undefined, stranger.token)).routers, []);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/floatingips', undefined, stranger.token)).floatingips, []);
      // Nor may the member attach the stranger's subnet to its router.
      await error(404, 'SubnetNotFound', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: theirs.subnet.id }, member.token);

      const q = (await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}`, undefined, member.token)).quota;
      assert.equal(q.router, 10);
      assert.equal(q.floatingip, 50);
      await t.ok(200, 'PUT', `/v2.0/quotas/${member.projectId}`, { quota: { router: 2, floatingip: 1 } });
      const made = await Promise.all([1, 2, 3].map((i) => t.call('POST', '/v2.0/routers', { router: { name: `q${i}` } }, member.token)));
      assert.equal(made.filter((x) => x.statusCode === 201).length, 1, made.map((x) => x.statusCode).join(','));
      assert.equal(made.find((x) => x.statusCode !== 201)!.json().NeutronError.message, "Quota exceeded for resources: ['router'].");
      await error(409, 'OverQuota', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId } }, member.token);
      const details = (await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}/details`, undefined, member.token)).quota;
      assert.deepEqual(details.router, { limit: 2, used: 2, reserved: 0 });
      assert.deepEqual(details.floatingip, { limit: 1, used: 1, reserved: 0 });
      await t.ok(204, 'DELETE', `/v2.0/quotas/${member.projectId}`);
    });

    it('hands concurrent floating IPs and gateways distinct addresses', async () => {
      const results = await Promise.all([
        ...Array.from({ length: 6 }, () => t.call('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId } }, member.token)),
        ...Array.from({ length: 3 }, (_, i) => t.call('POST', '/v2.0/routers', { router: { name: `gw${i}`, external_gateway_info: { network_id: publicId } } }, member.token)),
      ]);
      assert.ok(results.every((r) => r.statusCode === 201), results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      const fips = results.slice(0, 6).map((r) => r.json().floatingip);
      const routers = results.slice(6).map((r) => r.json().router);
      const addresses = [...fips.map((f) => f.floating_ip_address), ...routers.map((r) => r.external_gateway_info.external_fixed_ips[0].ip_address)];
      assert.equal(new Set(addresses).size, 9, addresses.join(','));
      for (const f of fips) await t.ok(204, 'DELETE', `/v2.0/floatingips/${f.id}`, undefined, member.token);
      for (const r of routers) await t.ok(204, 'DELETE', `/v2.0/routers/${r.id}`, undefined, member.token);
    });

    it('lists the L3 extensions it implements', async () => {
      const ext = (await t.ok(200, 'GET', '/v2.0/extensions', undefined, member.token)).extensions.map((e: any) => e.alias);
      for (const alias of ['router', 'ext-gw-mode', 'extraroute', 'fip-port-details']) assert.ok(ext.includes(alias), alias);
      for (const alias of ['dvr', 'l3-ha', 'l3_agent_scheduler', 'extraroute-atomic', 'router_availability_zone']) assert.ok(!ext.includes(alias), alias);
    });
  });
}
