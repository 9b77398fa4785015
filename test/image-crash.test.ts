/**
 * Crash safety of image data against the real server: SIGKILL the cloud in the middle of an upload,
 * start it again on the same data, and find the interrupted image queued (and uploadable again), no blob
 * or temp file left from the lost upload, and the images stored before the crash intact.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { IdentityClient } from '../src/identity/client.js';
import { ImageClient } from '../src/image/client.js';
import { dockerArchive, makeLayer } from '../src/image/blobs/testing-archives.js';

function blobNames(dataDir: string): string[] {
  const dir = path.join(dataDir, 'image', 'blobs');
  return fs.readdirSync(dir).flatMap((shard) => fs.readdirSync(path.join(dir, shard))).sort();
}

/** The admin's token and the image endpoint from the catalog. */
async function connect(cloud: TestCloud): Promise<{ token: string; images: ImageClient }> {
  const { token } = await new IdentityClient(cloud.identityUrl).passwordToken({ user: 'admin', password: cloud.adminPassword, project: 'admin' });
  const res = await fetch(`${cloud.identityUrl}/auth/catalog`, { headers: { 'x-auth-token': token } });
  const catalog = (await res.json()) as { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> };
  const url = catalog.catalog.find((s) => s.type === 'image')!.endpoints.find((e) => e.interface === 'public')!.url;
  return { token, images: new ImageClient(url) };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('image data across a SIGKILL', () => {
  let cloud: TestCloud | undefined;
  after(async () => {
    if (!cloud) return;
    await cloud.stop();
    fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  });

  it('leaves an interrupted upload queued with no orphan blobs after the restart', { timeout: 120_000 }, async () => {
    cloud = await startTestCloud();
    let { token, images } = await connect(cloud);
    const archive = dockerArchive([makeLayer(800_000), makeLayer(200_000)], 'flotilla/crash:1');
    const kept = await images.create(token, { name: 'kept', container_format: 'docker', disk_format: 'raw' });
    await images.upload(token, kept.id, archive);
    const keptBlobs = blobNames(cloud.dataDir);

    // A 40 MiB upload sent slowly; the process is killed once a few 4 MiB chunks are durable.
    const victim = await images.create(token, { name: 'victim', container_format: 'bare', disk_format: 'raw' });
    let sent = 0;
    const server = cloud;
    const slow = new Readable({
      read() {
        if (sent >= 40 * 1024 * 1024) { this.push(null); return; }
        setTimeout(() => { sent += 256 * 1024; this.push(randomBytes(256 * 1024)); }, 2);
      },
    });
    const upload = images.upload(token, victim.id, slow).then(() => 'finished', () => 'failed');
    while (sent < 14 * 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
    await server.stop('SIGKILL');
    slow.destroy();
    assert.equal(await upload, 'failed');
    assert.ok(blobNames(server.dataDir).length > keptBlobs.length, 'the lost upload had written blobs before the kill');

    cloud = await startTestCloud({ dataDir: server.dataDir, adminPassword: server.adminPassword });
    ({ token, images } = await connect(cloud));
    const after = await images.get(token, victim.id);
    assert.equal(after.status, 'queued');
    assert.equal(after.size, null);
    assert.deepEqual(blobNames(cloud.dataDir), keptBlobs, 'only the blobs of committed images remain');
    assert.deepEqual(fs.readdirSync(path.join(cloud.dataDir, 'image', 'tmp')), [], 'no temp file either');
    assert.ok((await readAll((await images.download(token, kept.id)).stream)).equals(archive), 'the image stored before the crash is intact');
    const retry = randomBytes(100_000);
    await images.upload(token, victim.id, retry);
    assert.ok((await readAll((await images.download(token, victim.id)).stream)).equals(retry), 'the upload can be made again');
  });
});
