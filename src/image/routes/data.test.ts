/**
 * Image data through the API: docker archives round-trip byte for byte and share their common layers'
 * storage; Glance's statuses for uploads and downloads; ranges; the service role's reach; and what a
 * restart after a crash mid-upload cleans up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createTestImageService, ENGINES, type TestImageService } from '../testing.js';
import { dockerArchive, makeLayer } from '../blobs/testing-archives.js';

const DATA = { 'content-type': 'application/octet-stream' };
const hash = (algo: string, b: Buffer): string => createHash(algo).update(b).digest('hex');

/** Every blob file under the store, with its size. */
function blobFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!fs.existsSync(dir)) return out;
  for (const shard of fs.readdirSync(dir)) {
    for (const name of fs.readdirSync(path.join(dir, shard))) out.set(name, fs.statSync(path.join(dir, shard, name)).size);
  }
  return out;
}
const stored = (dir: string): number => [...blobFiles(dir).values()].reduce((a, b) => a + b, 0);

for (const { engine, skip } of ENGINES) {
  describe(`image data (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestImageService;
    let alice: { projectId: string; token: string };
    let bob: { projectId: string; token: string };
    before(async () => {
      t = await createTestImageService(engine);
      alice = await t.identity.makeUser({ name: 'alice' });
      bob = await t.identity.makeUser({ name: 'bob' });
    });
    after(async () => { await t?.close(); });

    const create = async (body: Record<string, unknown>, token = alice.token): Promise<string> => {
      const res = await t.call('POST', '/v2/images', body, token);
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };

    it('round-trips a docker archive byte for byte, with Glance’s checksums', async () => {
      const archive = dockerArchive([makeLayer(400_000), makeLayer(100_000)], 'flotilla/test:1');
      const id = await create({ name: 'archive', container_format: 'docker', disk_format: 'raw' });
      assert.equal((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token)).statusCode, 204, 'no data yet');
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, archive, alice.token, DATA)).statusCode, 204);
      const image = (await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json();
      assert.equal(image.status, 'active');
      assert.equal(image.size, archive.length);
      assert.equal(image.checksum, hash('md5', archive));
      assert.equal(image.os_hash_algo, 'sha512');
      assert.equal(image.os_hash_value, hash('sha512', archive));
      const down = await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token);
      assert.equal(down.statusCode, 200);
      assert.equal(down.headers['content-md5'], image.checksum);
      assert.equal(down.headers['content-type'], 'application/octet-stream');
      assert.equal(Number(down.headers['content-length']), archive.length);
      assert.ok(down.rawPayload.equals(archive), 'the download is the upload');
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, archive, alice.token, DATA)).statusCode, 409, 'an active image takes no more data');
    });

    it('stores a layer two archives share once, and keeps it until neither needs it', async () => {
      const base = makeLayer(1_000_000);
      const a = dockerArchive([base, makeLayer(50_000)], 'flotilla/a:1');
      const b = dockerArchive([base, makeLayer(60_000)], 'flotilla/b:1');
      const before0 = stored(t.blobDir);
      const ida = await create({ name: 'a', container_format: 'docker', disk_format: 'raw' });
      await t.call('PUT', `/v2/images/${ida}/file`, a, alice.token, DATA);
      const afterA = stored(t.blobDir);
      const idb = await create({ name: 'b', container_format: 'docker', disk_format: 'raw' });
      await t.call('PUT', `/v2/images/${idb}/file`, b, alice.token, DATA);
      const afterB = stored(t.blobDir);
      assert.ok(afterA - before0 >= a.length - 20_000, 'the first archive is stored in full');
      assert.ok(afterB - afterA < b.length - base.length + 20_000, `the second adds ${afterB - afterA} bytes, not its ${b.length}`);
      assert.equal(blobFiles(t.blobDir).get(hash('sha256', base)), base.length, 'the layer is one blob, named by its SHA-256');
      assert.ok((await t.call('GET', `/v2/images/${idb}/file`, undefined, alice.token)).rawPayload.equals(b));
      assert.equal((await t.call('DELETE', `/v2/images/${ida}`, undefined, alice.token)).statusCode, 204);
      assert.ok(blobFiles(t.blobDir).has(hash('sha256', base)), 'b still needs the layer');
      assert.ok((await t.call('GET', `/v2/images/${idb}/file`, undefined, alice.token)).rawPayload.equals(b));
      assert.equal((await t.call('DELETE', `/v2/images/${idb}`, undefined, alice.token)).statusCode, 204);
      assert.ok(!blobFiles(t.blobDir).has(hash('sha256', base)), 'the layer goes with its last image');
      assert.equal(stored(t.blobDir), before0);
    });

    it('chunks other data and serves byte ranges', async () => {
      const data = randomBytes(9 * 1024 * 1024 + 17);
      const id = await create({ name: 'raw', container_format: 'bare', disk_format: 'raw' });
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, data, alice.token, DATA)).statusCode, 204);
      assert.ok((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token)).rawPayload.equals(data));
      const from = 4 * 1024 * 1024 - 10;
      const part = await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token, { range: `bytes=${from}-${from + 99}` });
      assert.equal(part.statusCode, 206);
      assert.equal(part.headers['content-range'], `bytes ${from}-${from + 99}/${data.length}`);
      assert.ok(part.rawPayload.equals(data.subarray(from, from + 100)), 'a range across two chunks');
      const tail = await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token, { range: 'bytes=-5' });
      assert.ok(tail.rawPayload.equals(data.subarray(data.length - 5)));
      assert.equal((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token, { range: `bytes=${data.length}-` })).statusCode, 416);
    });

    it('answers uploads and downloads with Glance’s statuses', async () => {
      const noFormats = await create({ name: 'bare' });
      assert.equal((await t.call('PUT', `/v2/images/${noFormats}/file`, Buffer.from('x'), alice.token, DATA)).statusCode, 400);
      assert.equal((await t.call('GET', `/v2/images/${noFormats}`, undefined, alice.token)).json().status, 'queued', 'a refused upload leaves it queued');
      const id = await create({ name: 'typed', container_format: 'bare', disk_format: 'raw', visibility: 'private' });
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, Buffer.from('x'), alice.token, { 'content-type': 'application/json' })).statusCode, 415);
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, Buffer.from('x'), bob.token, DATA)).statusCode, 404, 'another project’s private image');
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, Buffer.from('x'), null, DATA)).statusCode, 401);
      assert.equal((await t.call('GET', `/v2/images/${id}/file`, undefined, bob.token)).statusCode, 404);
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, Buffer.alloc(0), alice.token, DATA)).statusCode, 204, 'empty data is data');
      const empty = (await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json();
      assert.equal(empty.size, 0);
      assert.equal(empty.checksum, hash('md5', Buffer.alloc(0)));
      const down = await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token);
      assert.equal(down.statusCode, 200);
      assert.equal(down.rawPayload.length, 0);
    });

    it('lets the service role download any image and upload a snapshot into a user’s image', async () => {
      const nova = await t.identity.makeUser({ name: 'nova-test', role: 'service', project: 'service' });
      const data = randomBytes(3000);
      const id = await create({ name: 'private', container_format: 'bare', disk_format: 'raw', visibility: 'private' });
      await t.call('PUT', `/v2/images/${id}/file`, data, alice.token, DATA);
      assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, nova.token)).statusCode, 200);
      assert.ok((await t.call('GET', `/v2/images/${id}/file`, undefined, nova.token)).rawPayload.equals(data));
      const snapshot = await create({ name: 'snap', container_format: 'docker', disk_format: 'raw', visibility: 'private' });
      assert.equal((await t.call('PUT', `/v2/images/${snapshot}/file`, data, nova.token, DATA)).statusCode, 204);
      const image = (await t.call('GET', `/v2/images/${snapshot}`, undefined, alice.token)).json();
      assert.equal(image.status, 'active');
      assert.equal(image.owner, alice.projectId, 'the snapshot stays the user’s');
      assert.equal((await t.call('DELETE', `/v2/images/${snapshot}`, undefined, nova.token)).statusCode, 403, 'but the service cannot delete it');
      assert.equal((await t.call('GET', '/v2/images', undefined, nova.token)).statusCode, 403, 'nor list everyone’s images');
    });

    it('imports staged data with glance-direct', async () => {
      const info = (await t.call('GET', '/v2/info/import', undefined, alice.token)).json();
      assert.deepEqual(info['import-methods'].value, ['glance-direct']);
      const created = await t.call('POST', '/v2/images', { name: 'staged', container_format: 'bare', disk_format: 'raw' }, alice.token);
      assert.equal(created.headers['openstack-image-import-methods'], 'glance-direct');
      const id = created.json().id as string;
      const importReq = { method: { name: 'glance-direct' } };
      assert.equal((await t.call('POST', `/v2/images/${id}/import`, importReq, alice.token)).statusCode, 409, 'nothing staged yet');
      const data = randomBytes(70_000);
      assert.equal((await t.call('PUT', `/v2/images/${id}/stage`, data, alice.token, DATA)).statusCode, 204);
      assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json().status, 'uploading');
      assert.equal((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token)).statusCode, 204, 'staged is not yet the image’s data');
      for (const bad of [{}, { method: {} }, { method: { name: 'web-download' } }, { method: { name: 'glance-direct' }, all_stores: 'yes' }]) {
        assert.equal((await t.call('POST', `/v2/images/${id}/import`, bad, alice.token)).statusCode, 400, JSON.stringify(bad));
      }
      assert.equal((await t.call('POST', `/v2/images/${id}/import`, importReq, bob.token)).statusCode, 404);
      assert.equal((await t.call('POST', `/v2/images/${id}/import`, importReq, alice.token)).statusCode, 202);
      const image = (await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json();
      assert.equal(image.status, 'active');
      assert.equal(image.checksum, hash('md5', data));
      assert.ok((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token)).rawPayload.equals(data));
      assert.equal((await t.call('POST', `/v2/images/${id}/import`, importReq, alice.token)).statusCode, 409, 'active images take no import');
      assert.equal((await t.call('PUT', `/v2/images/${id}/stage`, data, alice.token, DATA)).statusCode, 409);
    });

    it('after a crash mid-upload, a restart returns the image to queued and removes the orphan blobs', async () => {
      const id = await create({ name: 'crashed', container_format: 'bare', disk_format: 'raw' });
      // What a SIGKILL between writing blobs and committing leaves: the image saving, blobs nobody uses,
      // a temp file half written.
      await t.database.db.updateTable('image').set({ status: 'saving', upload_id: 'gone' }).where('id', '=', id).execute();
      // And an image whose staging was cut off, beside one whose staging finished (that one stays staged).
      const stagingId = await create({ name: 'staging', container_format: 'bare', disk_format: 'raw' });
      await t.database.db.updateTable('image').set({ status: 'uploading', upload_id: 'gone' }).where('id', '=', stagingId).execute();
      const stagedId = await create({ name: 'staged-before', container_format: 'bare', disk_format: 'raw' });
      await t.call('PUT', `/v2/images/${stagedId}/stage`, randomBytes(100), alice.token, DATA);
      const orphan = randomBytes(1000);
      const name = hash('sha256', orphan);
      fs.mkdirSync(path.join(t.blobDir, name.slice(0, 2)), { recursive: true });
      fs.writeFileSync(path.join(t.blobDir, name.slice(0, 2), name), orphan);
      fs.writeFileSync(path.join(t.dataDir, 'image', 'tmp', 'half-written'), orphan.subarray(0, 10));
      const kept = [...blobFiles(t.blobDir).keys()].filter((b) => b !== name);
      assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json().status, 'saving');
      await t.restart();
      assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, alice.token)).json().status, 'queued');
      assert.equal((await t.call('GET', `/v2/images/${stagingId}`, undefined, alice.token)).json().status, 'queued');
      assert.equal((await t.call('GET', `/v2/images/${stagedId}`, undefined, alice.token)).json().status, 'uploading');
      assert.deepEqual([...blobFiles(t.blobDir).keys()].sort(), kept.sort(), 'only referenced blobs remain');
      assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'image', 'tmp')), []);
      const data = randomBytes(500);
      assert.equal((await t.call('PUT', `/v2/images/${id}/file`, data, alice.token, DATA)).statusCode, 204, 'the upload can be retried');
      assert.ok((await t.call('GET', `/v2/images/${id}/file`, undefined, alice.token)).rawPayload.equals(data));
    });
  });
}
