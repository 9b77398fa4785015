/**
 * The Neutron core through the HTTP app with real identity: networks, subnets, ports and their IPAM, and
 * the collection query language, on SQLite and on PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';

for (const { engine, skip } of ENGINES) {
  describe(`network API (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('net-member');
    });
    after(async () => { await t?.close(); });

    it('discovers its version and tells the truth about extensions', async () => {
      const root = await t.call('GET', '/', undefined, null);
      assert.equal(root.statusCode, 200);
      assert.equal(root.json().versions[0].id, 'v2.0');
      const ext = (await t.ok(200, 'GET', '/v2.0/extensions', undefined, member.token)).extensions.map((e: any) => e.alias);
      for (const alias of ['security-group', 'quotas', 'port-security', 'allowed-address-pairs', 'binding', 'external-net', 'pagination', 'sorting', 'standard-attr-tag']) assert.ok(ext.includes(alias), alias);
      for (const alias of ['dvr', 'l3-ha', 'dhcp_agent_scheduler', 'dns-integration', 'subnet_allocation']) assert.ok(!ext.includes(alias), alias);
      assert.equal((await t.ok(200, 'GET', '/v2.0/extensions/quotas', undefined, member.token)).extension.alias, 'quotas');
      assert.equal((await t.call('GET', '/v2.0/extensions/dvr', undefined, member.token)).statusCode, 404);
      const noToken = await t.call('GET', '/v2.0/networks', undefined, null);
      assert.equal(noToken.statusCode, 401);
      assert.ok(noToken.json().error, 'keystonemiddleware answers 401 with Keystone\'s body');
    });

    it('creates, shows, updates and deletes a network', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'n1', description: 'first' } }, member.token)).network;
      assert.equal(n.name, 'n1');
      assert.equal(n.project_id, member.projectId);
      assert.equal(n.tenant_id, member.projectId);
      assert.equal(n.status, 'ACTIVE');
      assert.equal(n.mtu, 1450);
      assert.equal(n.shared, false);
      assert.equal(n['router:external'], false);
      assert.equal(n.port_security_enabled, true);
      assert.deepEqual(n.subnets, []);
      assert.equal(n['provider:network_type'], undefined, 'provider attributes are admin-only');
      const asAdmin = (await t.ok(200, 'GET', `/v2.0/networks/${n.id}`)).network;
      assert.equal(asAdmin['provider:network_type'], 'vxlan');
      assert.ok(asAdmin['provider:segmentation_id'] >= 1001);
      const renamed = (await t.ok(200, 'PUT', `/v2.0/networks/${n.id}`, { network: { name: 'n1b', admin_state_up: false } }, member.token)).network;
      assert.equal(renamed.name, 'n1b');
      assert.equal(renamed.admin_state_up, false);
      assert.equal(renamed.revision_number, n.revision_number + 1);
      const fields = (await t.ok(200, 'GET', `/v2.0/networks/${n.id}?fields=id&fields=name`, undefined, member.token)).network;
      assert.deepEqual(fields, { id: n.id, name: 'n1b' });
      await t.ok(204, 'DELETE', `/v2.0/networks/${n.id}`, undefined, member.token);
      const gone = await t.call('GET', `/v2.0/networks/${n.id}`, undefined, member.token);
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(gone.json(), { NeutronError: { type: 'NetworkNotFound', message: `Network ${n.id} could not be found.`, detail: '' } });
    });

    it('only admins make networks shared or external, and VNIs are distinct', async () => {
      const denied = await t.call('POST', '/v2.0/networks', { network: { name: 'x', shared: true } }, member.token);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().NeutronError.type, 'PolicyNotAuthorized');
      assert.equal((await t.call('POST', '/v2.0/networks', { network: { name: 'x', 'router:external': true } }, member.token)).statusCode, 403);
      const a = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true } })).network;
      const b = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'sh', shared: true } })).network;
      assert.equal(a['router:external'], true);
      assert.notEqual(a['provider:segmentation_id'], b['provider:segmentation_id']);
      await t.ok(204, 'DELETE', `/v2.0/networks/${a.id}`);
      await t.ok(204, 'DELETE', `/v2.0/networks/${b.id}`);
    });

    it('creates subnets with Neutron\'s defaults and refuses overlaps and bad pools', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'sn' } }, member.token)).network;
      const s = (await t.ok(201, 'POST', '/v2.0/subnets', {
        subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', name: 's1', dns_nameservers: ['1.1.1.1'], host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }] },
      }, member.token)).subnet;
      assert.equal(s.gateway_ip, '10.0.0.1');
      assert.deepEqual(s.allocation_pools, [{ start: '10.0.0.2', end: '10.0.0.254' }]);
      assert.equal(s.enable_dhcp, true);
      assert.deepEqual(s.dns_nameservers, ['1.1.1.1']);
      assert.equal(s.ip_version, 4);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/networks/${n.id}`, undefined, member.token)).network.subnets, [s.id]);

      const overlap = await t.call('POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.128/25' } }, member.token);
      assert.equal(overlap.statusCode, 400);
      assert.deepEqual(overlap.json().NeutronError, {
        type: 'InvalidInput', detail: '',
        message: `Invalid input for operation: Requested subnet with cidr: 10.0.0.128/25 for network: ${n.id} overlaps with another subnet.`,
      });
      // The same CIDR on another network is fine: that is what isolation is for.
      const n2 = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'sn2' } }, member.token)).network;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n2.id, ip_version: 4, cidr: '10.0.0.0/24' } }, member.token);

      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ cidr: '10.1.0.0/24', gateway_ip: '10.1.0.5', allocation_pools: [{ start: '10.1.0.2', end: '10.1.0.10' }] }, 409, 'GatewayConflictWithAllocationPools'],
        [{ cidr: '10.1.0.0/24', allocation_pools: [{ start: '10.1.0.2', end: '10.1.1.10' }] }, 400, 'OutOfBoundsAllocationPool'],
        [{ cidr: '10.1.0.0/24', allocation_pools: [{ start: '10.1.0.20', end: '10.1.0.10' }] }, 400, 'InvalidAllocationPool'],
        [{ cidr: '10.1.0.0/24', allocation_pools: [{ start: '10.1.0.2', end: '10.1.0.20' }, { start: '10.1.0.15', end: '10.1.0.30' }] }, 409, 'OverlappingAllocationPools'],
        [{ cidr: '10.1.0.0/24', gateway_ip: '10.1.0.255' }, 400, 'InvalidInput'],
        [{ cidr: '10.1.0.5/24' }, 400, 'HTTPBadRequest'],
        [{ cidr: 'fd00::/64', ip_version: 6 }, 400, 'InvalidInput'],
        [{ cidr: '10.1.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.1'] }, 400, 'HTTPBadRequest'],
        [{ cidr: '10.1.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] }, 400, 'DNSNameServersExhausted'],
      ];
      for (const [fields, status, type] of cases) {
        const r = await t.call('POST', '/v2.0/subnets', { subnet: { network_id: n2.id, ip_version: 4, ...fields } }, member.token);
        assert.equal(r.statusCode, status, `${JSON.stringify(fields)}: ${r.body}`);
        assert.equal(r.json().NeutronError.type, type, JSON.stringify(fields));
      }
      const updated = (await t.ok(200, 'PUT', `/v2.0/subnets/${s.id}`, { subnet: { name: 's1b', gateway_ip: null, enable_dhcp: false } }, member.token)).subnet;
      assert.equal(updated.gateway_ip, null);
      assert.equal(updated.enable_dhcp, false);
      assert.equal((await t.call('PUT', `/v2.0/subnets/${s.id}`, { subnet: { cidr: '10.9.0.0/24' } }, member.token)).statusCode, 400);
    });

    it('allocates addresses and MACs to ports and refuses clashes', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'pn' } }, member.token)).network;
      const s = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.2.0.0/24' } }, member.token)).subnet;
      const p1 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, name: 'p1', device_id: 'vm-1', device_owner: 'compute:nova' } }, member.token)).port;
      assert.deepEqual(p1.fixed_ips, [{ subnet_id: s.id, ip_address: '10.2.0.2' }]);
      assert.match(p1.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(p1.status, 'DOWN');
      assert.equal(p1.port_security_enabled, true);
      assert.equal(p1.security_groups.length, 1, 'the project\'s default group');
      assert.equal(p1['binding:host_id'], undefined, 'binding attributes are admin-only');
      const p2 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id } }, member.token)).port;
      assert.equal(p2.fixed_ips[0].ip_address, '10.2.0.3');

      const taken = await t.call('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.2.0.3' }] } }, member.token);
      assert.equal(taken.statusCode, 409);
      assert.deepEqual(taken.json().NeutronError, { type: 'IpAddressAlreadyAllocated', message: `IP address 10.2.0.3 already allocated in subnet ${s.id}`, detail: '' });
      const outside = await t.call('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.3.0.3' }] } }, member.token);
      assert.equal(outside.json().NeutronError.type, 'InvalidIpForNetwork');
      const bcast = await t.call('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '10.2.0.255' }] } }, member.token);
      assert.equal(bcast.json().NeutronError.type, 'InvalidIpForSubnet');
      const chosen = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '10.2.0.100' }] } }, member.token)).port;
      assert.equal(chosen.fixed_ips[0].ip_address, '10.2.0.100');
      const sameMac = await t.call('POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: p1.mac_address } });
      assert.equal(sameMac.statusCode, 409);
      assert.equal(sameMac.json().NeutronError.type, 'MacAddressInUse');

      const moved = (await t.ok(200, 'PUT', `/v2.0/ports/${p1.id}`, { port: { fixed_ips: [{ ip_address: '10.2.0.50' }], name: 'p1b' } }, member.token)).port;
      assert.deepEqual(moved.fixed_ips, [{ subnet_id: s.id, ip_address: '10.2.0.50' }]);
      const reuse = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id } }, member.token)).port;
      assert.equal(reuse.fixed_ips[0].ip_address, '10.2.0.2', 'a released address is free again');
      const kept = (await t.ok(200, 'PUT', `/v2.0/ports/${p1.id}`, { port: { fixed_ips: [{ subnet_id: s.id }] } }, member.token)).port;
      assert.deepEqual(kept.fixed_ips, moved.fixed_ips, 'naming only the subnet keeps the address the port has there');

      const inUse = await t.call('DELETE', `/v2.0/networks/${n.id}`, undefined, member.token);
      assert.equal(inUse.statusCode, 409);
      assert.equal(inUse.json().NeutronError.type, 'NetworkInUse');
      const subnetInUse = await t.call('DELETE', `/v2.0/subnets/${s.id}`, undefined, member.token);
      assert.equal(subnetInUse.statusCode, 409);
      assert.equal(subnetInUse.json().NeutronError.type, 'SubnetInUse');

      const hostDenied = await t.call('PUT', `/v2.0/ports/${p1.id}`, { port: { 'binding:host_id': 'host-a' } }, member.token);
      assert.equal(hostDenied.statusCode, 403);
      const bound = (await t.ok(200, 'PUT', `/v2.0/ports/${p1.id}`, { port: { 'binding:host_id': 'host-a' } })).port;
      assert.equal(bound['binding:host_id'], 'host-a');
      assert.equal(bound['binding:vif_type'], 'other');

      for (const p of [p1, p2, chosen, reuse]) await t.ok(204, 'DELETE', `/v2.0/ports/${p.id}`, undefined, member.token);
      await t.ok(204, 'DELETE', `/v2.0/networks/${n.id}`, undefined, member.token);
      assert.equal((await t.call('GET', `/v2.0/subnets/${s.id}`, undefined, member.token)).statusCode, 404, 'subnets go with their network');
    });

    it('handles port security, security groups and allowed address pairs as Neutron does', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'ps' } }, member.token)).network;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.4.0.0/24' } }, member.token);
      const open = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, port_security_enabled: false } }, member.token)).port;
      assert.deepEqual(open.security_groups, []);
      const both = await t.call('POST', '/v2.0/ports', { port: { network_id: n.id, port_security_enabled: false, allowed_address_pairs: [{ ip_address: '10.4.0.200' }] } }, member.token);
      assert.equal(both.statusCode, 409);
      assert.equal(both.json().NeutronError.type, 'AddressPairAndPortSecurityRequired');
      const p = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, allowed_address_pairs: [{ ip_address: '10.4.0.200' }, { ip_address: '10.4.1.0/24', mac_address: 'fa:16:3e:00:00:01' }] } }, member.token)).port;
      assert.deepEqual(p.allowed_address_pairs, [{ ip_address: '10.4.0.200', mac_address: p.mac_address }, { ip_address: '10.4.1.0/24', mac_address: 'fa:16:3e:00:00:01' }]);
      const disable = await t.call('PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false } }, member.token);
      assert.equal(disable.statusCode, 409);
      assert.equal(disable.json().NeutronError.type, 'PortSecurityPortHasSecurityGroup');
      const off = (await t.ok(200, 'PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, security_groups: [], allowed_address_pairs: [] } }, member.token)).port;
      assert.equal(off.port_security_enabled, false);
      const bad = await t.call('PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [p.id] } }, member.token);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().NeutronError.type, 'PortSecurityAndIPRequiredForSecurityGroups');
      for (const id of [open.id, p.id]) await t.ok(204, 'DELETE', `/v2.0/ports/${id}`, undefined, member.token);
    });

    it('says so when a subnet runs out of addresses, and never hands one out twice under concurrency', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'small' } }, member.token)).network;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.5.0.0/28' } }, member.token);
      // 13 addresses in the pool (.2–.14); 16 concurrent creates: 13 succeed with distinct addresses, 3 fail.
      const results = await Promise.all(Array.from({ length: 16 }, () => t.call('POST', '/v2.0/ports', { port: { network_id: n.id } }, member.token)));
      const created = results.filter((r) => r.statusCode === 201).map((r) => r.json().port);
      const failed = results.filter((r) => r.statusCode !== 201);
      assert.equal(created.length, 13, results.map((r) => r.statusCode).join(','));
      assert.equal(new Set(created.map((p) => p.fixed_ips[0].ip_address)).size, 13);
      assert.ok(failed.every((r) => r.statusCode === 409 && r.json().NeutronError.type === 'IpAddressGenerationFailure'));
      assert.deepEqual(failed[0]!.json().NeutronError.message, `No more IP addresses available on network ${n.id}.`);
    });

    it('settles races between projects: distinct VNIs, and distinct addresses on a shared network', async () => {
      const users = await Promise.all(['race-a', 'race-b', 'race-c', 'race-d'].map((n) => t.user(n)));
      const made = await Promise.all(users.flatMap((u) => [1, 2, 3].map((i) => t.call('POST', '/v2.0/networks', { network: { name: `race-${i}` } }, u.token))));
      assert.ok(made.every((r) => r.statusCode === 201), made.map((r) => `${r.statusCode}`).join(','));
      const vnis = await Promise.all(made.map(async (r) => (await t.ok(200, 'GET', `/v2.0/networks/${r.json().network.id}`)).network['provider:segmentation_id']));
      assert.equal(new Set(vnis).size, vnis.length, `VNIs ${vnis.join(',')}`);

      const shared = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'race-shared', shared: true } })).network;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: shared.id, ip_version: 4, cidr: '10.11.0.0/24' } });
      const ports = await Promise.all(users.flatMap((u) => [1, 2, 3, 4].map(() => t.call('POST', '/v2.0/ports', { port: { network_id: shared.id } }, u.token))));
      assert.ok(ports.every((r) => r.statusCode === 201), ports.map((r) => `${r.statusCode} ${r.statusCode === 201 ? '' : r.body}`).join(','));
      const ips = ports.map((r) => r.json().port.fixed_ips[0].ip_address);
      assert.equal(new Set(ips).size, ips.length, `addresses ${ips.join(',')}`);
      const macs = ports.map((r) => r.json().port.mac_address);
      assert.equal(new Set(macs).size, macs.length);
      for (const r of ports) await t.ok(204, 'DELETE', `/v2.0/ports/${r.json().port.id}`);
      await t.ok(204, 'DELETE', `/v2.0/networks/${shared.id}`);
    });

    it('filters, selects fields, sorts and pages as Neutron does', async () => {
      const owner = await t.user('lister');
      for (const name of ['c', 'a', 'b', 'd', 'e']) await t.ok(201, 'POST', '/v2.0/networks', { network: { name, admin_state_up: name !== 'e' } }, owner.token);
      const names = async (qs: string): Promise<string[]> => (await t.ok(200, 'GET', `/v2.0/networks?${qs}`, undefined, owner.token)).networks.map((n: any) => n.name);
      assert.deepEqual(await names('name=b&name=d&sort_key=name&sort_dir=asc'), ['b', 'd']);
      assert.deepEqual(await names('admin_state_up=False'), ['e']);
      assert.deepEqual(await names('sort_key=name&sort_dir=desc'), ['e', 'd', 'c', 'b', 'a']);
      const first = await t.ok(200, 'GET', '/v2.0/networks?sort_key=name&sort_dir=asc&limit=2', undefined, owner.token);
      assert.deepEqual(first.networks.map((n: any) => n.name), ['a', 'b']);
      const next = first.networks_links.find((l: any) => l.rel === 'next');
      assert.ok(next, JSON.stringify(first.networks_links));
      const nextUrl = new URL(next.href);
      const second = await t.ok(200, 'GET', `${nextUrl.pathname}${nextUrl.search}`, undefined, owner.token);
      assert.deepEqual(second.networks.map((n: any) => n.name), ['c', 'd']);
      const third = await t.ok(200, 'GET', `/v2.0/networks?sort_key=name&sort_dir=asc&limit=2&marker=${second.networks[1].id}`, undefined, owner.token);
      assert.deepEqual(third.networks.map((n: any) => n.name), ['e']);
      assert.ok(!third.networks_links.some((l: any) => l.rel === 'next'), 'no next link after the last page');
      const back = await t.ok(200, 'GET', `/v2.0/networks?sort_key=name&sort_dir=asc&limit=2&marker=${third.networks[0].id}&page_reverse=True`, undefined, owner.token);
      assert.deepEqual(back.networks.map((n: any) => n.name), ['c', 'd']);
      const all = (await t.ok(200, 'GET', '/v2.0/networks', undefined, owner.token)).networks;
      const latest = all.map((n: any) => n.updated_at).sort().at(-1);
      const changed = (await t.ok(200, 'GET', `/v2.0/networks?changed_since=${encodeURIComponent(latest)}`, undefined, owner.token)).networks;
      assert.ok(changed.length >= 1 && changed.every((n: any) => n.updated_at >= latest), JSON.stringify(changed.map((n: any) => n.updated_at)));
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/networks?changed_since=2999-01-01T00:00:00', undefined, owner.token)).networks, []);
      assert.equal((await t.call('GET', '/v2.0/networks?changed_since=yesterday', undefined, owner.token)).json().NeutronError.type, 'InvalidInput');
      const onlyIds = (await t.ok(200, 'GET', '/v2.0/networks?fields=id', undefined, owner.token)).networks;
      assert.ok(onlyIds.every((n: any) => Object.keys(n).join() === 'id'));
      for (const [qs, type] of [['bogus=1', 'HTTPBadRequest'], ['sort_key=name', 'HTTPBadRequest'], ['sort_key=name&sort_dir=up', 'HTTPBadRequest'], ['sort_key=bogus&sort_dir=asc', 'HTTPBadRequest'], ['limit=-1', 'BadRequest'], ['shared=maybe', 'InvalidInput']]) {
        const r = await t.call('GET', `/v2.0/networks?${qs}`, undefined, owner.token);
        assert.equal(r.statusCode, 400, qs);
        assert.equal(r.json().NeutronError.type, type, qs);
      }
      const port = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'f' } }, owner.token)).network;
      const sub = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: port.id, ip_version: 4, cidr: '10.6.0.0/24' } }, owner.token)).subnet;
      const p = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: port.id, fixed_ips: [{ ip_address: '10.6.0.9' }] } }, owner.token)).port;
      await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: port.id } }, owner.token);
      const byIp = (await t.ok(200, 'GET', '/v2.0/ports?fixed_ips=ip_address%3D10.6.0.9', undefined, owner.token)).ports;
      assert.deepEqual(byIp.map((x: any) => x.id), [p.id]);
      assert.equal((await t.ok(200, 'GET', `/v2.0/ports?fixed_ips=subnet_id%3D${sub.id}`, undefined, owner.token)).ports.length, 2);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/ports?fixed_ips=ip_address_substr%3D0.9', undefined, owner.token)).ports.map((x: any) => x.id), [p.id]);
      assert.equal((await t.ok(200, 'GET', '/v2.0/ports?fixed_ips=ip_address_substr%3D10.6.', undefined, owner.token)).ports.length, 2);
    });

    it('creates in bulk, all or nothing', async () => {
      const bulk = (await t.ok(201, 'POST', '/v2.0/networks', { networks: [{ name: 'bulk-1' }, { name: 'bulk-2' }] }, member.token)).networks;
      assert.deepEqual(bulk.map((n: any) => n.name), ['bulk-1', 'bulk-2']);
      const subnets = (await t.ok(201, 'POST', '/v2.0/subnets', { subnets: bulk.map((n: any) => ({ network_id: n.id, ip_version: 4, cidr: '10.10.0.0/24' })) }, member.token)).subnets;
      assert.equal(subnets.length, 2);
      const ports = (await t.ok(201, 'POST', '/v2.0/ports', { ports: [{ network_id: bulk[0].id }, { network_id: bulk[0].id }, { network_id: bulk[1].id }] }, member.token)).ports;
      assert.deepEqual(ports.map((p: any) => p.fixed_ips[0].ip_address), ['10.10.0.2', '10.10.0.3', '10.10.0.2']);
      const bad = await t.call('POST', '/v2.0/networks', { networks: [{ name: 'bulk-3' }, { name: 7 }] }, member.token);
      assert.equal(bad.statusCode, 400);
      assert.deepEqual((await t.ok(200, 'GET', '/v2.0/networks?name=bulk-3', undefined, member.token)).networks, [], 'nothing of a failed bulk request is kept');
      const clash = await t.call('POST', '/v2.0/ports', { ports: [{ network_id: bulk[1].id, fixed_ips: [{ ip_address: '10.10.0.9' }] }, { network_id: bulk[1].id, fixed_ips: [{ ip_address: '10.10.0.9' }] }] }, member.token);
      assert.equal(clash.statusCode, 409);
      assert.equal((await t.ok(200, 'GET', `/v2.0/ports?network_id=${bulk[1].id}`, undefined, member.token)).ports.length, 1);
    });

    it('tags resources and filters by tags', async () => {
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'tagged' } }, member.token)).network;
      assert.equal((await t.call('PUT', `/v2.0/networks/${n.id}/tags/red`, undefined, member.token)).statusCode, 201);
      assert.deepEqual((await t.ok(200, 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['blue', 'red'] }, member.token)).tags, ['blue', 'red']);
      assert.equal((await t.call('GET', `/v2.0/networks/${n.id}/tags/blue`, undefined, member.token)).statusCode, 204);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/networks/${n.id}`, undefined, member.token)).network.tags, ['blue', 'red']);
      const ids = async (qs: string): Promise<string[]> => (await t.ok(200, 'GET', `/v2.0/networks?${qs}`, undefined, member.token)).networks.map((x: any) => x.id);
      assert.deepEqual(await ids('tags=blue,red'), [n.id]);
      assert.deepEqual(await ids('tags-any=green,red'), [n.id]);
      assert.ok(!(await ids('not-tags-any=red')).includes(n.id));
      await t.ok(204, 'DELETE', `/v2.0/networks/${n.id}/tags/red`, undefined, member.token);
      assert.equal((await t.call('DELETE', `/v2.0/networks/${n.id}/tags/red`, undefined, member.token)).json().NeutronError.type, 'TagNotFound');
      await t.ok(204, 'DELETE', `/v2.0/networks/${n.id}/tags`, undefined, member.token);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/networks/${n.id}/tags`, undefined, member.token)).tags, []);
    });
  });
}
