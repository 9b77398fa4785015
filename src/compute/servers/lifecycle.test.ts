/**
 * The server state machine through the real API: a user drives servers with Nova calls, the test plays
 * the host agent through the internal API (register, read desired servers, report observations), and
 * the statuses Nova clients see follow from both. Runs on SQLite and PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCompute, ENGINES, type TestCompute } from '../testing.js';

for (const { engine, skip } of ENGINES) describe(`server lifecycle on ${engine}`, { skip }, () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  const V = '2.79';
  const server = async (id: string, version = V): Promise<Record<string, any>> => {
    const r = await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token, version });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().server;
  };
  const act = async (id: string, body: unknown, expect = 202, version = V) => {
    const r = await t.call('POST', `/v2.1/servers/${id}/action`, body, { token: user.token, version });
    assert.equal(r.statusCode, expect, r.body);
    return r;
  };

  before(async () => {
    t = await createTestCompute(engine);
    user = await t.identity.makeUser({ name: 'alice' });
    assert.equal((await t.register('host-a')).statusCode, 200);
  });
  after(async () => { await t?.close(); });

  it('creates a server that builds, becomes ACTIVE with an address, and is listed', async () => {
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'web-1', imageRef: t.imageId, flavorRef: '1', networks: 'auto', metadata: { role: 'web' } } }, { token: user.token, version: V });
    assert.equal(r.statusCode, 202, r.body);
    const created = r.json().server;
    assert.match(created.adminPass, /^[A-Za-z0-9]{12}$/);
    assert.deepEqual(created.security_groups, [{ name: 'default' }]);
    assert.equal(r.headers.location, `http://localhost:80/v2.1/servers/${created.id}`);

    let s = await server(created.id);
    assert.equal(s.status, 'BUILD');
    assert.equal(s['OS-EXT-STS:task_state'], 'spawning');
    assert.deepEqual(s.addresses, {}, 'addresses hidden while building');
    assert.deepEqual(s.flavor, { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: {} });

    const desired = await t.desired('host-a');
    assert.equal(desired.servers.length, 1);
    const spec = desired.servers[0]!;
    assert.equal(spec.id, created.id);
    assert.equal(spec.power, 'running');
    assert.equal(spec.generation, 1);
    assert.equal(spec.ports.length, 1);
    assert.match(spec.ports[0]!.ip, /^198\.18\.\d+\.\d+$/, 'auto: the project\'s network from get-me-a-network\'s pool');
    assert.match(spec.ports[0]!.mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.equal(spec.ports[0]!.gateway, spec.ports[0]!.ip.replace(/\.\d+$/, '.1'));
    assert.deepEqual(spec.metadata, { role: 'web' });

    assert.equal((await t.report('host-a', created.id, { state: 'running', generation: 1 })).statusCode, 204);
    s = await server(created.id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:vm_state'], 'active');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal(s['OS-EXT-STS:power_state'], 1);
    assert.deepEqual(Object.keys(s.addresses), ['auto_allocated_network']);
    assert.equal(s.addresses.auto_allocated_network[0].addr, spec.ports[0]!.ip);
    assert.equal(s.addresses.auto_allocated_network[0]['OS-EXT-IPS-MAC:mac_addr'], spec.ports[0]!.mac);
    assert.ok(s['OS-SRV-USG:launched_at']);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], undefined, 'extended attributes are for admins');

    const admin = (await t.call('GET', `/v2.1/servers/${created.id}`, undefined, { version: V })).json().server;
    assert.equal(admin['OS-EXT-SRV-ATTR:host'], 'host-a');
    assert.match(admin['OS-EXT-SRV-ATTR:instance_name'], /^instance-[0-9a-f]{8}$/);

    const list = (await t.call('GET', '/v2.1/servers', undefined, { token: user.token })).json();
    assert.deepEqual(list.servers.map((x: any) => x.name), ['web-1']);
  });

  it('stops, starts, reboots, pauses and unpauses through task states', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=web-1', undefined, { token: user.token })).json().servers[0].id;
    await act(id, { 'os-stop': null });
    let s = await server(id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:task_state'], 'powering-off');
    await act(id, { 'os-start': null }, 409);
    await t.converge('host-a');
    s = await server(id);
    assert.equal(s.status, 'SHUTOFF');
    assert.equal(s['OS-EXT-STS:power_state'], 4);

    await act(id, { reboot: { type: 'SOFT' } }, 409);
    await act(id, { 'os-start': null });
    await t.converge('host-a');
    assert.equal((await server(id)).status, 'ACTIVE');

    await act(id, { reboot: { type: 'HARD' } });
    s = await server(id);
    assert.equal(s.status, 'HARD_REBOOT');
    const spec = (await t.desired('host-a')).servers[0]!;
    assert.equal(spec.rebootCount, 1);
    await t.converge('host-a');
    assert.equal((await server(id)).status, 'ACTIVE');

    await act(id, { pause: null });
    await t.converge('host-a');
    assert.equal((await server(id)).status, 'PAUSED');
    await act(id, { unpause: null });
    await t.converge('host-a');
    assert.equal((await server(id)).status, 'ACTIVE');

    const events = (await t.call('GET', `/v2.1/servers/${id}/os-instance-actions`, undefined, { token: user.token, version: V })).json().instanceActions;
    assert.deepEqual(events.map((a: any) => a.action), ['unpause', 'pause', 'reboot', 'start', 'stop', 'create']);
    const detail = (await t.call('GET', `/v2.1/servers/${id}/os-instance-actions/${events[0].request_id}`, undefined, { token: user.token, version: V })).json();
    assert.equal(detail.instanceAction.events[0].result, 'Success');
  });

  it('resizes to VERIFY_RESIZE, confirms; resizes again and reverts', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=web-1', undefined, { token: user.token })).json().servers[0].id;
    await act(id, { resize: { flavorRef: '1' } }, 400);
    await act(id, { resize: { flavorRef: '2' } });
    assert.equal((await server(id)).status, 'RESIZE');
    assert.equal((await t.desired('host-a')).servers[0]!.flavor.ramMb, 2048);
    await t.converge('host-a');
    let s = await server(id);
    assert.equal(s.status, 'VERIFY_RESIZE');
    assert.equal(s.flavor.original_name, 'm1.small');
    await act(id, { confirmResize: null }, 204);
    s = await server(id);
    assert.equal(s.status, 'ACTIVE');

    await act(id, { resize: { flavorRef: '3' } });
    await t.converge('host-a');
    assert.equal((await server(id)).status, 'VERIFY_RESIZE');
    await act(id, { revertResize: null });
    assert.equal((await server(id)).status, 'REVERT_RESIZE');
    assert.equal((await t.desired('host-a')).servers[0]!.flavor.ramMb, 2048);
    await t.converge('host-a');
    s = await server(id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s.flavor.original_name, 'm1.small');
  });

  it('rebuilds with a new image keeping id and address', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=web-1', undefined, { token: user.token })).json().servers[0].id;
    const before = await server(id);
    const other = await t.makeImage(user.token, { name: 'other' });
    const r = await act(id, { rebuild: { imageRef: other, name: 'web-1b' } });
    assert.equal(r.json().server.status, 'REBUILD');
    assert.ok(r.json().server.adminPass);
    const spec = (await t.desired('host-a')).servers[0]!;
    assert.equal(spec.image.id, other);
    assert.equal(spec.rebuildCount, 1);
    await t.converge('host-a');
    const s = await server(id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s.image.id, other);
    assert.equal(s.name, 'web-1b');
    assert.deepEqual(s.addresses, before.addresses);
  });

  it('snapshots through the image API: the record is the user\'s, the task follows the upload', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=web-1b', undefined, { token: user.token })).json().servers[0].id;
    const r = await act(id, { createImage: { name: 'snap-1', metadata: { purpose: 'test' } } });
    const imageId = r.json().image_id;
    const img = (await t.image('GET', `/v2/images/${imageId}`, undefined, user.token)).json();
    assert.equal(img.status, 'queued');
    assert.equal(img.owner, user.projectId);
    assert.equal(img.image_type, 'snapshot');
    assert.equal(img.purpose, 'test');
    assert.equal((await server(id))['OS-EXT-STS:task_state'], 'image_snapshot');
    const spec = (await t.desired('host-a')).servers[0]!;
    assert.equal(spec.snapshot?.imageId, imageId);
    await t.report('host-a', id, { state: 'running', generation: spec.generation, rebootCount: spec.rebootCount, rebuildCount: spec.rebuildCount });
    assert.equal((await server(id))['OS-EXT-STS:task_state'], 'image_uploading');
    await t.converge('host-a');
    assert.equal((await server(id))['OS-EXT-STS:task_state'], null);
    assert.equal((await t.desired('host-a')).servers[0]!.snapshot, undefined);
    // Before 2.45 the answer is a Location header instead.
    const old = await t.call('POST', `/v2.1/servers/${id}/action`, { createImage: { name: 'snap-2' } }, { token: user.token, version: '2.44' });
    assert.equal(old.statusCode, 202);
    assert.match(String(old.headers.location), /\/v2\/images\/[0-9a-f-]{36}$/);
    await t.converge('host-a');
  });

  it('deletes: task deleting until the agent reports the server absent, then gone', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=web-1b', undefined, { token: user.token })).json().servers[0].id;
    assert.equal((await t.call('DELETE', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await server(id))['OS-EXT-STS:task_state'], 'deleting');
    assert.equal((await t.desired('host-a')).servers[0]!.power, 'deleted');
    await t.converge('host-a');
    assert.equal((await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 404);
    assert.equal((await t.desired('host-a')).servers.length, 0);
    const deleted = (await t.call('GET', '/v2.1/servers/detail?changes-since=2000-01-01T00:00:00Z', undefined, { token: user.token })).json().servers;
    assert.equal(deleted.find((x: any) => x.id === id).status, 'DELETED');
  });

  it('shows the agent\'s fault as ERROR', async () => {
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'bad', imageRef: t.imageId, flavorRef: '1', networks: 'none' } }, { token: user.token, version: V });
    const id = r.json().server.id;
    await t.report('host-a', id, { state: 'error', generation: 1, fault: { code: 500, message: 'Image is not bootable', details: 'no init' } });
    const s = await server(id);
    assert.equal(s.status, 'ERROR');
    assert.equal(s.fault.message, 'Image is not bootable');
    assert.equal(s.fault.details, undefined, 'details of internal errors are for admins');
    assert.deepEqual(s.addresses, {});
  });

  it('long-polls desired servers by revision', async () => {
    const { revision } = await t.desired('host-a');
    const started = Date.now();
    const waiting = t.desired('host-a', revision, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'poll', imageRef: t.imageId, flavorRef: '1', networks: 'none' } }, { token: user.token, version: V });
    assert.equal(r.statusCode, 202);
    const woke = await waiting;
    assert.ok(woke.revision > revision);
    assert.ok(Date.now() - started < 3000, 'answered when the change came, not at the timeout');
    assert.ok(woke.servers.some((s) => s.id === r.json().server.id));
  });
});
