import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestIdentity } from '../testing.js';
import { ENGINES, createTestIdentityOn } from '../testing-engines.js';

const EP = '/v3/OS-EP-FILTER';

for (const engine of ENGINES) {
  describe(`OS-EP-FILTER (${engine})`, () => {
    let id: TestIdentity;
    let member: { userId: string; projectId: string; token: string };
    let computeId: string;
    let imageId: string;
    let computePublic: string;
    let computeInternal: string;
    let imagePublic: string;

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'epf-member' });
      const service = async (type: string): Promise<string> => (await id.call('POST', '/v3/services', { service: { type, name: type } })).json().service.id;
      const endpoint = async (serviceId: string, iface: string): Promise<string> =>
        (await id.call('POST', '/v3/endpoints', { endpoint: { service_id: serviceId, interface: iface, url: `http://127.0.0.1/${serviceId}/${iface}`, region_id: 'RegionOne' } })).json().endpoint.id;
      computeId = await service('compute');
      imageId = await service('image');
      computePublic = await endpoint(computeId, 'public');
      computeInternal = await endpoint(computeId, 'internal');
      imagePublic = await endpoint(imageId, 'public');
    });
    after(async () => { await id.close(); });

    const catalogOf = async (token: string): Promise<Array<{ type: string; endpoints: Array<{ id: string }> }>> => {
      const res = await id.call('GET', '/v3/auth/catalog', undefined, token);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().catalog;
    };
    const endpointIds = (catalog: Array<{ endpoints: Array<{ id: string }> }>): string[] => catalog.flatMap((s) => s.endpoints.map((e) => e.id)).sort();

    it('creates, lists, shows, checks, updates and deletes endpoint groups', async () => {
      const res = await id.call('POST', `${EP}/endpoint_groups`, { endpoint_group: { name: 'compute-only', description: 'd', filters: { service_id: computeId } } });
      assert.equal(res.statusCode, 201, res.body);
      const group = res.json().endpoint_group;
      assert.equal(group.name, 'compute-only');
      assert.deepEqual(group.filters, { service_id: computeId });
      assert.match(group.links.self, new RegExp(`/v3/OS-EP-FILTER/endpoint_groups/${group.id}$`));

      const listed = (await id.call('GET', `${EP}/endpoint_groups`)).json().endpoint_groups;
      assert.deepEqual(listed.find((g: { id: string }) => g.id === group.id), group, 'the listed group equals the created one');
      assert.equal((await id.call('GET', `${EP}/endpoint_groups?name=compute-only`)).json().endpoint_groups.length, 1);
      assert.equal((await id.call('GET', `${EP}/endpoint_groups?name=other`)).json().endpoint_groups.length, 0);
      assert.deepEqual((await id.call('GET', `${EP}/endpoint_groups/${group.id}`)).json().endpoint_group, group);
      assert.equal((await id.call('HEAD', `${EP}/endpoint_groups/${group.id}`)).statusCode, 200);

      const matched = (await id.call('GET', `${EP}/endpoint_groups/${group.id}/endpoints`)).json().endpoints.map((e: { id: string }) => e.id).sort();
      assert.deepEqual(matched, [computePublic, computeInternal].sort());

      const updated = await id.call('PATCH', `${EP}/endpoint_groups/${group.id}`, { endpoint_group: { name: 'public-only', filters: { interface: 'public' } } });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(updated.json().endpoint_group.description, 'd');
      const publicOnly = (await id.call('GET', `${EP}/endpoint_groups/${group.id}/endpoints`)).json().endpoints.map((e: { id: string }) => e.id).sort();
      const allPublic = (await id.call('GET', '/v3/endpoints?interface=public')).json().endpoints.map((e: { id: string }) => e.id).sort();
      assert.ok(allPublic.includes(computePublic) && allPublic.includes(imagePublic));
      assert.deepEqual(publicOnly, allPublic);

      assert.equal((await id.call('DELETE', `${EP}/endpoint_groups/${group.id}`)).statusCode, 204);
      const missing = await id.call('GET', `${EP}/endpoint_groups/${group.id}`);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.message, `Could not find Endpoint Group: ${group.id}.`);
      assert.equal((await id.call('PATCH', `${EP}/endpoint_groups/${group.id}`, { endpoint_group: { name: 'x' } })).statusCode, 404);
      assert.equal((await id.call('DELETE', `${EP}/endpoint_groups/${group.id}`)).statusCode, 404);
      assert.ok(!(await id.call('GET', `${EP}/endpoint_groups`)).json().endpoint_groups.some((g: { id: string }) => g.id === group.id));
    });

    it('rejects empty or unknown filters (400)', async () => {
      for (const filters of [{}, { enabled: true }, { interface: 'sideways' }]) {
        const res = await id.call('POST', `${EP}/endpoint_groups`, { endpoint_group: { name: 'bad', filters } });
        assert.equal(res.statusCode, 400, `${JSON.stringify(filters)} -> ${res.body}`);
      }
      assert.equal((await id.call('POST', `${EP}/endpoint_groups`, { endpoint_group: { filters: { interface: 'public' } } })).statusCode, 400);
    });

    it('associates endpoints with a project and cuts its token catalog to them', async () => {
      const before = await catalogOf(member.token);
      assert.ok(endpointIds(before).includes(imagePublic), 'no associations: the whole catalog');

      const url = `${EP}/projects/${member.projectId}/endpoints/${computePublic}`;
      assert.equal((await id.call('GET', url)).statusCode, 404);
      assert.equal((await id.call('PUT', url)).statusCode, 204);
      assert.equal((await id.call('PUT', url)).statusCode, 204, 'associating twice is harmless');
      assert.equal((await id.call('GET', url)).statusCode, 204);
      assert.equal((await id.call('HEAD', url)).statusCode, 204);

      assert.deepEqual(endpointIds(await catalogOf(member.token)), [computePublic]);
      assert.deepEqual((await catalogOf(member.token)).map((s) => s.type), ['compute'], 'services without allowed endpoints are left out');
      assert.deepEqual((await id.call('GET', `${EP}/projects/${member.projectId}/endpoints`)).json().endpoints.map((e: { id: string }) => e.id), [computePublic]);
      assert.deepEqual((await id.call('GET', `${EP}/endpoints/${computePublic}/projects`)).json().projects.map((p: { id: string }) => p.id), [member.projectId]);
      assert.ok(endpointIds(await catalogOf(id.adminToken)).includes(imagePublic), 'other projects keep the whole catalog');

      assert.equal((await id.call('DELETE', url)).statusCode, 204);
      assert.equal((await id.call('DELETE', url)).statusCode, 404);
      assert.ok(endpointIds(await catalogOf(member.token)).includes(imagePublic));

      assert.equal((await id.call('PUT', `${EP}/projects/${member.projectId}/endpoints/nope`)).statusCode, 404);
      assert.equal((await id.call('PUT', `${EP}/projects/nope/endpoints/${computePublic}`)).statusCode, 404);
      assert.equal((await id.call('GET', `${EP}/projects/nope/endpoints`)).statusCode, 404);
      assert.equal((await id.call('GET', `${EP}/endpoints/nope/projects`)).statusCode, 404);
    });

    it('associates endpoint groups with a project', async () => {
      const group = (await id.call('POST', `${EP}/endpoint_groups`, { endpoint_group: { name: 'image', filters: { service_id: imageId } } })).json().endpoint_group;
      const url = `${EP}/endpoint_groups/${group.id}/projects/${member.projectId}`;
      assert.equal((await id.call('GET', url)).statusCode, 404);
      assert.equal((await id.call('PUT', url)).statusCode, 204);
      assert.equal((await id.call('PUT', url)).statusCode, 409);
      const shown = await id.call('GET', url);
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.json().project_endpoint_group.endpoint_group_id, group.id);
      assert.equal(shown.json().project_endpoint_group.project_id, member.projectId);

      assert.deepEqual((await id.call('GET', `${EP}/projects/${member.projectId}/endpoint_groups`)).json().endpoint_groups.map((g: { id: string }) => g.id), [group.id]);
      assert.deepEqual((await id.call('GET', `${EP}/endpoint_groups/${group.id}/projects`)).json().projects.map((p: { id: string }) => p.id), [member.projectId]);

      // A group and a direct association together: the union.
      await id.call('PUT', `${EP}/projects/${member.projectId}/endpoints/${computeInternal}`);
      assert.deepEqual(endpointIds(await catalogOf(member.token)), [computeInternal, imagePublic].sort());
      const listed = (await id.call('GET', `${EP}/projects/${member.projectId}/endpoints`)).json().endpoints.map((e: { id: string }) => e.id).sort();
      assert.deepEqual(listed, [computeInternal, imagePublic].sort());
      await id.call('DELETE', `${EP}/projects/${member.projectId}/endpoints/${computeInternal}`);

      assert.equal((await id.call('DELETE', url)).statusCode, 204);
      assert.equal((await id.call('DELETE', url)).statusCode, 404);
      assert.equal((await id.call('PUT', `${EP}/endpoint_groups/nope/projects/${member.projectId}`)).statusCode, 404);
      assert.equal((await id.call('PUT', `${EP}/endpoint_groups/${group.id}/projects/nope`)).statusCode, 404);

      // Deleting a group removes its associations.
      await id.call('PUT', url);
      assert.equal((await id.call('DELETE', `${EP}/endpoint_groups/${group.id}`)).statusCode, 204);
      assert.deepEqual((await id.call('GET', `${EP}/projects/${member.projectId}/endpoint_groups`)).json().endpoint_groups, []);
      assert.ok(endpointIds(await catalogOf(member.token)).includes(computePublic), 'no associations left: whole catalog again');
    });

    it('is admin-only (403 for a member)', async () => {
      const group = (await id.call('POST', `${EP}/endpoint_groups`, { endpoint_group: { name: 'g', filters: { interface: 'admin' } } })).json().endpoint_group;
      const calls: Array<[string, string, unknown?]> = [
        ['GET', `${EP}/endpoint_groups`],
        ['POST', `${EP}/endpoint_groups`, { endpoint_group: { name: 'x', filters: { interface: 'public' } } }],
        ['GET', `${EP}/endpoint_groups/${group.id}`],
        ['DELETE', `${EP}/endpoint_groups/${group.id}`],
        ['PUT', `${EP}/projects/${member.projectId}/endpoints/${computePublic}`],
        ['GET', `${EP}/projects/${member.projectId}/endpoints`],
        ['PUT', `${EP}/endpoint_groups/${group.id}/projects/${member.projectId}`],
      ];
      for (const [method, url, body] of calls) {
        const res = await id.call(method as 'GET', url, body, member.token);
        assert.equal(res.statusCode, 403, `${method} ${url}`);
      }
    });
  });
}
