import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestIdentity } from '../testing.js';
import { ENGINES, createTestIdentityOn } from '../testing-engines.js';

for (const engine of ENGINES) {
  describe(`/v3/policies (${engine})`, () => {
    let id: TestIdentity;
    let member: { token: string };

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'policy-member' });
    });
    after(async () => { await id.close(); });

    it('creates, shows, updates, lists by type and deletes a policy', async () => {
      const res = await id.call('POST', '/v3/policies', { policy: { blob: '{"a": "rule:x"}', type: 'application/json', note: 'kept' } });
      assert.equal(res.statusCode, 201, res.body);
      const policy = res.json().policy;
      assert.equal(policy.blob, '{"a": "rule:x"}');
      assert.equal(policy.type, 'application/json');
      assert.equal(policy.note, 'kept');
      assert.match(policy.links.self, new RegExp(`/v3/policies/${policy.id}$`));

      const updated = await id.call('PATCH', `/v3/policies/${policy.id}`, { policy: { type: 'text/yaml' } });
      assert.equal(updated.statusCode, 200);
      const shown = (await id.call('GET', `/v3/policies/${policy.id}`)).json().policy;
      assert.equal(shown.type, 'text/yaml');
      assert.equal(shown.blob, policy.blob, 'an update of type keeps the blob');

      assert.deepEqual((await id.call('GET', '/v3/policies?type=text/yaml')).json().policies.map((p: { id: string }) => p.id), [policy.id]);
      assert.equal((await id.call('GET', '/v3/policies?type=other')).json().policies.length, 0);

      assert.equal((await id.call('PATCH', `/v3/policies/${policy.id}`, { policy: { id: 'x' } })).statusCode, 400);
      assert.equal((await id.call('DELETE', `/v3/policies/${policy.id}`)).statusCode, 204);
      const gone = await id.call('GET', `/v3/policies/${policy.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().error.message, `Could not find policy: ${policy.id}.`);
      assert.equal((await id.call('PATCH', `/v3/policies/${policy.id}`, { policy: { type: 't' } })).statusCode, 404);
      assert.equal((await id.call('DELETE', `/v3/policies/${policy.id}`)).statusCode, 404);
    });

    it('validates bodies (400)', async () => {
      assert.equal((await id.call('POST', '/v3/policies', { policy: { type: 't' } })).statusCode, 400);
      assert.equal((await id.call('POST', '/v3/policies', { policy: { blob: 'b', type: 7 } })).statusCode, 400);
      assert.equal((await id.call('POST', '/v3/policies', {})).statusCode, 400);
    });

    it('is admin-only (403 for a member)', async () => {
      assert.equal((await id.call('GET', '/v3/policies', undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('POST', '/v3/policies', { policy: { blob: 'b', type: 't' } }, member.token)).statusCode, 403);
    });
  });

  describe(`OS-ENDPOINT-POLICY (${engine})`, () => {
    let id: TestIdentity;
    let member: { token: string };
    let serviceId: string;
    let parentEp: string;
    let childEp: string;
    let otherEp: string;

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'ep-policy-member' });
      serviceId = (await id.call('POST', '/v3/services', { service: { type: 'compute', name: 'nova' } })).json().service.id;
      await id.call('POST', '/v3/regions', { region: { id: 'Parent' } });
      await id.call('POST', '/v3/regions', { region: { id: 'Child', parent_region_id: 'Parent' } });
      const ep = async (region: string): Promise<string> =>
        (await id.call('POST', '/v3/endpoints', { endpoint: { service_id: serviceId, interface: 'public', url: `http://127.0.0.1/${region}`, region_id: region } })).json().endpoint.id;
      parentEp = await ep('Parent');
      childEp = await ep('Child');
      otherEp = await ep('RegionOne');
    });
    after(async () => { await id.close(); });

    const newPolicy = async (): Promise<string> => (await id.call('POST', '/v3/policies', { policy: { blob: 'b', type: 't' } })).json().policy.id;
    const policyOf = async (endpointId: string) => id.call('GET', `/v3/endpoints/${endpointId}/OS-ENDPOINT-POLICY/policy`);

    it('associates with an endpoint, checks and removes the association', async () => {
      const p = await newPolicy();
      const url = `/v3/policies/${p}/OS-ENDPOINT-POLICY/endpoints/${otherEp}`;
      assert.equal((await id.call('GET', url)).statusCode, 404);
      assert.equal((await id.call('PUT', url)).statusCode, 204);
      assert.equal((await id.call('GET', url)).statusCode, 204);
      assert.equal((await id.call('HEAD', url)).statusCode, 204);
      assert.equal((await policyOf(otherEp)).json().policy.id, p);
      assert.deepEqual((await id.call('GET', `/v3/policies/${p}/OS-ENDPOINT-POLICY/endpoints`)).json().endpoints.map((e: { id: string }) => e.id), [otherEp]);
      assert.equal((await id.call('DELETE', url)).statusCode, 204);
      assert.equal((await id.call('GET', url)).statusCode, 404);
      assert.equal((await policyOf(otherEp)).statusCode, 404);
      assert.equal((await policyOf(otherEp)).json().error.message, `No policy is associated with endpoint ${otherEp}.`);
    });

    it('prefers endpoint over region over service, walking up the region tree', async () => {
      const bySvc = await newPolicy();
      const byRegion = await newPolicy();
      const byEndpoint = await newPolicy();
      assert.equal((await id.call('PUT', `/v3/policies/${bySvc}/OS-ENDPOINT-POLICY/services/${serviceId}`)).statusCode, 204);
      assert.equal((await policyOf(childEp)).json().policy.id, bySvc);
      assert.equal((await id.call('PUT', `/v3/policies/${byRegion}/OS-ENDPOINT-POLICY/services/${serviceId}/regions/Parent`)).statusCode, 204);
      assert.equal((await policyOf(childEp)).json().policy.id, byRegion, 'the parent region\'s association applies to the child region');
      assert.equal((await policyOf(otherEp)).json().policy.id, bySvc);
      assert.equal((await id.call('PUT', `/v3/policies/${byEndpoint}/OS-ENDPOINT-POLICY/endpoints/${childEp}`)).statusCode, 204);
      assert.equal((await policyOf(childEp)).json().policy.id, byEndpoint);

      const regionEndpoints = (await id.call('GET', `/v3/policies/${byRegion}/OS-ENDPOINT-POLICY/endpoints`)).json().endpoints.map((e: { id: string }) => e.id).sort();
      assert.deepEqual(regionEndpoints, [parentEp, childEp].sort());
      const svcEndpoints = (await id.call('GET', `/v3/policies/${bySvc}/OS-ENDPOINT-POLICY/endpoints`)).json().endpoints;
      assert.equal(svcEndpoints.length, 3);

      // Re-associating a target moves it to the new policy.
      assert.equal((await id.call('PUT', `/v3/policies/${bySvc}/OS-ENDPOINT-POLICY/services/${serviceId}/regions/Parent`)).statusCode, 204);
      assert.equal((await id.call('GET', `/v3/policies/${byRegion}/OS-ENDPOINT-POLICY/services/${serviceId}/regions/Parent`)).statusCode, 404);

      // Deleting a policy drops its associations.
      assert.equal((await id.call('DELETE', `/v3/policies/${byEndpoint}`)).statusCode, 204);
      assert.equal((await policyOf(childEp)).json().policy.id, bySvc);
    });

    it('answers 404 for a missing policy, endpoint, service or region', async () => {
      const p = await newPolicy();
      assert.equal((await id.call('PUT', `/v3/policies/nope/OS-ENDPOINT-POLICY/endpoints/${otherEp}`)).statusCode, 404);
      assert.equal((await id.call('PUT', `/v3/policies/${p}/OS-ENDPOINT-POLICY/endpoints/nope`)).statusCode, 404);
      assert.equal((await id.call('PUT', `/v3/policies/${p}/OS-ENDPOINT-POLICY/services/nope`)).statusCode, 404);
      assert.equal((await id.call('PUT', `/v3/policies/${p}/OS-ENDPOINT-POLICY/services/${serviceId}/regions/nope`)).statusCode, 404);
      assert.equal((await id.call('GET', '/v3/policies/nope/OS-ENDPOINT-POLICY/endpoints')).statusCode, 404);
      assert.equal((await policyOf('nope')).statusCode, 404);
    });

    it('is admin-only for changes (403 for a member)', async () => {
      const p = await newPolicy();
      assert.equal((await id.call('PUT', `/v3/policies/${p}/OS-ENDPOINT-POLICY/endpoints/${otherEp}`, undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('GET', `/v3/endpoints/${otherEp}/OS-ENDPOINT-POLICY/policy`, undefined, member.token)).statusCode, 403);
    });
  });
}
