/**
 * The metadata definitions catalog through inject(): admins build namespaces with resource type
 * associations, properties, objects and tags; readers see public namespaces and their own project's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestImageService, ENGINES, type TestImageService } from '../testing.js';

for (const { engine, skip } of ENGINES) describe(`metadefs (${engine})`, { ...(skip ? { skip } : {}) }, () => {
  let t: TestImageService;
  let reader: { projectId: string; token: string };
  before(async () => {
    t = await createTestImageService(engine);
    reader = await t.identity.makeUser({ name: 'md-reader' });
  });
  after(async () => { await t?.close(); });

  it('lists the seeded resource types', async () => {
    const types = (await t.call('GET', '/v2/metadefs/resource_types', undefined, reader.token)).json().resource_types.map((r: { name: string }) => r.name);
    assert.ok(types.includes('OS::Glance::Image') && types.includes('OS::Nova::Flavor'));
  });

  it('builds a namespace with its contents, and hides private ones from other projects', async () => {
    const ns = 'OS::Test::Things';
    const created = await t.call('POST', '/v2/metadefs/namespaces', {
      namespace: ns, display_name: 'Things', visibility: 'private', protected: true,
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'things_' }],
      properties: { size: { title: 'Size', type: 'integer', minimum: 0 } },
      objects: [{ name: 'Box', properties: { width: { title: 'Width', type: 'integer' } } }],
      tags: [{ name: 'a' }, { name: 'b' }],
    });
    assert.equal(created.statusCode, 201, created.body);
    const shown = (await t.call('GET', `/v2/metadefs/namespaces/${ns}`)).json();
    assert.equal(shown.visibility, 'private');
    assert.deepEqual(shown.resource_type_associations.map((a: { name: string; prefix: string }) => [a.name, a.prefix]), [['OS::Glance::Image', 'things_']]);
    assert.deepEqual(shown.properties, { size: { title: 'Size', type: 'integer', minimum: 0 } });
    assert.equal(shown.objects[0].name, 'Box');
    assert.deepEqual(shown.tags, [{ name: 'a' }, { name: 'b' }]);
    assert.equal((await t.call('GET', `/v2/metadefs/namespaces/${ns}`, undefined, reader.token)).statusCode, 404, 'another project’s private namespace');
    assert.equal((await t.call('POST', '/v2/metadefs/namespaces', { namespace: 'x' }, reader.token)).statusCode, 403, 'only admins build the catalog');
    assert.equal((await t.call('POST', '/v2/metadefs/namespaces', { namespace: ns })).statusCode, 409);
    assert.equal((await t.call('DELETE', `/v2/metadefs/namespaces/${ns}`)).statusCode, 403, 'protected');

    const put = await t.call('PUT', `/v2/metadefs/namespaces/${ns}`, { namespace: ns, visibility: 'public', protected: false });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await t.call('GET', `/v2/metadefs/namespaces/${ns}`, undefined, reader.token)).statusCode, 200, 'public now');
    assert.ok((await t.call('GET', '/v2/metadefs/namespaces?resource_types=OS::Glance::Image', undefined, reader.token)).json().namespaces.some((n: { namespace: string }) => n.namespace === ns));

    // Entries: one of each kind through its own routes.
    const base = `/v2/metadefs/namespaces/${ns}`;
    assert.equal((await t.call('POST', `${base}/properties`, { name: 'color', title: 'Color', type: 'string', enum: ['red', 'blue'] })).statusCode, 201);
    assert.equal((await t.call('GET', `${base}/properties/color`, undefined, reader.token)).json().title, 'Color');
    assert.equal((await t.call('PUT', `${base}/properties/color`, { name: 'colour', title: 'Colour', type: 'string' })).json().name, 'colour');
    assert.deepEqual(Object.keys((await t.call('GET', `${base}/properties`)).json().properties).sort(), ['colour', 'size']);
    assert.equal((await t.call('POST', `${base}/objects`, { name: 'Crate' })).statusCode, 201);
    assert.equal((await t.call('GET', `${base}/objects/Crate`)).json().self, `/v2/metadefs/namespaces/${encodeURIComponent(ns)}/objects/Crate`);
    assert.equal((await t.call('POST', `${base}/tags/c`)).statusCode, 201);
    assert.equal((await t.call('PUT', `${base}/tags/c`, { name: 'd' })).json().name, 'd');
    assert.equal((await t.call('GET', `${base}/tags`)).json().tags.length, 3);
    assert.equal((await t.call('POST', `${base}/tags`, { tags: [{ name: 'only' }] })).statusCode, 201);
    assert.deepEqual((await t.call('GET', `${base}/tags`)).json().tags.map((x: { name: string }) => x.name), ['only'], 'a bulk create replaces the tags');
    assert.equal((await t.call('DELETE', `${base}/resource_types/OS::Glance::Image`)).statusCode, 204);
    assert.equal((await t.call('DELETE', `${base}/resource_types/OS::Glance::Image`)).statusCode, 404);
    assert.equal((await t.call('DELETE', `${base}/objects`)).statusCode, 204);
    assert.deepEqual((await t.call('GET', `${base}/objects`)).json().objects, []);
    assert.equal((await t.call('DELETE', base)).statusCode, 204);
    assert.equal((await t.call('GET', base)).statusCode, 404);
    assert.equal((await t.call('GET', `${base}/tags`)).statusCode, 404);
  });

  it('refuses bad bodies with 400, and hostile ones with a 4xx', async () => {
    for (const body of [{}, { namespace: 5 }, { namespace: 'x'.repeat(81) }, { namespace: 'v', visibility: 'shared' }, [], 'x']) {
      const r = await t.call('POST', '/v2/metadefs/namespaces', body);
      assert.ok(r.statusCode === 400, `${JSON.stringify(body)}: ${r.statusCode} ${r.body}`);
    }
    await t.call('POST', '/v2/metadefs/namespaces', { namespace: 'hostile' });
    const hostile = [null, 5, 'x'.repeat(5000), [], [1], {}, { name: null }, { name: 'x'.repeat(100) }, { name: 'ok', properties: 'x' }, { tags: 'x' }, { tags: [null, 5] },
      { resource_type_associations: [5] }, { namespace: 'hostile', properties: { p: 5 } }, { objects: [{}] },
      { namespace: 'h1', objects: [null] }, { namespace: 'h2', resource_type_associations: [null] }, { namespace: 'h3', properties: { p: null } },
      { namespace: 'h4', tags: [null] }, { namespace: 'h5', properties: [1] }, { namespace: 'h6', objects: [{ name: 5 }] }];
    for (const b of hostile) {
      for (const [method, url] of [['POST', '/v2/metadefs/namespaces'], ['PUT', '/v2/metadefs/namespaces/hostile'], ['POST', '/v2/metadefs/namespaces/hostile/objects'],
        ['POST', '/v2/metadefs/namespaces/hostile/properties'], ['POST', '/v2/metadefs/namespaces/hostile/tags'], ['POST', '/v2/metadefs/namespaces/hostile/resource_types']] as const) {
        const r = await t.call(method, url, b);
        assert.ok(r.statusCode < 500, `${method} ${url} ${JSON.stringify(b)?.slice(0, 40)}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    }
  });
});
