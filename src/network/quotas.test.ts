/**
 * /v2.0/quotas with real identity, on SQLite and PostgreSQL: reading one's own limits, admin-only changes,
 * enforcement with Neutron's OverQuota, usage details, and concurrent creates that cannot overshoot.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';

for (const { engine, skip } of ENGINES) {
  describe(`quotas (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    let other: TestUser;
    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('quota-member');
      other = await t.user('quota-other');
    });
    after(async () => { await t?.close(); });

    it('shows a project its limits and refuses another project\'s', async () => {
      const q = (await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}`, undefined, member.token)).quota;
      assert.deepEqual(q, { floatingip: 50, network: 100, port: 500, router: 10, security_group: 10, security_group_rule: 100, subnet: 100 });
      const foreign = await t.call('GET', `/v2.0/quotas/${member.projectId}`, undefined, other.token);
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.json().NeutronError.type, 'AdminRequired');
      assert.equal((await t.ok(200, 'GET', '/v2.0/quotas/tenant', undefined, member.token)).tenant.tenant_id, member.projectId);
      assert.equal((await t.call('PUT', `/v2.0/quotas/${member.projectId}`, { quota: { network: 1000 } }, member.token)).statusCode, 403);
      assert.equal((await t.call('GET', '/v2.0/quotas', undefined, member.token)).statusCode, 403);
    });

    it('enforces limits an admin sets, also against concurrent creates', async () => {
      assert.equal((await t.ok(200, 'PUT', `/v2.0/quotas/${member.projectId}`, { quota: { network: 3, security_group: 2 } })).quota.network, 3);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => t.call('POST', '/v2.0/networks', { network: { name: `q${i}` } }, member.token)));
      assert.equal(results.filter((r) => r.statusCode === 201).length, 3, results.map((r) => r.statusCode).join(','));
      const over = results.find((r) => r.statusCode !== 201)!;
      assert.equal(over.statusCode, 409);
      assert.deepEqual(over.json().NeutronError, { type: 'OverQuota', message: "Quota exceeded for resources: ['network'].", detail: '' });
      const details = (await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}/details.json`, undefined, member.token)).quota;
      assert.deepEqual(details.network, { limit: 3, used: 3, reserved: 0 });
      assert.equal(details.security_group.used, 1, 'the default group made with the first network');
      await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'one' } }, member.token);
      assert.equal((await t.call('POST', '/v2.0/security-groups', { security_group: { name: 'two' } }, member.token)).json().NeutronError.type, 'OverQuota');
      const listed = (await t.ok(200, 'GET', '/v2.0/quotas')).quotas;
      assert.ok(listed.some((q: any) => q.project_id === member.projectId && q.network === 3));
      await t.ok(204, 'DELETE', `/v2.0/quotas/${member.projectId}`);
      assert.equal((await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}`, undefined, member.token)).quota.network, 100);
      await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'after-reset' } }, member.token);
      assert.deepEqual((await t.ok(200, 'GET', `/v2.0/quotas/${member.projectId}/default`, undefined, member.token)).quota.port, 500);
    });

    it('refuses bad limits with 400s', async () => {
      for (const body of [{ quota: { network: -2 } }, { quota: { network: 'many' } }, { quota: { routers: 1 } }, { quota: 5 }, {}]) {
        const r = await t.call('PUT', `/v2.0/quotas/${member.projectId}`, body);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
        assert.ok(r.json().NeutronError, JSON.stringify(body));
      }
      assert.equal((await t.ok(200, 'PUT', `/v2.0/quotas/${member.projectId}`, { quota: { port: -1 } })).quota.port, -1, '-1 is unlimited');
    });
  });
}
