/**
 * Scheduling through the API over two registered hosts: anti-affinity and affinity groups, a host that
 * stops heartbeating (its service goes down and the scheduler avoids it), forced-down and disabled hosts,
 * and "No valid host" as an ERROR server with Nova's fault.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCompute, type TestCompute } from '../testing.js';
import { HOST_DOWN_AFTER_S } from '../agent-protocol.js';

describe('scheduling across hosts', () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  const V = '2.79';

  const boot = async (name: string, hints?: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> => {
    const r = await t.call('POST', '/v2.1/servers', { server: { name, imageRef: t.imageId, flavorRef: '1', networks: 'auto', ...extra }, ...(hints ? { 'os:scheduler_hints': hints } : {}) }, { token: user.token, version: V });
    assert.equal(r.statusCode, 202, r.body);
    const list = (await t.call('GET', `/v2.1/servers/detail?all_tenants=1&name=^${name}`, undefined, { version: V })).json().servers;
    return list.map((s: any) => s.id);
  };
  const hostOf = async (id: string): Promise<string | null> =>
    (await t.call('GET', `/v2.1/servers/${id}`, undefined, { version: V })).json().server['OS-EXT-SRV-ATTR:host'];
  const group = async (policy: string): Promise<string> => {
    const r = await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: `g-${policy}`, policy } }, { token: user.token, version: V });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().server_group.id;
  };
  const serviceOf = async (host: string): Promise<Record<string, any>> =>
    (await t.call('GET', `/v2.1/os-services?host=${host}&binary=nova-compute`, undefined, { version: V })).json().services[0];

  before(async () => {
    t = await createTestCompute();
    user = await t.identity.makeUser({ name: 'sched' });
    await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 50, cores: 50, ram: 100000 } });
    assert.equal((await t.register('host-a')).statusCode, 200);
    assert.equal((await t.register('host-b')).statusCode, 200);
  });
  after(async () => { await t?.close(); });

  it('anti-affinity puts the members on different hosts, and refuses a third on two hosts', async () => {
    const g = await group('anti-affinity');
    const [one] = await boot('anti-1', { group: g });
    const [two] = await boot('anti-2', { group: g });
    const hosts = [await hostOf(one!), await hostOf(two!)];
    assert.deepEqual([...hosts].sort(), ['host-a', 'host-b']);
    const [three] = await boot('anti-3', { group: g });
    const s = (await t.call('GET', `/v2.1/servers/${three}`, undefined, { token: user.token, version: V })).json().server;
    assert.equal(s.status, 'ERROR');
    assert.equal(s.fault.message, 'No valid host was found. There are not enough hosts available.');
    assert.equal(s.fault.code, 500);
    const members = (await t.call('GET', `/v2.1/os-server-groups/${g}`, undefined, { token: user.token, version: V })).json().server_group.members;
    assert.equal(members.length, 3);
    assert.deepEqual((await t.call('GET', `/v2.1/servers/${one}`, undefined, { token: user.token, version: V })).json().server.server_groups, [g]);
  });

  it('affinity keeps every member on one host', async () => {
    const g = await group('affinity');
    const ids = [...await boot('aff-1', { group: g }), ...await boot('aff-2', { group: g }), ...await boot('aff-3', { group: g })];
    const hosts = new Set(await Promise.all(ids.map(hostOf)));
    assert.equal(hosts.size, 1);
  });

  it('a multi-create spreads and names its servers with a suffix', async () => {
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'multi', imageRef: t.imageId, flavorRef: '1', networks: 'none', min_count: 2, max_count: 2, return_reservation_id: true } }, { token: user.token, version: V });
    assert.equal(r.statusCode, 202);
    const resv = r.json().reservation_id;
    assert.match(resv, /^r-[0-9a-f]{8}$/);
    const list = (await t.call('GET', `/v2.1/servers/detail?all_tenants=1&reservation_id=${resv}`, undefined, { version: V })).json().servers;
    assert.deepEqual(list.map((s: any) => s.name).sort(), ['multi-1', 'multi-2']);
    assert.deepEqual(list.map((s: any) => s['OS-EXT-SRV-ATTR:launch_index']).sort(), [0, 1]);
  });

  it('a host that stops heartbeating goes down and is avoided', async () => {
    assert.equal((await serviceOf('host-b')).state, 'up');
    // Age host-b's last heartbeat past the limit instead of waiting for it.
    const old = new Date(Date.now() - (HOST_DOWN_AFTER_S + 5) * 1000).toISOString();
    await t.database.db.updateTable('service').set({ last_seen_at: old }).where('host', '=', 'host-b').execute();
    await t.register('host-a');
    assert.equal((await serviceOf('host-b')).state, 'down');
    const hyp = (await t.call('GET', '/v2.1/os-hypervisors', undefined, { version: V })).json().hypervisors;
    assert.equal(hyp.find((h: any) => h.hypervisor_hostname === 'host-b').state, 'down');
    for (let i = 0; i < 3; i++) {
      const [id] = await boot(`while-down-${i}`);
      assert.equal(await hostOf(id!), 'host-a');
    }
    // A heartbeat brings it back.
    await t.register('host-b');
    assert.equal((await serviceOf('host-b')).state, 'up');
  });

  it('forced-down and disabled hosts take no new servers', async () => {
    const svc = await serviceOf('host-a');
    let r = await t.call('PUT', `/v2.1/os-services/${svc.id}`, { forced_down: true }, { version: V });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().service.state, 'down');
    const [x] = await boot('forced');
    assert.equal(await hostOf(x!), 'host-b');
    r = await t.call('PUT', `/v2.1/os-services/${svc.id}`, { forced_down: false }, { version: V });
    assert.equal(r.json().service.state, 'up');

    const b = await serviceOf('host-b');
    r = await t.call('PUT', `/v2.1/os-services/${b.id}`, { status: 'disabled', disabled_reason: 'maintenance' }, { version: V });
    assert.equal(r.json().service.status, 'disabled');
    assert.equal((await t.register('host-b')).json().disabled, true);
    const [y] = await boot('disabled');
    assert.equal(await hostOf(y!), 'host-a');
    // The pre-2.53 form enables it again.
    r = await t.call('PUT', '/v2.1/os-services/enable', { host: 'host-b', binary: 'nova-compute' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { service: { host: 'host-b', binary: 'nova-compute', status: 'enabled' } });
  });

  it('an availability zone is a filter; an unknown zone is a 400', async () => {
    await t.register('host-z', { zone: 'az-2' });
    const [z] = await boot('zoned', undefined, { availability_zone: 'az-2' });
    assert.equal(await hostOf(z!), 'host-z');
    const s = (await t.call('GET', `/v2.1/servers/${z}`, undefined, { token: user.token })).json().server;
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'az-2');
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'nowhere', imageRef: t.imageId, flavorRef: '1', availability_zone: 'az-9' } }, { token: user.token });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().badRequest.message, 'The requested availability zone is not available');
    const zones = (await t.call('GET', '/v2.1/os-availability-zone', undefined, { token: user.token })).json().availabilityZoneInfo;
    assert.deepEqual(zones.map((z: any) => z.zoneName).sort(), ['az-2', 'nova']);
    const detail = (await t.call('GET', '/v2.1/os-availability-zone/detail')).json().availabilityZoneInfo;
    assert.ok(detail.find((z: any) => z.zoneName === 'az-2').hosts['host-z']['nova-compute'].available);
  });

  it('a server whose host is lost mid-build goes ERROR with a fault; a delete there completes', async () => {
    const [id] = await boot('doomed');
    const host = (await hostOf(id!))!;
    const old = new Date(Date.now() - 3_600_000).toISOString();
    await t.database.db.updateTable('service').set({ last_seen_at: old }).where('host', '=', host).execute();
    await t.compute.reconciler.pass();
    const s = (await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).json().server;
    assert.equal(s.status, 'ERROR');
    assert.match(s.fault.message, /aborted: host .* is down/);
    // Deleting a server whose host is down completes at once (Nova's local delete).
    assert.equal((await t.call('DELETE', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 404);
    await t.register(host);
  });
});
