/** Flavors through the API: the bootstrap set, admin CRUD, extra specs, access lists, filters, paging, microversions. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCompute, type TestCompute } from '../testing.js';

describe('flavors', () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  before(async () => {
    t = await createTestCompute();
    user = await t.identity.makeUser({ name: 'flavor-user' });
  });
  after(async () => { await t?.close(); });

  it('bootstraps Nova\'s classic flavors, public', async () => {
    const r = await t.call('GET', '/v2.1/flavors/detail', undefined, { token: user.token });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json().flavors.map((f: any) => [f.id, f.name, f.vcpus, f.ram, f.disk]), [
      ['1', 'm1.tiny', 1, 512, 1], ['2', 'm1.small', 1, 2048, 20], ['3', 'm1.medium', 2, 4096, 40], ['4', 'm1.large', 4, 8192, 80], ['5', 'm1.xlarge', 8, 16384, 160],
    ]);
    const tiny = r.json().flavors[0];
    assert.deepEqual(tiny, {
      id: '1', name: 'm1.tiny', ram: 512, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': false, vcpus: 1,
      'os-flavor-access:is_public': true, rxtx_factor: 1, links: [{ rel: 'self', href: 'http://localhost:80/v2.1/flavors/1' }, { rel: 'bookmark', href: 'http://localhost:80/flavors/1' }],
    });
    const v275 = (await t.call('GET', '/v2.1/flavors/1', undefined, { token: user.token, version: '2.75' })).json().flavor;
    assert.equal(v275.swap, 0);
    assert.equal(v275.description, null);
    assert.deepEqual(v275.extra_specs, {});
    assert.equal((await t.call('GET', '/v2.1/flavors/nope', undefined, { token: user.token })).json().itemNotFound.message, 'Flavor nope could not be found.');
  });

  it('filters, sorts and pages', async () => {
    const big = (await t.call('GET', '/v2.1/flavors?minRam=4096&minDisk=50', undefined, { token: user.token })).json().flavors;
    assert.deepEqual(big.map((f: any) => f.id), ['4', '5']);
    const byRam = (await t.call('GET', '/v2.1/flavors?sort_key=memory_mb&sort_dir=desc', undefined, { token: user.token })).json().flavors;
    assert.deepEqual(byRam.map((f: any) => f.id), ['5', '4', '3', '2', '1']);
    const page = (await t.call('GET', '/v2.1/flavors?limit=2', undefined, { token: user.token })).json();
    assert.deepEqual(page.flavors.map((f: any) => f.id), ['1', '2']);
    assert.equal(page.flavors_links[0].href, 'http://localhost:80/v2.1/flavors?limit=2&marker=2');
    const next = (await t.call('GET', '/v2.1/flavors?limit=2&marker=2', undefined, { token: user.token })).json();
    assert.deepEqual(next.flavors.map((f: any) => f.id), ['3', '4']);
    assert.equal((await t.call('GET', '/v2.1/flavors?marker=zzz', undefined, { token: user.token })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/flavors?minRam=abc', undefined, { token: user.token })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/flavors?sort_key=bogus', undefined, { token: user.token })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/flavors?foo=1', undefined, { token: user.token, version: '2.75' })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/flavors?foo=1', undefined, { token: user.token, version: '2.74' })).statusCode, 200);
  });

  it('only admins create and delete; duplicates conflict; bad bodies are 400', async () => {
    const body = { flavor: { name: 'custom', ram: 1024, vcpus: 2, disk: 10, id: 'custom-1', swap: 512, 'OS-FLV-EXT-DATA:ephemeral': 5, rxtx_factor: 2.0 } };
    assert.equal((await t.call('POST', '/v2.1/flavors', body, { token: user.token })).statusCode, 403);
    const r = await t.call('POST', '/v2.1/flavors', body, { version: '2.55' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().flavor.swap, 512);
    assert.equal(r.json().flavor['OS-FLV-EXT-DATA:ephemeral'], 5);
    const dupName = await t.call('POST', '/v2.1/flavors', { flavor: { ...body.flavor, id: 'other' } });
    assert.equal(dupName.statusCode, 409);
    assert.equal(dupName.json().conflictingRequest.message, 'Flavor with name custom already exists.');
    const dupId = await t.call('POST', '/v2.1/flavors', { flavor: { ...body.flavor, name: 'other' } });
    assert.equal(dupId.json().conflictingRequest.message, 'Flavor with ID custom-1 already exists.');
    for (const bad of [{ ram: 0 }, { vcpus: -1 }, { disk: 'x' }, { name: '' }, { name: ' lead' }, { id: 'has/slash' }, { extra: 1 }, { rxtx_factor: 0 }]) {
      const res = await t.call('POST', '/v2.1/flavors', { flavor: { ...body.flavor, name: 'b', id: 'b', ...bad } });
      assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
    }
    const auto = await t.call('POST', '/v2.1/flavors', { flavor: { name: 'auto-id', ram: 64, vcpus: 1, disk: 0 } });
    assert.match(auto.json().flavor.id, /^[0-9a-f-]{36}$/);
    assert.equal((await t.call('PUT', '/v2.1/flavors/custom-1', { flavor: { description: 'x' } })).statusCode, 404, 'update needs 2.55');
    const upd = await t.call('PUT', '/v2.1/flavors/custom-1', { flavor: { description: 'now described' } }, { version: '2.55' });
    assert.equal(upd.json().flavor.description, 'now described');
    assert.equal((await t.call('DELETE', '/v2.1/flavors/custom-1', undefined, { token: user.token })).statusCode, 403);
    assert.equal((await t.call('DELETE', '/v2.1/flavors/custom-1')).statusCode, 202);
    assert.equal((await t.call('DELETE', '/v2.1/flavors/custom-1')).statusCode, 404);
  });

  it('extra specs: create, show, update one, delete', async () => {
    await t.call('POST', '/v2.1/flavors', { flavor: { name: 'spec', id: 'spec', ram: 64, vcpus: 1, disk: 1 } });
    let r = await t.call('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'shared', count: 2 } });
    assert.deepEqual(r.json(), { extra_specs: { 'hw:cpu_policy': 'shared', count: '2' } });
    assert.equal((await t.call('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { a: 'b' } }, { token: user.token })).statusCode, 403);
    assert.deepEqual((await t.call('GET', '/v2.1/flavors/spec/os-extra_specs', undefined, { token: user.token })).json(), { extra_specs: { 'hw:cpu_policy': 'shared', count: '2' } });
    assert.deepEqual((await t.call('GET', '/v2.1/flavors/spec/os-extra_specs/count', undefined, { token: user.token })).json(), { count: '2' });
    r = await t.call('PUT', '/v2.1/flavors/spec/os-extra_specs/count', { count: '3' });
    assert.deepEqual(r.json(), { count: '3' });
    assert.equal((await t.call('PUT', '/v2.1/flavors/spec/os-extra_specs/count', { other: '3' })).statusCode, 400);
    assert.equal((await t.call('PUT', '/v2.1/flavors/spec/os-extra_specs/count', { count: '3', b: '1' })).statusCode, 400);
    assert.equal((await t.call('DELETE', '/v2.1/flavors/spec/os-extra_specs/count')).statusCode, 200);
    assert.equal((await t.call('DELETE', '/v2.1/flavors/spec/os-extra_specs/count')).statusCode, 404);
    assert.equal((await t.call('GET', '/v2.1/flavors/spec/os-extra_specs/count', undefined, { token: user.token })).statusCode, 404);
    const shown = (await t.call('GET', '/v2.1/flavors/spec', undefined, { version: '2.61' })).json().flavor;
    assert.deepEqual(shown.extra_specs, { 'hw:cpu_policy': 'shared' });
  });

  it('private flavors: access list, add and remove, visibility', async () => {
    await t.call('POST', '/v2.1/flavors', { flavor: { name: 'priv', id: 'priv', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false } });
    assert.deepEqual((await t.call('GET', '/v2.1/flavors/priv/os-flavor-access')).json(), { flavor_access: [] });
    assert.equal((await t.call('GET', '/v2.1/flavors/1/os-flavor-access')).statusCode, 404);
    assert.equal((await t.call('GET', '/v2.1/flavors/priv', undefined, { token: user.token })).statusCode, 404);
    let r = await t.call('POST', '/v2.1/flavors/priv/action', { addTenantAccess: { tenant: user.projectId } });
    assert.deepEqual(r.json(), { flavor_access: [{ flavor_id: 'priv', tenant_id: user.projectId }] });
    assert.equal((await t.call('POST', '/v2.1/flavors/priv/action', { addTenantAccess: { tenant: user.projectId } })).statusCode, 409);
    assert.equal((await t.call('POST', '/v2.1/flavors/1/action', { addTenantAccess: { tenant: user.projectId } }, { version: '2.7' })).statusCode, 409);
    assert.equal((await t.call('POST', '/v2.1/flavors/priv/action', { addTenantAccess: { tenant: 'no-such-project' } })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/flavors/priv', undefined, { token: user.token })).statusCode, 200);
    assert.ok((await t.call('GET', '/v2.1/flavors', undefined, { token: user.token })).json().flavors.some((f: any) => f.id === 'priv'));
    const adminList = (await t.call('GET', '/v2.1/flavors?is_public=false')).json().flavors.map((f: any) => f.id);
    assert.ok(adminList.includes('priv') && !adminList.includes('1'));
    const all = (await t.call('GET', '/v2.1/flavors?is_public=None')).json().flavors.map((f: any) => f.id);
    assert.ok(all.includes('priv') && all.includes('1'));
    r = await t.call('POST', '/v2.1/flavors/priv/action', { removeTenantAccess: { tenant: user.projectId } });
    assert.deepEqual(r.json(), { flavor_access: [] });
    assert.equal((await t.call('POST', '/v2.1/flavors/priv/action', { removeTenantAccess: { tenant: user.projectId } })).statusCode, 404);
    assert.equal((await t.call('GET', '/v2.1/flavors/priv', undefined, { token: user.token })).statusCode, 404);
  });
});
