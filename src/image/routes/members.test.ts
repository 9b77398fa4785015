/**
 * Image members through inject(): sharing an image with another project, that project accepting or
 * rejecting it, who may see and change which membership, and Glance's statuses for the rest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestImageService, type TestImageService } from '../testing.js';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('image members', () => {
  let t: TestImageService;
  let owner: { projectId: string; token: string };
  let friend: { projectId: string; token: string };
  let stranger: { projectId: string; token: string };
  before(async () => {
    t = await createTestImageService();
    owner = await t.identity.makeUser({ name: 'owner' });
    friend = await t.identity.makeUser({ name: 'friend' });
    stranger = await t.identity.makeUser({ name: 'stranger' });
  });
  after(async () => { await t?.close(); });

  const listIds = async (token: string, qs = ''): Promise<string[]> => (await t.call('GET', `/v2/images${qs}`, undefined, token)).json().images.map((i: { id: string }) => i.id);

  it('shares, accepts, rejects and unshares an image', async () => {
    const id = (await t.call('POST', '/v2/images', { name: 'shared' }, owner.token)).json().id as string;
    const url = `/v2/images/${id}/members`;
    assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, friend.token)).statusCode, 404, 'not visible before sharing');
    const add = await t.call('POST', url, { member: friend.projectId }, owner.token);
    assert.equal(add.statusCode, 200);
    assert.deepEqual({ ...(add.json() as Record<string, unknown>), created_at: 'x', updated_at: 'x' }, { member_id: friend.projectId, image_id: id, status: 'pending', created_at: 'x', updated_at: 'x', schema: '/v2/schemas/member' });
    assert.equal((await t.call('POST', url, { member: friend.projectId }, owner.token)).statusCode, 409);
    assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, friend.token)).statusCode, 200, 'a member sees it, even pending');
    assert.ok(!(await listIds(friend.token)).includes(id), 'but does not list it until accepted');
    assert.ok((await listIds(friend.token, '?member_status=pending&visibility=shared')).includes(id));
    assert.equal((await t.call('PUT', `${url}/${friend.projectId}`, { status: 'accepted' }, owner.token)).statusCode, 403, 'the owner cannot accept for the member');
    assert.equal((await t.call('PUT', `${url}/${friend.projectId}`, { status: 'maybe' }, friend.token)).statusCode, 400);
    assert.equal((await t.call('PUT', `${url}/${friend.projectId}`, {}, friend.token)).statusCode, 400);
    const accepted = await t.call('PUT', `${url}/${friend.projectId}`, { status: 'accepted' }, friend.token);
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json().status, 'accepted');
    assert.ok((await listIds(friend.token)).includes(id));
    assert.equal((await t.call('PUT', `${url}/${friend.projectId}`, { status: 'rejected' }, friend.token)).json().status, 'rejected');
    assert.ok(!(await listIds(friend.token)).includes(id));
    // Members: the owner sees all, a member only itself, a stranger nothing.
    await t.call('POST', url, { member: stranger.projectId }, owner.token);
    assert.equal((await t.call('GET', url, undefined, owner.token)).json().members.length, 2);
    assert.deepEqual((await t.call('GET', url, undefined, friend.token)).json().members.map((m: { member_id: string }) => m.member_id), [friend.projectId]);
    assert.equal((await t.call('GET', `${url}/${stranger.projectId}`, undefined, friend.token)).statusCode, 404);
    assert.equal((await t.call('GET', `${url}/${friend.projectId}`, undefined, owner.token)).json().status, 'rejected');
    assert.equal((await t.call('POST', url, { member: 'someone' }, friend.token)).statusCode, 403, 'only the owner shares');
    assert.equal((await t.call('DELETE', `${url}/${friend.projectId}`, undefined, owner.token)).statusCode, 204);
    assert.equal((await t.call('DELETE', `${url}/${friend.projectId}`, undefined, owner.token)).statusCode, 404);
    assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, friend.token)).statusCode, 404, 'unshared again');
  });

  it('refuses members on images that are not shared, and bad bodies', async () => {
    const id = (await t.call('POST', '/v2/images', { name: 'private', visibility: 'private' }, owner.token)).json().id as string;
    const url = `/v2/images/${id}/members`;
    assert.equal((await t.call('POST', url, { member: friend.projectId }, owner.token)).statusCode, 403);
    assert.equal((await t.call('GET', url, undefined, owner.token)).statusCode, 403);
    assert.equal((await t.call('GET', url, undefined, stranger.token)).statusCode, 404, 'the image is invisible to others');
    await t.call('PATCH', `/v2/images/${id}`, [{ op: 'replace', path: '/visibility', value: 'shared' }], owner.token, PATCH);
    assert.equal((await t.call('POST', url, {}, owner.token)).statusCode, 400);
    assert.equal((await t.call('POST', url, { member: '' }, owner.token)).statusCode, 400);
    assert.equal((await t.call('POST', url, [], owner.token)).statusCode, 400);
    assert.equal((await t.call('POST', url, { member: friend.projectId }, owner.token)).statusCode, 200);
    // Making the image private hides it from its members again (their membership stays).
    await t.call('PATCH', `/v2/images/${id}`, [{ op: 'replace', path: '/visibility', value: 'private' }], owner.token, PATCH);
    assert.equal((await t.call('GET', `/v2/images/${id}`, undefined, friend.token)).statusCode, 404);
  });
});
