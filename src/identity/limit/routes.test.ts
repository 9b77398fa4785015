import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestIdentity } from '../testing.js';
import { ENGINES, createTestIdentityOn } from '../testing-engines.js';

for (const engine of ENGINES) {
  describe(`unified limits (${engine})`, () => {
    let id: TestIdentity;
    let member: { userId: string; projectId: string; token: string };
    let serviceId: string;
    let domainId: string;

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'limit-member' });
      serviceId = (await id.call('POST', '/v3/services', { service: { type: 'compute', name: 'nova' } })).json().service.id;
      domainId = (await id.call('POST', '/v3/domains', { domain: { name: 'limit-domain' } })).json().domain.id;
    });
    after(async () => { await id.close(); });

    const registered = (body: Record<string, unknown>) => id.call('POST', '/v3/registered_limits', { registered_limits: [body] });
    const limits = (body: Record<string, unknown>, token?: string) => id.call('POST', '/v3/limits', { limits: [body] }, token);

    it('reports the flat model to anyone', async () => {
      const res = await id.call('GET', '/v3/limits/model', undefined, member.token);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().model.name, 'flat');
      assert.match(res.json().model.description, /does not take project hierarchy/);
    });

    it('creates registered limits in a batch, lists with filters, updates and deletes them', async () => {
      const res = await id.call('POST', '/v3/registered_limits', {
        registered_limits: [
          { service_id: serviceId, resource_name: 'cores', default_limit: 10, description: 'CPU cores' },
          { service_id: serviceId, region_id: 'RegionOne', resource_name: 'ram_mb', default_limit: 2048 },
        ],
      });
      assert.equal(res.statusCode, 201, res.body);
      const [cores, ram] = res.json().registered_limits;
      assert.equal(res.json().links, undefined, 'the create answer carries no links member');
      assert.deepEqual({ ...cores, id: undefined, links: undefined }, { id: undefined, service_id: serviceId, region_id: null, resource_name: 'cores', default_limit: 10, description: 'CPU cores', links: undefined });
      assert.equal(ram.region_id, 'RegionOne');

      assert.deepEqual((await id.call('GET', `/v3/registered_limits?resource_name=cores`, undefined, member.token)).json().registered_limits.map((r: { id: string }) => r.id), [cores.id]);
      assert.deepEqual((await id.call('GET', `/v3/registered_limits?region_id=RegionOne`)).json().registered_limits.map((r: { id: string }) => r.id), [ram.id]);
      assert.equal((await id.call('GET', `/v3/registered_limits?service_id=${serviceId}`)).json().registered_limits.length, 2);
      assert.equal((await id.call('GET', `/v3/registered_limits/${cores.id}`, undefined, member.token)).json().registered_limit.default_limit, 10);

      const patched = await id.call('PATCH', `/v3/registered_limits/${cores.id}`, { registered_limit: { default_limit: 20, description: null } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().registered_limit.default_limit, 20);
      assert.equal(patched.json().registered_limit.description, null);
      const clash = await id.call('PATCH', `/v3/registered_limits/${cores.id}`, { registered_limit: { resource_name: 'ram_mb', region_id: 'RegionOne' } });
      assert.equal(clash.statusCode, 409);

      assert.equal((await id.call('DELETE', `/v3/registered_limits/${ram.id}`)).statusCode, 204);
      const gone = await id.call('GET', `/v3/registered_limits/${ram.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().error.message, `Could not find registered limit for ${ram.id}.`);
      assert.equal((await id.call('DELETE', `/v3/registered_limits/${ram.id}`)).statusCode, 404);
      assert.equal((await id.call('PATCH', `/v3/registered_limits/${ram.id}`, { registered_limit: { default_limit: 1 } })).statusCode, 404);
    });

    it('refuses duplicates (409), unknown services and regions (400), bad bodies (400), non-admins (403)', async () => {
      assert.equal((await registered({ service_id: serviceId, resource_name: 'instances', default_limit: 5 })).statusCode, 201);
      assert.equal((await registered({ service_id: serviceId, resource_name: 'instances', default_limit: 6 })).statusCode, 409);
      const twice = await id.call('POST', '/v3/registered_limits', {
        registered_limits: [
          { service_id: serviceId, resource_name: 'volumes', default_limit: 1 },
          { service_id: serviceId, resource_name: 'volumes', default_limit: 2 },
        ],
      });
      assert.equal(twice.statusCode, 409);
      assert.equal((await id.call('GET', '/v3/registered_limits?resource_name=volumes')).json().registered_limits.length, 0, 'a failed batch stores nothing');

      const unknownService = await registered({ service_id: 'a'.repeat(32), resource_name: 'x', default_limit: 1 });
      assert.equal(unknownService.statusCode, 400);
      assert.match(unknownService.json().error.message, /^Expecting to find service_id in registered_limit/);
      assert.equal((await registered({ service_id: 'not-a-uuid', resource_name: 'x', default_limit: 1 })).statusCode, 400);
      assert.equal((await registered({ service_id: serviceId, region_id: 'Nowhere', resource_name: 'x', default_limit: 1 })).statusCode, 400);
      assert.equal((await registered({ service_id: serviceId, resource_name: 'x', default_limit: -2 })).statusCode, 400);
      assert.equal((await registered({ service_id: serviceId, resource_name: 'x' })).statusCode, 400);
      assert.equal((await id.call('POST', '/v3/registered_limits', { registered_limits: [] })).statusCode, 400);

      assert.equal((await id.call('POST', '/v3/registered_limits', { registered_limits: [{ service_id: serviceId, resource_name: 'y', default_limit: 1 }] }, member.token)).statusCode, 403);
    });

    it('creates project and domain limits against registered limits, updates and deletes them', async () => {
      await registered({ service_id: serviceId, resource_name: 'floating_ips', default_limit: 2 });
      const res = await limits({ project_id: member.projectId, service_id: serviceId, resource_name: 'floating_ips', resource_limit: 5 });
      assert.equal(res.statusCode, 201, res.body);
      const projectLimit = res.json().limits[0];
      assert.equal(projectLimit.project_id, member.projectId);
      assert.equal(projectLimit.domain_id, null);
      assert.equal(projectLimit.region_id, null);
      assert.equal((await limits({ project_id: member.projectId, service_id: serviceId, resource_name: 'floating_ips', resource_limit: 6 })).statusCode, 409);

      const byDomain = (await limits({ domain_id: domainId, service_id: serviceId, resource_name: 'floating_ips', resource_limit: 50 })).json().limits[0];
      assert.equal(byDomain.domain_id, domainId);
      // A project id that names a domain makes a domain limit (and so here, a duplicate).
      assert.equal((await limits({ project_id: domainId, service_id: serviceId, resource_name: 'floating_ips', resource_limit: 51 })).statusCode, 409);

      const noRegistered = await limits({ project_id: member.projectId, service_id: serviceId, resource_name: 'unregistered', resource_limit: 1 });
      assert.equal(noRegistered.statusCode, 403);
      assert.equal(noRegistered.json().error.message, 'Unable to create a limit that has no corresponding registered limit.');
      assert.equal((await limits({ project_id: 'nope', service_id: serviceId, resource_name: 'floating_ips', resource_limit: 1 })).statusCode, 400);
      assert.equal((await limits({ domain_id: 'nope', service_id: serviceId, resource_name: 'floating_ips', resource_limit: 1 })).statusCode, 400);
      assert.equal((await limits({ service_id: serviceId, resource_name: 'floating_ips', resource_limit: 1 })).statusCode, 400, 'an owner is required');
      assert.equal((await limits({ project_id: member.projectId, domain_id: domainId, service_id: serviceId, resource_name: 'floating_ips', resource_limit: 1 })).statusCode, 400);

      // A registered limit with limits under it can be neither changed nor deleted.
      const reg = (await id.call('GET', '/v3/registered_limits?resource_name=floating_ips')).json().registered_limits[0];
      assert.equal((await id.call('PATCH', `/v3/registered_limits/${reg.id}`, { registered_limit: { default_limit: 3 } })).statusCode, 403);
      assert.equal((await id.call('DELETE', `/v3/registered_limits/${reg.id}`)).statusCode, 403);

      const patched = await id.call('PATCH', `/v3/limits/${projectLimit.id}`, { limit: { resource_limit: 0, description: 'none for you' } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().limit.resource_limit, 0);
      assert.equal(patched.json().limit.description, 'none for you');
      assert.equal((await id.call('PATCH', `/v3/limits/${projectLimit.id}`, { limit: { project_id: domainId } })).statusCode, 400);

      assert.equal((await id.call('DELETE', `/v3/limits/${projectLimit.id}`)).statusCode, 204);
      assert.equal((await id.call('GET', `/v3/limits/${projectLimit.id}`)).statusCode, 404);
      assert.equal((await id.call('DELETE', `/v3/limits/${projectLimit.id}`)).statusCode, 404);
      assert.equal((await id.call('DELETE', `/v3/limits/${byDomain.id}`)).statusCode, 204);
      assert.equal((await id.call('DELETE', `/v3/registered_limits/${reg.id}`)).statusCode, 204, 'deletable once no limit refers to it');
    });

    it('shows each caller only the limits that concern them', async () => {
      await registered({ service_id: serviceId, resource_name: 'networks', default_limit: 1 });
      const mine = (await limits({ project_id: member.projectId, service_id: serviceId, resource_name: 'networks', resource_limit: 3 })).json().limits[0];
      const admins = (await limits({ project_id: id.adminProjectId, service_id: serviceId, resource_name: 'networks', resource_limit: 9 })).json().limits[0];

      const asMember = (await id.call('GET', '/v3/limits', undefined, member.token)).json().limits.map((l: { id: string }) => l.id);
      assert.deepEqual(asMember, [mine.id]);
      assert.deepEqual((await id.call('GET', `/v3/limits?project_id=${id.adminProjectId}`, undefined, member.token)).json().limits, []);
      const asAdmin = (await id.call('GET', '/v3/limits?resource_name=networks')).json().limits.map((l: { id: string }) => l.id).sort();
      assert.deepEqual(asAdmin, [mine.id, admins.id].sort());

      assert.equal((await id.call('GET', `/v3/limits/${mine.id}`, undefined, member.token)).statusCode, 200);
      assert.equal((await id.call('GET', `/v3/limits/${admins.id}`, undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('GET', '/v3/limits/nope', undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('GET', '/v3/limits/nope')).statusCode, 404);
      assert.equal((await id.call('PATCH', `/v3/limits/${mine.id}`, { limit: { resource_limit: 100 } }, member.token)).statusCode, 403);
      assert.equal((await id.call('DELETE', `/v3/limits/${mine.id}`, undefined, member.token)).statusCode, 403);
    });
  });
}
