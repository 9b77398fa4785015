/**
 * Hostile input against every image route, on each engine: values of every wrong type and size in every
 * field, odd query strings and headers. Each must get a 4xx in Glance's body, never a 5xx, and the
 * images already stored must come out unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestImageService, ENGINES, type TestImageService } from '../testing.js';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** Values that are wrong somewhere: types, sizes, encodings, numbers beyond every column. */
const HOSTILE: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 63, -(2 ** 63), 1e308, '', ' ', 'x'.repeat(300), 'x'.repeat(70_000),
  'é'.repeat(200), '\u0000', 'a\u0000b', '😀'.repeat(100), '../../etc/passwd', '<script>', "'; drop table image; --",
  [], ['a'], [1, 2], [null], {}, { a: 1 }, { nested: { deeper: [1, { x: 'y' }] } },
];

const FIELDS = ['id', 'name', 'visibility', 'protected', 'os_hidden', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'owner', 'tags',
  'status', 'checksum', 'size', 'locations', 'kernel_id', 'custom_prop', 'x'.repeat(300), '', 'os_glance_x'];

for (const { engine, skip } of ENGINES) {
  describe(`image routes with hostile input (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestImageService;
    let user: { projectId: string; token: string };
    let id: string;
    let before0: string;
    before(async () => {
      t = await createTestImageService(engine);
      user = await t.identity.makeUser({ name: 'hostile' });
      const res = await t.call('POST', '/v2/images', { name: 'keep', container_format: 'bare', disk_format: 'raw', color: 'blue', tags: ['t'] }, user.token);
      id = res.json().id;
      before0 = (await t.call('GET', `/v2/images/${id}`, undefined, user.token)).body;
    });
    after(async () => { await t?.close(); });

    const expect4xx = (res: { statusCode: number; body: string }, what: string): void => {
      assert.ok(res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    };

    it('creates: every field with every hostile value', async () => {
      for (const field of FIELDS) {
        for (const value of HOSTILE) {
          const res = await t.call('POST', '/v2/images', { [field]: value }, user.token);
          expect4xx(res, `POST ${field}=${JSON.stringify(value)?.slice(0, 40)}`);
          if (res.statusCode === 201) await t.call('DELETE', `/v2/images/${res.json().id}`, undefined, user.token);
        }
      }
    });

    it('patches: every operation on every field with every hostile value', async () => {
      for (const field of FIELDS) {
        for (const op of ['add', 'replace', 'remove']) {
          for (const value of HOSTILE.slice(0, 12)) {
            const res = await t.call('PATCH', `/v2/images/${id}`, [{ op, path: `/${field}`, value }], user.token, PATCH);
            expect4xx(res, `PATCH ${op} ${field}=${JSON.stringify(value)}`);
            // Put the image back if a hostile value happened to be valid.
            if (res.statusCode === 200) {
              await t.call('PATCH', `/v2/images/${id}`, [
                { op: 'replace', path: '/name', value: 'keep' }, { op: 'replace', path: '/tags', value: ['t'] },
                { op: 'replace', path: '/min_ram', value: 0 }, { op: 'replace', path: '/min_disk', value: 0 },
                { op: 'replace', path: '/protected', value: false }, { op: 'replace', path: '/os_hidden', value: false },
                { op: 'replace', path: '/visibility', value: 'shared' }, { op: 'replace', path: '/container_format', value: 'bare' },
                { op: 'replace', path: '/disk_format', value: 'raw' },
              ], user.token, PATCH);
              const now = (await t.call('GET', `/v2/images/${id}`, undefined, user.token)).json();
              for (const k of Object.keys(now)) if (!['id', 'name', 'tags', 'min_ram', 'min_disk', 'protected', 'os_hidden', 'visibility', 'container_format', 'disk_format', 'color', 'status', 'owner', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at', 'self', 'file', 'schema'].includes(k)) {
                await t.call('PATCH', `/v2/images/${id}`, [{ op: 'remove', path: `/${k}` }], user.token, PATCH);
              }
            }
          }
        }
      }
      for (const body of [...HOSTILE, [{}], [{ op: 'add' }], [{ op: 'add', path: 5, value: 1 }], [{ add: ['x'] }]]) {
        expect4xx(await t.call('PATCH', `/v2/images/${id}`, body, user.token, PATCH), `PATCH body ${JSON.stringify(body)?.slice(0, 40)}`);
      }
      expect4xx(await t.call('PATCH', `/v2/images/${id}`, 'not json', user.token, PATCH), 'PATCH not json');
    });

    it('lists: odd query strings', async () => {
      const keys = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'name', 'status', 'visibility', 'member_status', 'size_min', 'size_max', 'size',
        'min_ram', 'created_at', 'updated_at', 'tag', 'protected', 'os_hidden', 'owner', 'id', 'custom'];
      const values = ['', 'x', '-1', '99999999999999999999', 'in:', 'in:"a', 'in:a,"b,c"', 'gte:', 'gte:2020-13-45', 'eq:x', '%00', '%ff%fe', 'a'.repeat(5000), 'name:asc,size', ':', ',,'];
      for (const k of keys) {
        for (const v of values) expect4xx(await t.call('GET', `/v2/images?${k}=${v}`, undefined, user.token), `GET ?${k}=${v.slice(0, 30)}`);
      }
    });

    it('members, tags, data and actions with odd ids and bodies', async () => {
      const odd = ['x', '%20', 'a'.repeat(3000), '00000000-0000-0000-0000-00000000000g', `${id}x`];
      for (const o of odd) {
        for (const [method, url] of [['GET', `/v2/images/${o}`], ['DELETE', `/v2/images/${o}`], ['PUT', `/v2/images/${o}/tags/x`], ['GET', `/v2/images/${o}/members`],
          ['GET', `/v2/images/${o}/file`], ['POST', `/v2/images/${o}/actions/deactivate`], ['PUT', `/v2/images/${id}/tags/${o}`], ['GET', `/v2/images/${id}/members/${o}`]] as const) {
          expect4xx(await t.call(method, url, undefined, user.token), `${method} ${url.slice(0, 80)}`);
        }
      }
      for (const body of HOSTILE) {
        expect4xx(await t.call('POST', `/v2/images/${id}/members`, body, user.token), `member body ${JSON.stringify(body)?.slice(0, 40)}`);
        expect4xx(await t.call('POST', `/v2/images/${id}/members`, { member: body }, user.token), `member ${JSON.stringify(body)?.slice(0, 40)}`);
        expect4xx(await t.call('PUT', `/v2/images/${id}/members/${user.projectId}`, { status: body }, user.token), `member status ${JSON.stringify(body)?.slice(0, 40)}`);
      }
      for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/octet-stream; charset=x' }, { 'content-type': '' }, { range: 'bytes=5-1' }, { range: 'lines=1-2' }] as Array<Record<string, string>>) {
        expect4xx(await t.call('PUT', `/v2/images/${id}/file`, Buffer.from('x'), user.token, headers), `upload ${JSON.stringify(headers)}`);
        expect4xx(await t.call('GET', `/v2/images/${id}/file`, undefined, user.token, headers), `download ${JSON.stringify(headers)}`);
      }
    });

    it('leaves the stored image as it was', async () => {
      const now = (await t.call('GET', `/v2/images/${id}`, undefined, user.token)).json();
      const was = JSON.parse(before0);
      delete now.updated_at;
      delete was.updated_at;
      assert.equal(now.status, was.status);
      assert.deepEqual(now.tags, was.tags);
      assert.equal(now.name, was.name);
      assert.equal(now.color, 'blue');
    });
  });
}
