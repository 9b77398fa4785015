/**
 * ImageStore and ImageData on every engine: images with their properties and tags, soft deletion,
 * listing visibility, members, compare-and-set status changes, and uploads that race, fail or lose
 * their image half-way.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Conflict, Gone, NotFound } from '../platform/errors.js';
import { silentLogger } from '../platform/log.js';
import { ENGINES, openImageTestDatabase } from './testing.js';
import { ImageStore } from './store.js';
import { BlobStore } from './blobs/store.js';
import { ImageData } from './data.js';
import { parseImageQuery, type Viewer } from './query.js';
import { nowIso, type Image, type ImageId } from './model.js';

function image(extra: Partial<Image> = {}): Image {
  const now = nowIso();
  return {
    id: randomUUID() as ImageId, name: 'img', status: 'queued', visibility: 'private', protected: false, osHidden: false,
    checksum: null, osHashAlgo: null, osHashValue: null, owner: 'p1', size: null, virtualSize: null,
    containerFormat: 'bare', diskFormat: 'raw', minRam: 0, minDisk: 0, createdAt: now, updatedAt: now,
    properties: {}, tags: [], ...extra,
  };
}

async function* chunks(parts: Buffer[], failAfter?: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts.length; i++) {
    if (failAfter !== undefined && i === failAfter) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    yield parts[i]!;
  }
}

const blobCount = (dir: string): number => (fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((s) => fs.readdirSync(path.join(dir, s))).length : 0);

for (const { engine, skip } of ENGINES) {
  describe(`ImageStore and ImageData (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: Awaited<ReturnType<typeof openImageTestDatabase>>;
    let store: ImageStore;
    let data: ImageData;
    let blobDir: string;
    before(async () => {
      t = await openImageTestDatabase(engine);
      store = new ImageStore(t.database.db);
      data = new ImageData(store, new BlobStore(path.join(t.dataDir, 'image')), silentLogger());
      blobDir = path.join(t.dataDir, 'image', 'blobs');
    });
    after(async () => t?.close());

    test('creates and finds an image with every attribute, properties and tags', async () => {
      const img = image({ name: null, minRam: 64, protected: true, osHidden: true, properties: { os_distro: 'debian', kernel_id: null }, tags: ['b', 'a'] });
      await store.create(img);
      assert.deepEqual(await store.find(img.id), { ...img, tags: ['a', 'b'] });
      await assert.rejects(store.create(img), Conflict);
      assert.equal(await store.find(randomUUID() as ImageId), undefined);
    });

    test('saves changes, compare-and-set on the status', async () => {
      const img = image();
      await store.create(img);
      img.name = 'renamed';
      img.properties = { a: '1' };
      img.tags = ['t'];
      await store.save(img, 'queued');
      assert.deepEqual(await store.find(img.id), img);
      img.status = 'active';
      await assert.rejects(store.save({ ...img }, 'saving'), Conflict, 'its status is not saving');
      await assert.rejects(store.save(image(), 'queued'), NotFound);
    });

    test('deletes softly: gone for every read, its id never reused', async () => {
      const img = image();
      await store.create(img);
      await store.delete(img.id);
      assert.equal(await store.find(img.id), undefined);
      await assert.rejects(store.delete(img.id), NotFound);
      await assert.rejects(store.create(img), Conflict);
    });

    test('lists what each viewer may see', async () => {
      const mk = async (owner: string, visibility: Image['visibility']): Promise<Image> => { const i = image({ owner, visibility, name: `${owner}-${visibility}` }); await store.create(i); return i; };
      const own = await mk('v1', 'private');
      const pub = await mk('v2', 'public');
      const shared = await mk('v2', 'shared');
      const community = await mk('v2', 'community');
      await mk('v2', 'private');
      await store.addMember({ imageId: shared.id, memberId: 'v1', status: 'pending', createdAt: nowIso(), updatedAt: nowIso() });
      const ids = async (viewer: Viewer, qs = ''): Promise<string[]> => (await store.query(parseImageQuery(new URLSearchParams(`limit=1000&${qs}`), viewer))).images.map((i) => i.id);
      const v1 = { admin: false, project: 'v1' };
      const seen = await ids(v1, 'owner=v1');
      assert.deepEqual(seen, [own.id]);
      const all = await ids(v1);
      assert.ok(all.includes(own.id) && all.includes(pub.id));
      assert.ok(!all.includes(shared.id), 'a pending share is not listed by default');
      assert.ok(!all.includes(community.id), 'others’ community images are listed only on request');
      assert.ok((await ids(v1, 'member_status=pending')).includes(shared.id));
      assert.ok((await ids(v1, 'visibility=community')).includes(community.id));
      await store.setMemberStatus(shared.id, 'v1', 'accepted');
      assert.ok((await ids(v1)).includes(shared.id));
      const admin = await ids({ admin: true, project: 'admin' });
      assert.ok(admin.includes(shared.id) && admin.includes(own.id));
      assert.equal((await ids({ admin: false, project: 'v3' }, 'owner=v2')).length, 1, 'only the public one');
    });

    test('keeps members unique per image', async () => {
      const img = image({ visibility: 'shared' });
      await store.create(img);
      const m = { imageId: img.id, memberId: 'm1', status: 'pending' as const, createdAt: nowIso(), updatedAt: nowIso() };
      await store.addMember(m);
      await assert.rejects(store.addMember(m), Conflict);
      assert.equal((await store.setMemberStatus(img.id, 'm1', 'rejected')).status, 'rejected');
      await store.removeMember(img.id, 'm1');
      await assert.rejects(store.removeMember(img.id, 'm1'), NotFound);
      assert.deepEqual(await store.members(img.id), []);
    });

    test('one of two racing uploads wins; the loser gets Conflict and writes nothing', async () => {
      const img = image();
      await store.create(img);
      const before0 = blobCount(blobDir);
      const [a, b] = await Promise.allSettled([
        data.upload(img, chunks([Buffer.from('first '), Buffer.from('upload')])),
        data.upload(img, chunks([Buffer.from('second upload')])),
      ]);
      assert.deepEqual([a.status, b.status].sort(), ['fulfilled', 'rejected']);
      const loser = (a.status === 'rejected' ? a : b) as PromiseRejectedResult;
      assert.ok(loser.reason instanceof Conflict);
      const saved = (await store.find(img.id))!;
      assert.equal(saved.status, 'active');
      assert.ok(saved.size === 12 || saved.size === 13);
      assert.equal(blobCount(blobDir), before0 + 1);
    });

    test('an upload cut off half-way leaves the image queued and no new blob', async () => {
      const img = image({ containerFormat: 'bare' });
      await store.create(img);
      const before0 = blobCount(blobDir);
      const parts = Array.from({ length: 6 }, () => Buffer.alloc(1024 * 1024, 7));
      await assert.rejects(data.upload(img, chunks(parts, 5)));
      const saved = (await store.find(img.id))!;
      assert.equal(saved.status, 'queued');
      assert.equal(saved.size, null);
      assert.equal(blobCount(blobDir), before0, 'the 4 MiB chunk written before the cut is gone');
      await data.upload(img, chunks([Buffer.from('retry')]));
      assert.equal((await store.find(img.id))!.status, 'active');
    });

    test('an image deleted during its upload: Gone, and its blobs are collected', async () => {
      const img = image();
      await store.create(img);
      const before0 = blobCount(blobDir);
      async function* deleteMidway(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(5 * 1024 * 1024, 3);
        await store.delete(img.id);
        yield Buffer.from('tail');
      }
      await assert.rejects(data.upload(img, deleteMidway()), Gone);
      assert.equal(blobCount(blobDir), before0);
    });
  });
}
