/**
 * Registration through the real image service (listening on a loopback port, with a real identity):
 * the busybox archive becomes a public docker image with the properties Glance users expect; a second
 * start changes nothing; Flotilla's outdated or half-made images are replaced, other people's are not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageClient } from '../image/client.js';
import { createTestImageService, type TestImageService } from '../image/testing.js';
import { busybox } from './busybox.js';
import { ensureBaseImages, type BaseImageResult } from './index.js';
import { Unbuildable, type Recipe } from './recipe.js';
import { BASE_IMAGE_PROPERTY } from './register.js';

const missing = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'busybox-static'], { encoding: 'utf8' }).stdout?.includes('install ok installed')
  ? undefined : 'Debian package busybox-static is not installed';

describe('base image registration', { skip: missing }, () => {
  let t: TestImageService;
  let images: ImageClient;
  let cacheDir: string;
  let member: { projectId: string; token: string };
  const said: string[] = [];
  const ensure = (recipes: readonly Recipe[] = [busybox], token = t.identity.adminToken): Promise<BaseImageResult[]> =>
    ensureBaseImages({ image: images, token: async () => token, cacheDir, say: (l) => said.push(l), recipes });
  const named = async (name: string) => images.listAll(t.identity.adminToken, { name });

  before(async () => {
    t = await createTestImageService();
    await t.service.app.listen({ host: '127.0.0.1', port: 0 });
    images = new ImageClient(`http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-bi-register-'));
    member = await t.identity.makeUser({ name: 'base-images-member' });
  });
  after(async () => {
    await t?.close();
    if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('registers busybox as a public docker image with its properties and data', async () => {
    const [result] = await ensure();
    assert.equal(result?.status, 'registered');
    if (result?.status !== 'registered') return;
    const image = await images.get(member.token, result.imageId);
    assert.equal(image.name, 'busybox');
    assert.equal(image.status, 'active');
    assert.equal(image.visibility, 'public');
    assert.equal(image.container_format, 'docker');
    assert.equal(image.disk_format, 'raw');
    assert.equal(image.os_distro, 'busybox');
    assert.match(String(image.os_version), /^\d+\.\d+\.\d+$/);
    assert.equal(image.architecture, 'x86_64');
    assert.equal(image[BASE_IMAGE_PROPERTY], 'busybox');
    assert.equal(image.size, result.archive.meta.size);
    assert.equal(image.checksum, result.archive.meta.md5);
    assert.equal(image.os_hash_algo, 'sha512');
    assert.equal(image.os_hash_value, result.archive.meta.sha512);
    // Byte for byte what the cache holds.
    const down = await images.download(member.token, image.id);
    const parts: Buffer[] = [];
    for await (const c of down.stream) parts.push(c as Buffer);
    assert.ok(Buffer.concat(parts).equals(fs.readFileSync(result.archive.path)));
  });

  it('a second start finds the image and registers nothing', async () => {
    const earlier = await named('busybox');
    const [result] = await ensure();
    assert.equal(result?.status, 'present');
    assert.deepEqual((await named('busybox')).map((i) => i.id), earlier.map((i) => i.id));
  });

  it("replaces Flotilla's outdated and half-made images, leaves other people's alone", async () => {
    const [current] = await named('busybox');
    await images.delete(t.identity.adminToken, current!.id);
    // An older build (other data), an upload a crash cut short (queued), and a user's own image of that name.
    const older = await images.create(t.identity.adminToken, { name: 'busybox', visibility: 'public', container_format: 'docker', disk_format: 'raw', [BASE_IMAGE_PROPERTY]: 'busybox' });
    await images.upload(t.identity.adminToken, older.id, Buffer.from('an older archive'));
    const cut = await images.create(t.identity.adminToken, { name: 'busybox', visibility: 'public', container_format: 'docker', disk_format: 'raw', [BASE_IMAGE_PROPERTY]: 'busybox' });
    const theirs = await images.create(member.token, { name: 'busybox', container_format: 'bare', disk_format: 'raw' });

    // And one an admin protected: it stays, and the start says why.
    const kept = await images.create(t.identity.adminToken, { name: 'busybox', visibility: 'public', container_format: 'docker', disk_format: 'raw', protected: true, [BASE_IMAGE_PROPERTY]: 'busybox' });

    const [result] = await ensure();
    assert.equal(result?.status, 'registered');
    assert.ok(said.some((l) => l.startsWith(`busybox: could not remove outdated image ${kept.id}`)));
    await images.update(t.identity.adminToken, kept.id, [{ op: 'replace', path: '/protected', value: false }]);
    await images.delete(t.identity.adminToken, kept.id);
    const left = (await named('busybox')).map((i) => i.id).sort();
    assert.deepEqual(left, [result?.status === 'registered' ? result.imageId : '', theirs.id].sort());
    assert.ok(said.some((l) => l.includes(older.id) && l.includes(cut.id)), 'the removal is said');
  });

  it('reports what cannot be built or registered and goes on with the rest', async () => {
    const nothing: Recipe = {
      name: 'nothing', revision: 1, properties: () => ({}),
      inputs: async () => { throw new Unbuildable('no tool for it here'); },
      build: async () => { throw new Error('not reached'); },
    };
    const results = await ensure([nothing, busybox]);
    assert.deepEqual(results.map((r) => r.status), ['unavailable', 'present']);
    assert.equal(results[0]?.status === 'unavailable' && results[0].reason, 'no tool for it here');
    assert.ok(said.includes('nothing: cannot be built here: no tool for it here'));

    // A member may not make public images: the refusal is reported, and nothing is left behind.
    await images.delete(t.identity.adminToken, (await named('busybox')).find((i) => i[BASE_IMAGE_PROPERTY] === 'busybox')!.id);
    const [refused] = await ensure([busybox], member.token);
    assert.equal(refused?.status, 'unavailable');
    assert.deepEqual((await named('busybox')).filter((i) => i[BASE_IMAGE_PROPERTY] === 'busybox'), []);
  });
});
