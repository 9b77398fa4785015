/**
 * The agent API with real identity, on SQLite and PostgreSQL: the public network's bootstrap racing
 * itself, router placement on hosts with tunnel endpoints, the plans of two hosts (segments, remote
 * endpoints and ports, rules with remote groups resolved, routers and floating IPs on their host),
 * statuses from reports, the long poll waking on a change, and the service role it requires.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inTransaction } from '../platform/db/database.js';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';
import { ensureExternalNetwork, PUBLIC_NETWORK_NAME } from './bootstrap.js';
import { NETWORK_AGENT_API_PREFIX, type HostNetworkPlan } from './agent-protocol.js';
import { bumpPlan } from './quotas/service.js';

const POOL = '198.19.210.0/24';

for (const { engine, skip } of ENGINES) {
  describe(`network agent API (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    let agent: TestUser;
    let publicId: string;
    const plan = async (host: string, query = ''): Promise<HostNetworkPlan> => t.ok(200, 'GET', `${NETWORK_AGENT_API_PREFIX}/hosts/${host}/network${query}`, undefined, agent.token);
    const endpoint = (host: string, address: string): Promise<unknown> => t.ok(204, 'PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/${host}/network/endpoint`, { address }, agent.token);

    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('agent-api-member');
      agent = await t.user('network-agent', { role: 'service', project: 'service' });
    });
    after(async () => { await t?.close(); });

    it('bootstraps the public network once, however many start at once', async () => {
      const made = await Promise.all(Array.from({ length: 4 }, () => ensureExternalNetwork(t.database.db, { adminProjectId: t.identity.adminProjectId, pool: POOL })));
      assert.equal(new Set(made.map((m) => m.networkId)).size, 1);
      assert.equal(new Set(made.map((m) => m.subnetId)).size, 1);
      assert.equal(made.filter((m) => m.created).length, 1);
      publicId = made[0]!.networkId;
      const again = await ensureExternalNetwork(t.database.db, { adminProjectId: t.identity.adminProjectId, pool: POOL });
      assert.deepEqual(again, { networkId: publicId, subnetId: made[0]!.subnetId, created: false });
      const n = (await t.ok(200, 'GET', `/v2.0/networks/${publicId}`)).network;
      assert.equal(n.name, PUBLIC_NETWORK_NAME);
      assert.equal(n['router:external'], true);
      assert.equal(n.shared, false);
      assert.equal(n['provider:network_type'], 'flat');
      assert.equal(n['provider:physical_network'], 'public');
      assert.equal(n.project_id, t.identity.adminProjectId);
      const s = (await t.ok(200, 'GET', `/v2.0/subnets/${made[0]!.subnetId}`)).subnet;
      assert.equal(s.name, 'public-subnet');
      assert.equal(s.cidr, POOL);
      assert.equal(s.gateway_ip, '198.19.210.1');
      assert.equal(s.enable_dhcp, false);
      assert.equal((await t.ok(200, 'GET', '/v2.0/networks?name=public')).networks.length, 1);
      await t.ok(404, 'GET', `/v2.0/subnets/${made[0]!.subnetId}`, undefined, member.token);
      assert.ok((await t.ok(200, 'GET', '/v2.0/networks', undefined, member.token)).networks.some((x: any) => x.id === publicId), 'everyone sees the external network');
    });

    it('answers only the service role, and bad input with 400s', async () => {
      for (const [method, url, body] of [
        ['GET', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network`, undefined],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/endpoint`, { address: '198.19.0.1' }],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/report`, { revision: 0, activePorts: [], activeRouters: [] }],
      ] as const) {
        assert.equal((await t.call(method, url, body, member.token)).statusCode, 403, url);
        assert.equal((await t.call(method, url, body)).statusCode, 403, `${url} (admin is no agent)`);
      }
      for (const [method, url, body] of [
        ['GET', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network?revision=x`, undefined],
        ['GET', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network?wait=-1`, undefined],
        ['GET', `${NETWORK_AGENT_API_PREFIX}/hosts/bad%20host/network`, undefined],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/endpoint`, { address: 'fe80::1' }],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/endpoint`, []],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/report`, { revision: 'x', activePorts: [], activeRouters: [] }],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/report`, { revision: 1, activePorts: [1], activeRouters: [] }],
        ['PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/h1/network/report`, { revision: 1, activePorts: [], activeRouters: [], errors: [{}] }],
      ] as const) {
        const r = await t.call(method, url, body, agent.token);
        assert.equal(r.statusCode, 400, `${url} ${JSON.stringify(body)}: ${r.body}`);
        assert.ok(r.json().NeutronError, r.body);
      }
    });

    it('places routers on hosts, plans two hosts and derives statuses from their reports', async () => {
      // A router made before any host has an endpoint waits; the first host to register takes it.
      const early = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'early' } }, member.token)).router;
      assert.deepEqual((await plan('host-a')).routers, []);
      await endpoint('host-a', '198.19.0.10');
      assert.deepEqual((await plan('host-a')).routers.map((r) => r.id), [early.id]);
      await endpoint('host-b', '198.19.0.11');
      // The next router goes to the host with fewer routers.
      const r = (await t.ok(201, 'POST', '/v2.0/routers', { router: { name: 'edge', external_gateway_info: { network_id: publicId } } }, member.token)).router;

      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'app' } }, member.token)).network;
      const s = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', dns_nameservers: ['1.1.1.1'] } }, member.token)).subnet;
      const intf = await t.ok(200, 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id }, member.token);
      const web = (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'web' } }, member.token)).security_group;
      const ssh = (await t.ok(201, 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_group_id: web.id },
      }, member.token)).security_group_rule;
      const p1 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, project_id: member.projectId, security_groups: [web.id], 'binding:host_id': 'host-a', device_owner: 'compute:nova', device_id: 'vm-1' } })).port;
      const p2 = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, project_id: member.projectId, security_groups: [web.id], 'binding:host_id': 'host-b', device_owner: 'compute:nova', device_id: 'vm-2' } })).port;
      const fip = (await t.ok(201, 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicId, port_id: p1.id } }, member.token)).floatingip;

      const a = await plan('host-a');
      const b = await plan('host-b');
      assert.equal(a.endpoint, '198.19.0.10');
      assert.equal(a.externalPool, POOL);
      assert.equal(a.revision, b.revision);
      // host-a: the app network (its port p1), reaching host-b's p2 and the router's interface over VXLAN.
      const appA = a.networks.find((x) => x.id === n.id)!;
      assert.ok(appA.vni! >= 1001);
      assert.equal(appA.mtu, 1450);
      assert.equal(appA.external, false);
      assert.deepEqual(appA.subnets, [{ id: s.id, cidr: '10.0.0.0/24', gateway: '10.0.0.1', hostRoutes: [], dnsNameservers: ['1.1.1.1'] }]);
      assert.deepEqual(appA.remoteEndpoints, ['198.19.0.11']);
      const intfPort = (await t.ok(200, 'GET', `/v2.0/ports/${intf.port_id}`)).port;
      assert.deepEqual(appA.remotePorts.map((x) => x.mac).sort(), [p2.mac_address, intfPort.mac_address].sort());
      assert.ok(appA.remotePorts.every((x) => x.endpoint === '198.19.0.11'));
      assert.deepEqual(a.ports.map((x) => x.id), [p1.id]);
      const pa = a.ports[0]!;
      assert.equal(pa.portSecurity, true);
      assert.deepEqual(pa.fixedIps, [{ subnetId: s.id, address: p1.fixed_ips[0].ip_address, prefixLength: 24, gateway: '10.0.0.1' }]);
      const sshRule = pa.rules.find((x) => x.id === ssh.id)!;
      assert.deepEqual(sshRule, {
        id: ssh.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22,
        remoteGroupAddresses: [p1.fixed_ips[0].ip_address, p2.fixed_ips[0].ip_address].sort(),
      });
      assert.equal(pa.rules.filter((x) => x.direction === 'egress').length, 2, 'the group\'s two egress rules');
      assert.deepEqual(a.routers.map((x) => x.id), [early.id], 'host-a runs only the early router');

      // host-b: the router with its gateway, interface and the floating IP; its own ports unfiltered.
      assert.deepEqual(b.routers.map((x) => x.id), [r.id]);
      const rb = b.routers[0]!;
      assert.equal(rb.gateway!.networkId, publicId);
      assert.equal(rb.gateway!.snat, true);
      assert.equal(rb.gateway!.fixedIps[0]!.prefixLength, 24);
      assert.deepEqual(rb.interfaces.map((x) => [x.portId, x.fixedIps[0]!.address]), [[intf.port_id, '10.0.0.1']]);
      assert.deepEqual(rb.floatingIps, [{ id: fip.id, floatingIp: fip.floating_ip_address, fixedIp: p1.fixed_ips[0].ip_address, portId: p1.id }]);
      const pub = b.networks.find((x) => x.id === publicId)!;
      assert.equal(pub.external, true);
      assert.equal(pub.vni, undefined, 'the flat external segment has no VNI');
      assert.deepEqual(pub.remoteEndpoints, []);
      assert.deepEqual(b.networks.find((x) => x.id === n.id)!.remoteEndpoints, ['198.19.0.10']);
      assert.deepEqual(b.ports.map((x) => x.id).sort(), [p2.id, intf.port_id, rb.gateway!.portId].sort());
      assert.equal(b.ports.find((x) => x.id === intf.port_id)!.portSecurity, false, 'Neutron never filters its own devices');
      assert.deepEqual(b.routers.find((x) => x.id === r.id)!.routes, []);

      // Reports: what the host it is bound to applied is ACTIVE, nothing else.
      const report = (host: string, body: unknown): Promise<unknown> => t.ok(204, 'PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/${host}/network/report`, body, agent.token);
      await report('host-b', { revision: b.revision, activePorts: [p2.id, intf.port_id, rb.gateway!.portId, p1.id], activeRouters: [r.id] });
      const port = async (id: string): Promise<any> => (await t.ok(200, 'GET', `/v2.0/ports/${id}`)).port;
      assert.equal((await port(p2.id)).status, 'ACTIVE');
      assert.equal((await port(intf.port_id)).status, 'ACTIVE');
      assert.equal((await port(p1.id)).status, 'DOWN', 'reported by a host it is not bound to');
      assert.equal((await t.ok(200, 'GET', `/v2.0/routers/${r.id}`, undefined, member.token)).router.status, 'ACTIVE');
      const shownFip = (await t.ok(200, 'GET', `/v2.0/floatingips/${fip.id}`, undefined, member.token)).floatingip;
      assert.equal(shownFip.status, 'ACTIVE');
      assert.equal(shownFip.port_details.status, 'DOWN');
      await report('host-a', { revision: a.revision, activePorts: [p1.id], activeRouters: [], errors: [{ id: early.id, message: 'no namespace' }] });
      assert.equal((await port(p1.id)).status, 'ACTIVE');
      assert.equal((await t.ok(200, 'GET', `/v2.0/routers/${early.id}`, undefined, member.token)).router.status, 'ERROR');
      assert.equal((await t.ok(200, 'GET', `/v2.0/ports?device_id=${fip.id}`)).ports[0].status, 'N/A');
    });

    it('long-polls: the same revision waits, a change wakes the poll, also one written by another process', async () => {
      const { revision } = await plan('host-a');
      const quiet = Date.now();
      const unchanged = await plan('host-a', `?revision=${revision}&wait=1`);
      assert.equal(unchanged.revision, revision);
      assert.ok(Date.now() - quiet >= 900, 'it waited for a change that did not come');

      // A write through the API wakes the waiter (in-process) long before its 20 s wait ends.
      let started = Date.now();
      const woken = plan('host-a', `?revision=${revision}&wait=20`);
      await new Promise((r) => setTimeout(r, 100));
      const g = (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'poll' } }, member.token)).security_group;
      await t.ok(201, 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id, direction: 'ingress', protocol: 'udp', port_range_min: 53, port_range_max: 53 } }, member.token);
      const next = await woken;
      assert.notEqual(next.revision, revision);
      assert.ok(Date.now() - started < 10_000, 'woken by the change, not by the end of the wait');

      // A bump committed without this process's notifier (another process's write) is seen by polling.
      started = Date.now();
      const polled = plan('host-a', `?revision=${next.revision}&wait=20`);
      await new Promise((r) => setTimeout(r, 100));
      await inTransaction(t.database.db, (tx) => bumpPlan(tx));
      const seen = await polled;
      assert.notEqual(seen.revision, next.revision);
      assert.ok(Date.now() - started < 10_000, 'seen by the once-a-second check');
    });
  });
}
