/**
 * The typed client against the image service listening on a loopback port: records, patches, streamed
 * upload and download, tags, members, deactivation, and faults coming back as the platform's types.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import net, { type AddressInfo } from 'node:net';
import { Conflict, Forbidden, NotFound, Unauthorized, Unavailable } from '../platform/errors.js';
import { createTestImageService, type TestImageService } from './testing.js';
import { customProperties, ImageClient } from './client.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('ImageClient', () => {
  let t: TestImageService;
  let client: ImageClient;
  let user: { projectId: string; token: string };
  let other: { projectId: string; token: string };
  before(async () => {
    t = await createTestImageService();
    await t.service.app.listen({ host: '127.0.0.1', port: 0 });
    client = new ImageClient(`http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}`);
    user = await t.identity.makeUser({ name: 'client-user' });
    other = await t.identity.makeUser({ name: 'client-other' });
  });
  after(async () => { await t?.close(); });

  it('creates, updates, uploads a stream, downloads it and deletes', async () => {
    const image = await client.create(user.token, { name: 'c', container_format: 'bare', disk_format: 'raw', os_distro: 'x' });
    assert.equal(image.status, 'queued');
    assert.deepEqual(customProperties(image), { os_distro: 'x' });
    const updated = await client.update(user.token, image.id, [{ op: 'replace', path: '/name', value: 'renamed' }, { op: 'add', path: '/k', value: 'v' }]);
    assert.equal(updated.name, 'renamed');
    assert.equal(updated.k, 'v');
    await assert.rejects(client.download(user.token, image.id), Conflict, 'no data yet');

    const data = randomBytes(6 * 1024 * 1024 + 3);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    await client.upload(user.token, image.id, Readable.from(chunks));
    const active = await client.get(user.token, image.id);
    assert.equal(active.status, 'active');
    assert.equal(active.size, data.length);
    const down = await client.download(user.token, image.id);
    assert.equal(down.size, data.length);
    assert.equal(down.checksum, createHash('md5').update(data).digest('hex'));
    assert.ok((await readAll(down.stream)).equals(data));
    await assert.rejects(client.upload(user.token, image.id, Buffer.from('again')), Conflict);
    // Refused while the client is still sending a large stream: the fault still arrives as such.
    await assert.rejects(client.upload(user.token, image.id, Readable.from(Array.from({ length: 600 }, () => randomBytes(65536)))), Conflict);

    await client.addTag(user.token, image.id, 'blue');
    assert.deepEqual((await client.get(user.token, image.id)).tags, ['blue']);
    await client.removeTag(user.token, image.id, 'blue');
    await client.deactivate(user.token, image.id);
    await assert.rejects(client.download(user.token, image.id), Forbidden);
    await client.reactivate(user.token, image.id);

    const member = await client.addMember(user.token, image.id, other.projectId);
    assert.equal(member.status, 'pending');
    assert.equal((await client.updateMember(other.token, image.id, other.projectId, 'accepted')).status, 'accepted');
    assert.ok((await client.listAll(other.token)).some((i) => i.id === image.id));
    assert.equal((await client.listMembers(user.token, image.id)).length, 1);
    await client.removeMember(user.token, image.id, other.projectId);

    await client.delete(user.token, image.id);
    await assert.rejects(client.get(user.token, image.id), NotFound);
  });

  it('pages through a list with listAll', async () => {
    for (let i = 0; i < 5; i++) await client.create(user.token, { name: `page-${i}`, visibility: 'private' });
    const first = await client.list(user.token, { limit: 2, sort: 'name:asc' });
    assert.equal(first.images.length, 2);
    assert.ok(first.next);
    const all = await client.listAll(user.token, { limit: 2, sort: 'name:asc' });
    assert.deepEqual(all.filter((i) => i.name?.startsWith('page-')).map((i) => i.name), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('leaves the image queued when the connection drops mid-upload (Content-Length or chunked)', async () => {
    const port = (t.service.app.server.address() as AddressInfo).port;
    for (const framing of ['content-length: 1000000', 'transfer-encoding: chunked']) {
      const image = await client.create(user.token, { name: 'cut', container_format: 'bare', disk_format: 'raw' });
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`PUT /v2/images/${image.id}/file HTTP/1.1\r\nhost: x\r\nx-auth-token: ${user.token}\r\ncontent-type: application/octet-stream\r\n${framing}\r\n\r\n`);
          socket.write(framing.startsWith('content') ? Buffer.alloc(5000, 1) : `1388\r\n${'a'.repeat(5000)}\r\n`);
          setTimeout(() => { socket.destroy(); setTimeout(resolve, 300); }, 200);
        });
      });
      const after = await client.get(user.token, image.id);
      assert.equal(after.status, 'queued', framing);
      assert.equal(after.size, null);
    }
  });

  it('turns error statuses into typed faults', async () => {
    await assert.rejects(client.get(user.token, '00000000-0000-0000-0000-000000000000'), (err: Error) => err instanceof NotFound && /No image found/.test(err.message));
    await assert.rejects(client.get('not-a-token', '00000000-0000-0000-0000-000000000000'), Unauthorized);
    await assert.rejects(client.create(user.token, { visibility: 'public' }), Forbidden);
    await assert.rejects(new ImageClient('http://127.0.0.1:9').get(user.token, 'x'), Unavailable);
  });
});
