/**
 * Tenant isolation matrix: a member of another project gets 404 for every operation on the first
 * project's servers, private flavors and key pairs (key pairs are per user: even a colleague in the same
 * project gets 404), and lists never show them. Admins see everything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCompute, type TestCompute } from './testing.js';

describe('tenant isolation', () => {
  let t: TestCompute;
  let owner: { userId: string; projectId: string; token: string };
  let colleague: { userId: string; projectId: string; token: string };
  let stranger: { userId: string; projectId: string; token: string };
  let serverId: string;
  const flavorId = 'private-1';

  before(async () => {
    t = await createTestCompute();
    owner = await t.identity.makeUser({ name: 'owner', project: 'alpha' });
    colleague = await t.identity.makeUser({ name: 'colleague', project: 'alpha' });
    stranger = await t.identity.makeUser({ name: 'stranger', project: 'beta' });
    await t.register('host-a');
    assert.equal((await t.call('POST', '/v2.1/flavors', { flavor: { name: 'private', id: flavorId, ram: 256, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false } })).statusCode, 200);
    assert.equal((await t.call('POST', `/v2.1/flavors/${flavorId}/action`, { addTenantAccess: { tenant: owner.projectId } })).statusCode, 200);
    assert.equal((await t.call('POST', `/v2.1/flavors/${flavorId}/os-extra_specs`, { extra_specs: { 'hw:x': '1' } })).statusCode, 200);
    assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'mine' } }, { token: owner.token })).statusCode, 200);
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'secret', imageRef: t.imageId, flavorRef: flavorId, key_name: 'mine', networks: 'auto', metadata: { k: 'v' } } }, { token: owner.token, version: '2.79' });
    assert.equal(r.statusCode, 202, r.body);
    serverId = r.json().server.id;
    await t.converge('host-a');
  });
  after(async () => { await t?.close(); });

  const serverOps = (): Array<[string, string, unknown?]> => [
    ['GET', `/v2.1/servers/${serverId}`],
    ['PUT', `/v2.1/servers/${serverId}`, { server: { name: 'mine-now' } }],
    ['DELETE', `/v2.1/servers/${serverId}`],
    ['POST', `/v2.1/servers/${serverId}/action`, { 'os-stop': null }],
    ['POST', `/v2.1/servers/${serverId}/action`, { reboot: { type: 'HARD' } }],
    ['POST', `/v2.1/servers/${serverId}/action`, { createImage: { name: 'stolen' } }],
    ['POST', `/v2.1/servers/${serverId}/action`, { 'os-getConsoleOutput': {} }],
    ['POST', `/v2.1/servers/${serverId}/action`, { resize: { flavorRef: '2' } }],
    ['GET', `/v2.1/servers/${serverId}/metadata`],
    ['GET', `/v2.1/servers/${serverId}/metadata/k`],
    ['PUT', `/v2.1/servers/${serverId}/metadata/k`, { meta: { k: 'x' } }],
    ['DELETE', `/v2.1/servers/${serverId}/metadata/k`],
    ['GET', `/v2.1/servers/${serverId}/ips`],
    ['GET', `/v2.1/servers/${serverId}/tags`],
    ['GET', `/v2.1/servers/${serverId}/os-instance-actions`],
  ];

  it('another project\'s member gets 404 for every server operation', async () => {
    for (const [method, url, body] of serverOps()) {
      const r = await t.call(method as 'GET', url, body, { token: stranger.token, version: '2.79' });
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.ok(r.json().itemNotFound, `${method} ${url} answers Nova's itemNotFound`);
    }
    for (const list of ['/v2.1/servers', '/v2.1/servers/detail', '/v2.1/servers/detail?name=secret']) {
      assert.deepEqual((await t.call('GET', list, undefined, { token: stranger.token })).json().servers, [], list);
    }
    assert.equal((await t.call('GET', '/v2.1/servers?all_tenants=1', undefined, { token: stranger.token })).statusCode, 403);
  });

  it('another project\'s member gets 404 for the private flavor', async () => {
    for (const url of [`/v2.1/flavors/${flavorId}`, `/v2.1/flavors/${flavorId}/os-extra_specs`, `/v2.1/flavors/${flavorId}/os-extra_specs/hw:x`]) {
      const r = await t.call('GET', url, undefined, { token: stranger.token });
      assert.equal(r.statusCode, 404, `${url}: ${r.body}`);
    }
    const flavors = (await t.call('GET', '/v2.1/flavors/detail', undefined, { token: stranger.token })).json().flavors;
    assert.ok(!flavors.some((f: any) => f.id === flavorId));
    const boot = await t.call('POST', '/v2.1/servers', { server: { name: 'x', imageRef: t.imageId, flavorRef: flavorId } }, { token: stranger.token });
    assert.equal(boot.statusCode, 400);
    assert.equal(boot.json().badRequest.message, `Flavor ${flavorId} could not be found.`);
    // The owner's project sees and uses it.
    assert.equal((await t.call('GET', `/v2.1/flavors/${flavorId}`, undefined, { token: owner.token })).statusCode, 200);
    assert.ok((await t.call('GET', '/v2.1/flavors', undefined, { token: owner.token })).json().flavors.some((f: any) => f.id === flavorId));
  });

  it('key pairs are per user: 404 for everyone else, even in the same project', async () => {
    for (const who of [stranger, colleague]) {
      assert.equal((await t.call('GET', '/v2.1/os-keypairs/mine', undefined, { token: who.token })).statusCode, 404);
      assert.equal((await t.call('DELETE', '/v2.1/os-keypairs/mine', undefined, { token: who.token })).statusCode, 404);
      assert.deepEqual((await t.call('GET', '/v2.1/os-keypairs', undefined, { token: who.token })).json().keypairs, []);
      const boot = await t.call('POST', '/v2.1/servers', { server: { name: 'x', imageRef: t.imageId, flavorRef: '1', key_name: 'mine' } }, { token: who.token });
      assert.equal(boot.statusCode, 400);
      assert.equal(boot.json().badRequest.message, 'Invalid key_name provided.');
    }
    // Another user may not act for the owner by naming them (admin-only from 2.10).
    assert.equal((await t.call('GET', `/v2.1/os-keypairs/mine?user_id=${owner.userId}`, undefined, { token: stranger.token, version: '2.10' })).statusCode, 403);
    assert.equal((await t.call('GET', `/v2.1/os-keypairs/mine?user_id=${owner.userId}`, undefined, { version: '2.10' })).statusCode, 200);
  });

  it('a colleague in the same project sees and manages the project\'s servers', async () => {
    assert.equal((await t.call('GET', `/v2.1/servers/${serverId}`, undefined, { token: colleague.token })).statusCode, 200);
    assert.equal((await t.call('GET', `/v2.1/servers/${serverId}/metadata/k`, undefined, { token: colleague.token })).statusCode, 200);
  });

  it('admins see other projects\' servers with all_tenants', async () => {
    assert.equal((await t.call('GET', `/v2.1/servers/${serverId}`)).statusCode, 200);
    assert.deepEqual((await t.call('GET', '/v2.1/servers')).json().servers, [], 'without all_tenants, only the admin\'s own project');
    const all = (await t.call('GET', `/v2.1/servers?all_tenants=1&project_id=${owner.projectId}`)).json().servers;
    assert.deepEqual(all.map((s: any) => s.id), [serverId]);
  });

  it('a reader can look but not act', async () => {
    const reader = await t.identity.makeUser({ name: 'reader', project: 'alpha', role: 'reader' });
    assert.equal((await t.call('GET', `/v2.1/servers/${serverId}`, undefined, { token: reader.token })).statusCode, 200);
    assert.equal((await t.call('POST', `/v2.1/servers/${serverId}/action`, { 'os-stop': null }, { token: reader.token })).statusCode, 403);
    assert.equal((await t.call('DELETE', `/v2.1/servers/${serverId}`, undefined, { token: reader.token })).statusCode, 403);
    assert.equal((await t.call('POST', '/v2.1/servers', { server: { name: 'r', imageRef: t.imageId, flavorRef: '1' } }, { token: reader.token })).statusCode, 403);
  });
});
