/**
 * Quotas through the API: os-quota-sets (show, defaults, detail, update with Nova's checks, delete, per
 * user), /limits with usage, and enforcement on create, multi-create, resize, key pairs, metadata and
 * server groups with Nova's 403 messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCompute, type TestCompute } from '../testing.js';

describe('quotas and limits', () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  const V = '2.79';
  const boot = (name: string, extra: Record<string, unknown> = {}, flavorRef = '1') =>
    t.call('POST', '/v2.1/servers', { server: { name, imageRef: t.imageId, flavorRef, networks: 'none', ...extra } }, { token: user.token, version: V });

  before(async () => {
    t = await createTestCompute();
    user = await t.identity.makeUser({ name: 'quota-user' });
    await t.register('host-a', { resources: { vcpus: 64, memoryMb: 262144, diskGb: 4000 } });
  });
  after(async () => { await t?.close(); });

  it('shows Nova\'s defaults, per microversion', async () => {
    const d = (await t.call('GET', `/v2.1/os-quota-sets/${user.projectId}/defaults`, undefined, { token: user.token })).json().quota_set;
    assert.deepEqual(d, {
      id: user.projectId, cores: 20, injected_files: 5, injected_file_content_bytes: 10240, injected_file_path_bytes: 255, instances: 10,
      key_pairs: 100, metadata_items: 128, ram: 51200, server_groups: 10, server_group_members: 10, fixed_ips: -1, floating_ips: -1,
      security_groups: -1, security_group_rules: -1,
    });
    const v257 = (await t.call('GET', `/v2.1/os-quota-sets/${user.projectId}`, undefined, { token: user.token, version: '2.57' })).json().quota_set;
    assert.deepEqual(Object.keys(v257).sort(), ['cores', 'id', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']);
  });

  it('only admins update; another project\'s quota is forbidden to a member', async () => {
    const other = await t.identity.makeUser({ name: 'quota-other' });
    assert.equal((await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 5 } }, { token: user.token })).statusCode, 403);
    assert.equal((await t.call('GET', `/v2.1/os-quota-sets/${user.projectId}`, undefined, { token: other.token })).statusCode, 403);
    const bad = await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 'many' } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { bogus: 1 } })).statusCode, 400);
    assert.equal((await t.call('PUT', '/v2.1/os-quota-sets/no-such-project', { quota_set: { instances: 1 } })).statusCode, 400);
  });

  it('enforces instances, cores and ram on create, with Nova\'s message; multi-create takes what fits', async () => {
    const r = await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 3, cores: 20, ram: 51200 } }, { version: V });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().quota_set.instances, 3);
    assert.equal(r.json().quota_set.id, undefined, 'an update answers without the id');
    assert.equal((await boot('q-1')).statusCode, 202);
    const over = await boot('q-many', { min_count: 3, max_count: 3 });
    assert.equal(over.statusCode, 403);
    assert.equal(over.json().forbidden.message, 'Quota exceeded for instances: Requested 3, but already used 1 of 3 instances');
    const some = await boot('q-some', { min_count: 1, max_count: 5 });
    assert.equal(some.statusCode, 202);
    const mine = (await t.call('GET', '/v2.1/servers', undefined, { token: user.token })).json().servers;
    assert.equal(mine.length, 3, 'as many as the quota allowed');
    const limits = (await t.call('GET', '/v2.1/limits', undefined, { token: user.token, version: V })).json().limits;
    assert.deepEqual(limits.rate, []);
    assert.equal(limits.absolute.maxTotalInstances, 3);
    assert.equal(limits.absolute.totalInstancesUsed, 3);
    assert.equal(limits.absolute.totalCoresUsed, 3);
    assert.equal(limits.absolute.totalRAMUsed, 1536);
    assert.equal(limits.absolute.maxImageMeta, undefined, 'gone from 2.39');
    const old = (await t.call('GET', '/v2.1/limits', undefined, { token: user.token })).json().limits.absolute;
    assert.equal(old.maxImageMeta, 128);
    assert.equal(old.maxSecurityGroups, -1);
    const detail = (await t.call('GET', `/v2.1/os-quota-sets/${user.projectId}/detail`, undefined, { token: user.token })).json().quota_set;
    assert.deepEqual(detail.instances, { limit: 3, in_use: 3, reserved: 0 });
    const lower = await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 2 } });
    assert.equal(lower.statusCode, 400);
    assert.equal(lower.json().badRequest.message, 'Quota limit 2 for instances must be greater than or equal to already used and reserved 3.');
    assert.equal((await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 2, force: true } })).statusCode, 200);
    await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { instances: 10, cores: 4 } });
    const cores = await boot('q-big', {}, '4');
    assert.equal(cores.statusCode, 403);
    assert.equal(cores.json().forbidden.message, 'Quota exceeded for cores: Requested 4, but already used 3 of 4 cores');
  });

  it('checks resize growth against cores and ram', async () => {
    const id = (await t.call('GET', '/v2.1/servers?name=q-1', undefined, { token: user.token })).json().servers[0].id;
    await t.converge('host-a');
    const r = await t.call('POST', `/v2.1/servers/${id}/action`, { resize: { flavorRef: '4' } }, { token: user.token });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().forbidden.message, 'Quota exceeded for cores: Requested 3, but already used 3 of 4 cores');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { resize: { flavorRef: '3' } }, { token: user.token })).statusCode, 202, 'growing by one core fits');
  });

  it('resets to defaults on delete', async () => {
    assert.equal((await t.call('DELETE', `/v2.1/os-quota-sets/${user.projectId}`)).statusCode, 202);
    assert.equal((await t.call('GET', `/v2.1/os-quota-sets/${user.projectId}`, undefined, { token: user.token })).json().quota_set.instances, 10);
  });

  it('enforces metadata items, key pairs, server groups and group members', async () => {
    await t.call('PUT', `/v2.1/os-quota-sets/${user.projectId}`, { quota_set: { metadata_items: 1, key_pairs: 1, server_groups: 1, server_group_members: 1 } });
    const meta = await boot('q-meta', { metadata: { a: '1', b: '2' } });
    assert.equal(meta.statusCode, 403);
    assert.equal(meta.json().forbidden.message, 'Maximum number of metadata items exceeds 1');
    assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'k1' } }, { token: user.token })).statusCode, 200);
    const kp = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'k2' } }, { token: user.token });
    assert.equal(kp.statusCode, 403);
    assert.equal(kp.json().forbidden.message, 'Quota exceeded, too many key pairs.');
    const g = await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'g1', policies: ['affinity'] } }, { token: user.token });
    assert.equal(g.statusCode, 200);
    const g2 = await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'g2', policies: ['affinity'] } }, { token: user.token });
    assert.equal(g2.statusCode, 403);
    assert.equal(g2.json().forbidden.message, 'Quota exceeded, too many server groups.');
    const group = g.json().server_group.id;
    assert.equal((await boot('q-member-1', { }, '1').then(() => t.call('POST', '/v2.1/servers', { server: { name: 'q-m1', imageRef: t.imageId, flavorRef: '1' }, 'os:scheduler_hints': { group } }, { token: user.token }))).statusCode, 202);
    const second = await t.call('POST', '/v2.1/servers', { server: { name: 'q-m2', imageRef: t.imageId, flavorRef: '1' }, 'os:scheduler_hints': { group } }, { token: user.token });
    assert.equal(second.statusCode, 403);
    assert.equal(second.json().forbidden.message, 'Quota exceeded, too many servers in group');
    const limits = (await t.call('GET', '/v2.1/limits', undefined, { token: user.token, version: V })).json().limits.absolute;
    assert.equal(limits.totalServerGroupsUsed, 1);
    assert.equal(limits.maxServerGroupMembers, 1);
  });
});
