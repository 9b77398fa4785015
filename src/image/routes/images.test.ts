/**
 * Image routes through inject(), with tokens from a real identity service: create, show, list with
 * filters, sorting and paging, JSON-patch updates, tags, deactivation, delete, and Glance's error statuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestImageService, type TestImageService } from '../testing.js';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const PATCH_V20 = { 'content-type': 'application/openstack-images-v2.0-json-patch' };
const DATA = { 'content-type': 'application/octet-stream' };

describe('image routes', () => {
  let t: TestImageService;
  let alice: { projectId: string; token: string };
  let bob: { projectId: string; token: string };
  before(async () => {
    t = await createTestImageService();
    alice = await t.identity.makeUser({ name: 'alice' });
    bob = await t.identity.makeUser({ name: 'bob' });
  });
  after(async () => { await t?.close(); });

  it('answers version discovery with 300 at / and 200 at /versions, without a token', async () => {
    const root = await t.call('GET', '/', undefined, null);
    assert.equal(root.statusCode, 300);
    const versions = root.json().versions as Array<{ id: string; status: string; links: Array<{ href: string }> }>;
    assert.ok(versions.some((v) => v.status === 'CURRENT'));
    assert.match(versions[0]!.links[0]!.href, /\/v2\/$/);
    assert.equal((await t.call('GET', '/versions', undefined, null)).statusCode, 200);
    assert.equal((await t.call('GET', '/v1/images', undefined, null)).statusCode, 300);
  });

  it('creates a queued image with Glance defaults, shows it, and hides it from other projects', async () => {
    const res = await t.call('POST', '/v2/images', { name: 'deb', container_format: 'bare', disk_format: 'raw', os_distro: 'debian' }, alice.token);
    assert.equal(res.statusCode, 201);
    const image = res.json();
    assert.equal(image.status, 'queued');
    assert.equal(image.visibility, 'shared');
    assert.equal(image.owner, alice.projectId);
    assert.equal(image.os_distro, 'debian');
    assert.equal(image.self, `/v2/images/${image.id}`);
    assert.equal(image.file, `/v2/images/${image.id}/file`);
    assert.equal(image.schema, '/v2/schemas/image');
    assert.match(image.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(res.headers.location, `http://127.0.0.1:9292/v2/images/${image.id}`);
    assert.deepEqual((await t.call('GET', `/v2/images/${image.id}`, undefined, alice.token)).json(), image);
    assert.equal((await t.call('GET', `/v2/images/${image.id}`, undefined, bob.token)).statusCode, 404);
    assert.equal((await t.call('DELETE', `/v2/images/${image.id}`, undefined, bob.token)).statusCode, 404);
  });

  it('isolates tenants: another project’s private image is a 404 for every operation; a public one is read-only', async () => {
    const priv = (await t.call('POST', '/v2/images', { name: 'mine', visibility: 'private', container_format: 'bare', disk_format: 'raw' }, alice.token)).json().id as string;
    await t.call('PUT', `/v2/images/${priv}/file`, Buffer.from('secret'), alice.token, DATA);
    const ops: Array<[string, string, unknown?, Record<string, string>?]> = [
      ['GET', `/v2/images/${priv}`], ['PATCH', `/v2/images/${priv}`, [{ op: 'replace', path: '/name', value: 'x' }], PATCH],
      ['DELETE', `/v2/images/${priv}`], ['GET', `/v2/images/${priv}/file`], ['PUT', `/v2/images/${priv}/file`, Buffer.from('x'), DATA],
      ['PUT', `/v2/images/${priv}/tags/x`], ['DELETE', `/v2/images/${priv}/tags/x`], ['POST', `/v2/images/${priv}/actions/deactivate`],
      ['POST', `/v2/images/${priv}/actions/reactivate`], ['GET', `/v2/images/${priv}/members`], ['POST', `/v2/images/${priv}/members`, { member: bob.projectId }],
      ['PUT', `/v2/images/${priv}/members/${bob.projectId}`, { status: 'accepted' }], ['GET', `/v2/images/${priv}/members/${bob.projectId}`],
      ['DELETE', `/v2/images/${priv}/members/${bob.projectId}`], ['PUT', `/v2/images/${priv}/stage`, Buffer.from('x'), DATA],
      ['POST', `/v2/images/${priv}/import`, { method: { name: 'glance-direct' } }],
    ];
    for (const [method, url, body, headers] of ops) {
      const res = await t.call(method as 'GET', url, body, bob.token, headers);
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
    }
    assert.ok(!(await t.call('GET', '/v2/images?visibility=all', undefined, bob.token)).json().images.some((i: { id: string }) => i.id === priv));
    const pub = (await t.call('POST', '/v2/images', { name: 'pub', visibility: 'public', container_format: 'bare', disk_format: 'raw' })).json().id as string;
    await t.call('PUT', `/v2/images/${pub}/file`, Buffer.from('public data'), undefined, DATA);
    assert.equal((await t.call('GET', `/v2/images/${pub}/file`, undefined, bob.token)).body, 'public data');
    assert.equal((await t.call('PATCH', `/v2/images/${pub}`, [{ op: 'replace', path: '/name', value: 'x' }], bob.token, PATCH)).statusCode, 403);
    assert.equal((await t.call('DELETE', `/v2/images/${pub}`, undefined, bob.token)).statusCode, 403);
    assert.equal((await t.call('PUT', `/v2/images/${pub}/tags/x`, undefined, bob.token)).statusCode, 403);
    assert.equal((await t.call('POST', `/v2/images/${pub}/actions/deactivate`, undefined, bob.token)).statusCode, 403);
    assert.equal((await t.call('DELETE', `/v2/images/${pub}`)).statusCode, 204);
  });

  it('refuses bad creates with Glance’s statuses', async () => {
    const cases: Array<[unknown, number]> = [
      [{ container_format: 'wrong', disk_format: 'raw' }, 400],
      [{ container_format: 'bare', disk_format: 'wrong' }, 400],
      [{ name: 'x'.repeat(256) }, 400],
      [{ min_ram: -1 }, 400],
      [{ min_ram: '1' }, 400],
      [{ custom: 5 }, 400],
      [{ status: 'active' }, 403],
      [{ self: '/x' }, 403],
      [{ os_glance_foo: 'bar' }, 403],
      [{ deleted: 'x' }, 403],
      [{ visibility: 'public' }, 403],
      [{ owner: 'someone-else' }, 403],
      [[], 400],
    ];
    for (const [body, status] of cases) {
      const res = await t.call('POST', '/v2/images', body, alice.token);
      assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(typeof res.json().message, 'string');
    }
  });

  it('lets admins create public images and images for other owners; a taken id is a 409', async () => {
    const id = '11111111-2222-3333-4444-555555555555';
    const res = await t.call('POST', '/v2/images', { id, visibility: 'public', owner: 'elsewhere' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().owner, 'elsewhere');
    assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, bob.token)).statusCode, 200);
    assert.equal((await t.call('POST', '/v2/images', { id })).statusCode, 409);
    assert.equal((await t.call('DELETE', `/v2/images/${id}`)).statusCode, 204);
    assert.equal((await t.call('GET', `/v2/images/${id}`)).statusCode, 404);
    assert.equal((await t.call('DELETE', `/v2/images/${id}`)).statusCode, 404);
    assert.equal((await t.call('POST', '/v2/images', { id })).statusCode, 409, 'a deleted image’s id is not reused');
  });

  it('updates by JSON patch, both media types, with Glance’s rules', async () => {
    const image = (await t.call('POST', '/v2/images', { name: 'p', tags: ['a'] }, alice.token)).json();
    const url = `/v2/images/${image.id}`;
    let res = await t.call('PATCH', url, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'add', path: '/color', value: 'blue' },
      { op: 'replace', path: '/tags', value: ['x', 'y', 'x'] },
      { op: 'add', path: '/min_ram', value: 512 },
    ], alice.token, PATCH);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().name, 'renamed');
    assert.equal(res.json().color, 'blue');
    assert.deepEqual(res.json().tags.sort(), ['x', 'y']);
    assert.equal(res.json().min_ram, 512);
    res = await t.call('PATCH', url, [{ replace: '/color', value: 'red' }], alice.token, PATCH_V20);
    assert.equal(res.json().color, 'red');
    assert.equal((await t.call('PATCH', url, [{ add: '/color', value: 'x' }], alice.token, PATCH_V20)).statusCode, 409, 'draft 4 add of an existing property');
    res = await t.call('PATCH', url, [{ op: 'remove', path: '/color' }], alice.token, PATCH);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().color, undefined);
    const expect: Array<[unknown, number, Record<string, string>?]> = [
      [[{ op: 'remove', path: '/color' }], 409],
      [[{ op: 'replace', path: '/nothing', value: 'x' }], 409],
      [[{ op: 'remove', path: '/name' }], 403],
      [[{ op: 'replace', path: '/status', value: 'active' }], 403],
      [[{ op: 'add', path: '/os_glance_x', value: 'y' }], 403],
      [[{ op: 'replace', path: '/owner', value: 'x' }], 403],
      [[{ op: 'replace', path: '/visibility', value: 'public' }], 403],
      [[{ op: 'replace', path: '/visibility', value: 'nonsense' }], 400],
      [[{ op: 'move', path: '/name' }], 400],
      [[{ op: 'replace', path: 'name', value: 'x' }], 400],
      [[{ op: 'replace', path: '/a/b', value: 'x' }], 400],
      [[{ op: 'replace', path: '/name' }], 400],
      [{ op: 'replace' }, 400],
      [[{ op: 'replace', path: '/name', value: 'x' }], 415, { 'content-type': 'application/json' }],
    ];
    for (const [body, status, headers] of expect) {
      const r = await t.call('PATCH', url, body, alice.token, headers ?? PATCH);
      assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
    }
    assert.equal((await t.call('PATCH', url, [{ op: 'replace', path: '/name', value: 'z' }], bob.token, PATCH)).statusCode, 404);
  });

  it('adds and removes tags, 404 for a missing tag or image', async () => {
    const image = (await t.call('POST', '/v2/images', { name: 'tagged' }, alice.token)).json();
    const url = `/v2/images/${image.id}/tags`;
    assert.equal((await t.call('PUT', `${url}/red`, undefined, alice.token)).statusCode, 204);
    assert.equal((await t.call('PUT', `${url}/red`, undefined, alice.token)).statusCode, 204);
    assert.deepEqual((await t.call('GET', `/v2/images/${image.id}`, undefined, alice.token)).json().tags, ['red']);
    assert.equal((await t.call('DELETE', `${url}/red`, undefined, alice.token)).statusCode, 204);
    assert.equal((await t.call('DELETE', `${url}/red`, undefined, alice.token)).statusCode, 404);
    assert.equal((await t.call('PUT', `/v2/images/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/tags/x`, undefined, alice.token)).statusCode, 404);
    assert.equal((await t.call('PUT', `${url}/${'t'.repeat(256)}`, undefined, alice.token)).statusCode, 400);
  });

  it('lists with filters, sorting and paging', async () => {
    const carol = await t.identity.makeUser({ name: 'carol' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const img = (await t.call('POST', '/v2/images', { name: `img-${i}`, container_format: 'bare', disk_format: i % 2 ? 'qcow2' : 'raw', tags: [`t${i}`], visibility: 'private', min_ram: i }, carol.token)).json();
      ids.push(img.id);
      if (i < 3) assert.equal((await t.call('PUT', `/v2/images/${img.id}/file`, Buffer.alloc(100 * (i + 1), i), carol.token, DATA)).statusCode, 204);
    }
    const list = async (qs: string): Promise<any> => {
      const r = await t.call('GET', `/v2/images${qs}`, undefined, carol.token);
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    assert.equal((await list('')).images.length, 5);
    assert.deepEqual((await list('?disk_format=qcow2')).images.map((i: any) => i.name).sort(), ['img-1', 'img-3']);
    assert.deepEqual((await list('?status=active')).images.length, 3);
    assert.deepEqual((await list('?tag=t2')).images.map((i: any) => i.name), ['img-2']);
    assert.deepEqual((await list('?size_min=150&size_max=250')).images.map((i: any) => i.size), [200]);
    assert.deepEqual((await list('?size=300')).images.map((i: any) => i.name), ['img-2']);
    assert.deepEqual((await list('?name=in:img-1,img-4&sort=name:asc')).images.map((i: any) => i.name), ['img-1', 'img-4']);
    assert.deepEqual((await list('?sort=size:desc')).images.map((i: any) => i.size), [300, 200, 100, null, null]);
    assert.deepEqual((await list('?sort_key=size&sort_dir=asc')).images.map((i: any) => i.size), [null, null, 100, 200, 300]);
    assert.deepEqual((await list('?visibility=private&sort_key=name&sort_dir=asc')).images.map((i: any) => i.name), ['img-0', 'img-1', 'img-2', 'img-3', 'img-4']);
    assert.deepEqual((await list(`?owner=${carol.projectId}`)).images.length, 5);
    assert.deepEqual((await list('?min_ram=3')).images.map((i: any) => i.name), ['img-3']);
    assert.deepEqual((await list('?created_at=gte:2000-01-01T00:00:00Z')).images.length, 5);
    assert.deepEqual((await list('?created_at=lt:2000-01-01T00:00:00Z')).images.length, 0);
    // Paging: two at a time, following `next`.
    let page = await list('?limit=2&sort=name:asc');
    const seen: string[] = page.images.map((i: any) => i.name);
    assert.equal(page.first, '/v2/images?limit=2&sort=name%3Aasc');
    while (page.next) {
      page = await list(page.next.replace('/v2/images', ''));
      seen.push(...page.images.map((i: any) => i.name));
    }
    assert.deepEqual(seen, ['img-0', 'img-1', 'img-2', 'img-3', 'img-4']);
    for (const bad of ['?limit=-1', '?limit=x', '?sort_key=owner', '?sort_dir=up', '?sort=name&sort_key=name', '?visibility=x',
      '?member_status=x', '?protected=maybe', '?os_hidden=1', '?size_min=x', '?created_at=gte:yesterday', '?name=like:x',
      `?marker=${'f'.repeat(8)}-ffff-ffff-ffff-${'f'.repeat(12)}`, '?changes-since=2000-01-01']) {
      assert.equal((await t.call('GET', `/v2/images${bad}`, undefined, carol.token)).statusCode, 400, bad);
    }
    // Hidden images are listed only when asked for.
    await t.call('PATCH', `/v2/images/${ids[4]}`, [{ op: 'replace', path: '/os_hidden', value: true }], carol.token, PATCH);
    assert.equal((await list('')).images.length, 4);
    assert.deepEqual((await list('?os_hidden=true')).images.map((i: any) => i.id), [ids[4]]);
    // Another project sees none of carol's private images.
    assert.equal((await t.call('GET', `/v2/images?owner=${carol.projectId}`, undefined, bob.token)).json().images.length, 0);
  });

  it('deactivates and reactivates; deactivated data is 403 to non-admins', async () => {
    const image = (await t.call('POST', '/v2/images', { name: 'd', container_format: 'bare', disk_format: 'raw' }, alice.token)).json();
    const url = `/v2/images/${image.id}`;
    assert.equal((await t.call('POST', `${url}/actions/deactivate`, undefined, alice.token)).statusCode, 403, 'only active images');
    assert.equal((await t.call('POST', `${url}/actions/reactivate`, undefined, alice.token)).statusCode, 403, 'only deactivated ones');
    await t.call('PUT', `${url}/file`, Buffer.from('data'), alice.token, DATA);
    assert.equal((await t.call('POST', `${url}/actions/deactivate`, undefined, alice.token)).statusCode, 204);
    assert.equal((await t.call('GET', url, undefined, alice.token)).json().status, 'deactivated');
    assert.equal((await t.call('GET', `${url}/file`, undefined, alice.token)).statusCode, 403);
    assert.equal((await t.call('GET', `${url}/file`)).statusCode, 200, 'admins still download');
    assert.equal((await t.call('POST', `${url}/actions/reactivate`, undefined, alice.token)).statusCode, 204);
    assert.equal((await t.call('GET', `${url}/file`, undefined, alice.token)).body, 'data');
  });

  it('refuses to delete a protected image with 403', async () => {
    const image = (await t.call('POST', '/v2/images', { name: 'keep', protected: true }, alice.token)).json();
    assert.equal((await t.call('DELETE', `/v2/images/${image.id}`, undefined, alice.token)).statusCode, 403);
    await t.call('PATCH', `/v2/images/${image.id}`, [{ op: 'replace', path: '/protected', value: false }], alice.token, PATCH);
    assert.equal((await t.call('DELETE', `/v2/images/${image.id}`, undefined, alice.token)).statusCode, 204);
  });

  it('answers 404 for odd ids, trailing slashes and unknown routes; 405 for wrong methods; 401 without a token', async () => {
    assert.equal((await t.call('GET', '/v2/images/', undefined, alice.token)).statusCode, 404);
    assert.equal((await t.call('DELETE', '/v2/images/', undefined, alice.token)).statusCode, 404);
    assert.equal((await t.call('GET', '/v2/images/not-a-uuid', undefined, alice.token)).statusCode, 404);
    assert.equal((await t.call('GET', '/v2/nothing', undefined, alice.token)).statusCode, 404);
    const put = await t.call('PUT', '/v2/images', {}, alice.token);
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, 'GET, POST');
    const anon = await t.call('GET', '/v2/images', undefined, null);
    assert.equal(anon.statusCode, 401);
    assert.match(String(anon.headers['www-authenticate']), /^Keystone uri=/);
  });

  it('renders errors as webob does: JSON when asked for, else HTML', async () => {
    const id = '99999999-9999-9999-9999-999999999999';
    const json = await t.call('GET', `/v2/images/${id}`, undefined, alice.token);
    assert.deepEqual(json.json(), { message: `No image found with ID ${id}`, code: '404 Not Found', title: 'Not Found' });
    const html = await t.call('GET', `/v2/images/${id}`, undefined, alice.token, { accept: '*/*' });
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.match(html.body, /<h1>404 Not Found<\/h1>/);
  });

  it('serves Glance’s schemas', async () => {
    for (const [name, expect] of [['image', 'image'], ['images', 'images'], ['member', 'member'], ['members', 'members'],
      ['metadefs/namespace', 'namespace'], ['metadefs/resource_types', 'resource_type_associations'], ['metadefs/properties', 'properties']]) {
      const r = await t.call('GET', `/v2/schemas/${name}`, undefined, alice.token);
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().name, expect);
    }
    const image = (await t.call('GET', '/v2/schemas/image', undefined, alice.token)).json();
    assert.deepEqual(image.additionalProperties, { type: 'string' });
    assert.ok(image.properties.container_format.enum.includes('docker'));
  });
});
