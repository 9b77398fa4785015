/**
 * Heat v1 through the HTTP app with real identity, on SQLite and PostgreSQL: the stack lifecycle as
 * heatclient drives it (create, lookup redirects, show, update by PATCH, events, resources, outputs,
 * actions, delete), the informational routes, error bodies and project isolation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestOrchestration, ENGINES, type TestOrchestration, type TestUser } from './testing.js';

const TEMPLATE = {
  heat_template_version: '2018-08-31',
  description: 'api test',
  parameters: { len: { type: 'number', default: 8 }, word: { type: 'string', default: 'w' }, secret: { type: 'string', default: 's', hidden: true } },
  resources: {
    rand: { type: 'OS::Heat::RandomString', properties: { length: { get_param: 'len' } } },
    val: { type: 'OS::Heat::Value', properties: { value: { str_replace: { template: 'X-w', params: { w: { get_param: 'word' } } } } }, metadata: { k: 'v' } },
    group: { type: 'OS::Heat::ResourceGroup', properties: { count: 2, resource_def: { type: 'OS::Heat::Value', properties: { value: 'm%index%' } } } },
  },
  outputs: {
    password: { description: 'the string', value: { get_attr: ['rand', 'value'] } },
    greeting: { value: { get_attr: ['val', 'value'] } },
    members: { value: { get_attr: ['group', 'value'] } },
  },
};

for (const { engine, skip } of ENGINES) {
  describe(`orchestration API (${engine})`, { skip }, () => {
    let t: TestOrchestration;
    let member: TestUser;
    let reader: TestUser;
    let other: TestUser;
    let P: string;
    before(async () => {
      t = await createTestOrchestration(engine);
      member = await t.user('heat-member');
      reader = await t.user('heat-reader', { role: 'reader', project: 'heat-member-project' });
      other = await t.user('heat-other');
      P = member.projectId;
    });
    after(async () => { await t?.close(); });

    it('creates a stack, redirects lookups, shows it with outputs and parameters', async () => {
      const created = await t.call('POST', `/v1/${P}/stacks`, { stack_name: 's1', template: TEMPLATE, parameters: { len: '12' }, tags: 'a,b' }, member.token);
      assert.equal(created.statusCode, 201, created.body);
      const { id, links } = created.json().stack;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(links[0].rel, 'self');
      assert.ok(links[0].href.endsWith(`/v1/${P}/stacks/s1/${id}`));

      const lookup = await t.call('GET', `/v1/${P}/stacks/s1`, undefined, member.token);
      assert.equal(lookup.statusCode, 302);
      assert.ok(String(lookup.headers.location).endsWith(`/v1/${P}/stacks/s1/${id}`));
      const byId = await t.call('GET', `/v1/${P}/stacks/${id}/resources?with_detail=true`, undefined, member.token);
      assert.equal(byId.statusCode, 302);
      assert.ok(String(byId.headers.location).endsWith(`/v1/${P}/stacks/s1/${id}/resources?with_detail=true`));

      const s = await t.settle(P, 's1', id, member.token);
      assert.equal(s.stack_status, 'CREATE_COMPLETE', s.stack_status_reason);
      const shown = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}`, undefined, reader.token)).stack;
      assert.equal(shown.stack_name, 's1');
      assert.equal(shown.description, 'api test');
      assert.deepEqual(shown.tags, ['a', 'b']);
      assert.equal(shown.disable_rollback, true);
      assert.equal(shown.parameters.len, '12');
      assert.equal(shown.parameters.secret, '******');
      assert.equal(shown.parameters['OS::stack_name'], 's1');
      assert.equal(shown.parameters['OS::stack_id'], id);
      assert.equal(shown.parameters['OS::project_id'], P);
      const out = Object.fromEntries(shown.outputs.map((o: { output_key: string; output_value: unknown }) => [o.output_key, o.output_value]));
      assert.equal(String(out.password).length, 12);
      assert.equal(out.greeting, 'X-w');
      assert.deepEqual(out.members, ['m0', 'm1']);
      const one = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/outputs/password`, undefined, member.token)).output;
      assert.deepEqual(one, { output_key: 'password', output_value: out.password, description: 'the string' });
      const keys = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/outputs`, undefined, member.token)).outputs.map((o: { output_key: string }) => o.output_key);
      assert.deepEqual(keys.sort(), ['greeting', 'members', 'password']);
      assert.deepEqual(await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/template`, undefined, member.token), TEMPLATE);
      assert.deepEqual(await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/files`, undefined, member.token), {});
      assert.ok((await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/environment`, undefined, member.token)).resource_registry);

      const list = (await t.ok(200, 'GET', `/v1/${P}/stacks`, undefined, member.token)).stacks;
      assert.deepEqual(list.map((x: { stack_name: string }) => x.stack_name), ['s1']);
      assert.equal(list[0].stack_status, 'CREATE_COMPLETE');
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/stacks?name=nope`, undefined, member.token)).stacks.length, 0);
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/stacks?status=CREATE_COMPLETE&tags=a`, undefined, member.token)).stacks.length, 1);

      const dup = await t.call('POST', `/v1/${P}/stacks`, { stack_name: 's1', template: TEMPLATE }, member.token);
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error.type, 'StackExists');
    });

    it('lists resources and events, with filters, sorting and markers', async () => {
      const id = (await t.ok(200, 'GET', `/v1/${P}/stacks?name=s1`, undefined, member.token)).stacks[0].id;
      const resources = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources`, undefined, member.token)).resources;
      assert.deepEqual(resources.map((r: { resource_name: string }) => r.resource_name).sort(), ['group', 'rand', 'val']);
      const rand = resources.find((r: { resource_name: string }) => r.resource_name === 'rand');
      assert.equal(rand.resource_status, 'CREATE_COMPLETE');
      assert.equal(rand.resource_type, 'OS::Heat::RandomString');
      assert.match(rand.physical_resource_id, /^s1-rand-/);
      const nested = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources?nested_depth=1`, undefined, member.token)).resources;
      assert.equal(nested.length, 5, 'the group\'s two members come with nested_depth=1');
      assert.ok(nested.some((r: { parent_resource?: string }) => r.parent_resource === 'group'));
      const val = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/val`, undefined, member.token)).resource;
      assert.deepEqual(val.metadata, { k: 'v' });
      assert.equal(val.attributes.value, 'X-w');
      assert.deepEqual((await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/val/metadata`, undefined, member.token)).metadata, { k: 'v' });
      const missing = await t.call('GET', `/v1/${P}/stacks/s1/${id}/resources/nope`, undefined, member.token);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.type, 'ResourceNotFound');

      const events = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/events?sort_dir=asc`, undefined, member.token)).events;
      assert.equal(events[0].resource_name, 's1');
      assert.equal(events[0].resource_status, 'CREATE_IN_PROGRESS');
      assert.equal(events.at(-1).resource_status, 'CREATE_COMPLETE');
      assert.equal(events.at(-1).resource_name, 's1');
      const page = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/events?sort_dir=asc&limit=2&marker=${events[0].id}`, undefined, member.token)).events;
      assert.deepEqual(page.map((e: { id: string }) => e.id), [events[1].id, events[2].id]);
      const last = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/events?sort_dir=desc&limit=1`, undefined, member.token)).events;
      assert.equal(last[0].id, events.at(-1).id);
      const randEvents = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/rand/events`, undefined, member.token)).events;
      assert.deepEqual(randEvents.map((e: { resource_status: string }) => e.resource_status), ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
      const ev = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/rand/events/${randEvents[0].id}`, undefined, member.token)).event;
      assert.equal(ev.resource_type, 'OS::Heat::RandomString');
      const filtered = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/events?resource_status=COMPLETE&resource_action=CREATE`, undefined, member.token)).events;
      assert.ok(filtered.every((e: { resource_status: string }) => e.resource_status === 'CREATE_COMPLETE'));
    });

    it('updates by PATCH keeping parameters, previews, acts, marks unhealthy and deletes', async () => {
      const id = (await t.ok(200, 'GET', `/v1/${P}/stacks?name=s1`, undefined, member.token)).stacks[0].id;
      const before = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/rand`, undefined, member.token)).resource;
      const preview = (await t.ok(200, 'PATCH', `/v1/${P}/stacks/s1/${id}/preview`, { parameters: { word: 'z' } }, member.token)).resource_changes;
      assert.deepEqual(preview.updated.map((r: { resource_name: string }) => r.resource_name), ['val']);
      assert.deepEqual(preview.unchanged.map((r: { resource_name: string }) => r.resource_name).sort(), ['group', 'rand']);
      await t.ok(202, 'PATCH', `/v1/${P}/stacks/s1/${id}`, { parameters: { word: 'z' } }, member.token);
      const s = await t.settle(P, 's1', id, member.token);
      assert.equal(s.stack_status, 'UPDATE_COMPLETE', s.stack_status_reason);
      const shown = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}`, undefined, member.token)).stack;
      assert.equal(shown.parameters.len, '12', 'PATCH keeps the parameters it does not name');
      assert.equal(shown.parameters.word, 'z');
      const after = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/rand`, undefined, member.token)).resource;
      assert.equal(after.physical_resource_id, before.physical_resource_id, 'unchanged resource kept');

      for (const action of ['suspend', 'resume', 'check']) {
        await t.ok(200, 'POST', `/v1/${P}/stacks/s1/${id}/actions`, { [action]: null }, member.token);
        const st = await t.settle(P, 's1', id, member.token);
        assert.equal(st.stack_status, `${action.toUpperCase()}_COMPLETE`, st.stack_status_reason);
      }
      const cancel = await t.call('POST', `/v1/${P}/stacks/s1/${id}/actions`, { cancel_update: null }, member.token);
      assert.equal(cancel.statusCode, 400);
      assert.equal(cancel.json().error.type, 'NotSupported');

      await t.ok(200, 'PATCH', `/v1/${P}/stacks/s1/${id}/resources/val`, { mark_unhealthy: true, resource_status_reason: 'broken' }, member.token);
      const bad = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/val`, undefined, member.token)).resource;
      assert.equal(bad.resource_status, 'CHECK_FAILED');
      assert.equal(bad.resource_status_reason, 'broken');
      await t.ok(202, 'PATCH', `/v1/${P}/stacks/s1/${id}`, {}, member.token);
      assert.equal((await t.settle(P, 's1', id, member.token)).stack_status, 'UPDATE_COMPLETE');
      const replaced = (await t.ok(200, 'GET', `/v1/${P}/stacks/s1/${id}/resources/val`, undefined, member.token)).resource;
      assert.equal(replaced.resource_status, 'CREATE_COMPLETE', 'an unhealthy resource is replaced by the next update');

      const forbidden = await t.call('DELETE', `/v1/${P}/stacks/s1/${id}`, undefined, reader.token);
      assert.equal(forbidden.statusCode, 403);
      const del = await t.call('DELETE', `/v1/${P}/stacks/s1`, undefined, member.token);
      assert.equal(del.statusCode, 302);
      await t.ok(204, 'DELETE', `/v1/${P}/stacks/s1/${id}`, undefined, member.token);
      const gone = await t.settle(P, 's1', id, member.token);
      assert.equal(gone.stack_status, 'DELETE_COMPLETE');
      const notFound = await t.call('GET', `/v1/${P}/stacks/s1`, undefined, member.token);
      assert.equal(notFound.statusCode, 404);
      assert.deepEqual(notFound.json(), {
        explanation: 'The resource could not be found.', code: 404, title: 'Not Found',
        error: { message: 'The Stack (s1) could not be found.', type: 'EntityNotFound', traceback: null },
      });
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/stacks`, undefined, member.token)).stacks.length, 0);
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/stacks?show_deleted=true`, undefined, member.token)).stacks.length, 1);
    });

    it('rolls back a failed create when asked, and keeps projects apart', async () => {
      const bad = {
        heat_template_version: '2018-08-31',
        resources: { ok: { type: 'OS::Heat::None' }, boom: { type: 'OS::Heat::TestResource', properties: { fail: true } } },
      };
      const { id } = (await t.ok(201, 'POST', `/v1/${P}/stacks`, { stack_name: 'rb', template: bad, disable_rollback: false }, member.token)).stack;
      const s = await t.settle(P, 'rb', id, member.token, (st) => st.startsWith('ROLLBACK_') && !st.endsWith('_IN_PROGRESS'));
      assert.equal(s.stack_status, 'ROLLBACK_COMPLETE', s.stack_status_reason);
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/stacks/rb/${id}/resources`, undefined, member.token)).resources.length, 0);

      const theirs = await t.call('GET', `/v1/${other.projectId}/stacks/rb/${id}`, undefined, other.token);
      assert.equal(theirs.statusCode, 404, 'another project\'s stack does not exist for it');
      const wrongTenant = await t.call('GET', `/v1/${P}/stacks`, undefined, other.token);
      assert.equal(wrongTenant.statusCode, 403);
      const global = await t.call('GET', `/v1/${other.projectId}/stacks?global_tenant=true`, undefined, other.token);
      assert.equal(global.statusCode, 403);
      const admin = (await t.ok(200, 'GET', `/v1/${t.adminProject}/stacks?global_tenant=true`)).stacks;
      assert.ok(admin.some((x: { id: string; project: string }) => x.id === id && x.project === P));
      assert.equal((await t.call('GET', `/v1/${t.adminProject}/services`, undefined)).statusCode, 200);
      assert.equal((await t.call('GET', `/v1/${P}/services`, undefined, member.token)).statusCode, 403);
    });

    it('answers bad input with Heat\'s 400 bodies naming the problem', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ template: TEMPLATE }, /No stack name specified/],
        [{ stack_name: '1bad', template: TEMPLATE }, /Invalid stack name 1bad/],
        [{ stack_name: 'x' }, /No template specified/],
        [{ stack_name: 'x', template: { heat_template_version: '1999-01-01', resources: {} } }, /template version is invalid/],
        [{ stack_name: 'x', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Nope' } } } }, /OS::Nope/],
        [{ stack_name: 'x', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::RandomString', properties: { nope: 1 } } } } }, /nope/],
        [{ stack_name: 'x', template: TEMPLATE, parameters: { undeclared: 1 } }, /undeclared/],
        [{ stack_name: 'x', template: { heat_template_version: '2018-08-31', description: 'x'.repeat(600000), resources: {} } }, /exceeds maximum allowed size/],
      ];
      for (const [body, message] of cases) {
        const r = await t.call('POST', `/v1/${P}/stacks`, body, member.token);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 120)} -> ${r.body.slice(0, 300)}`);
        const b = r.json();
        assert.equal(b.code, 400);
        assert.equal(b.title, 'Bad Request');
        assert.equal(b.error.traceback, null);
        assert.match(b.error.message, message);
      }
      const noToken = await t.call('GET', `/v1/${P}/stacks`, undefined, null);
      assert.equal(noToken.statusCode, 401);
    });

    it('validates templates and describes resource types and template versions', async () => {
      const v = await t.ok(200, 'POST', `/v1/${P}/validate`, { template: TEMPLATE }, member.token);
      assert.equal(v.Description, 'api test');
      assert.equal(v.Parameters.len.Type, 'Number');
      assert.equal(v.Parameters.secret.NoEcho, 'true');
      const types = (await t.ok(200, 'GET', `/v1/${P}/resource_types`, undefined, member.token)).resource_types;
      for (const type of ['OS::Heat::RandomString', 'OS::Heat::Value', 'OS::Heat::None', 'OS::Heat::TestResource', 'OS::Heat::ResourceGroup', 'OS::Heat::Stack']) assert.ok(types.includes(type), type);
      const schema = await t.ok(200, 'GET', `/v1/${P}/resource_types/OS::Heat::RandomString`, undefined, member.token);
      assert.equal(schema.properties.length.default, 32);
      assert.equal(schema.attributes.value.type, 'string');
      const generated = await t.ok(200, 'GET', `/v1/${P}/resource_types/OS::Heat::Value/template?template_type=hot`, undefined, member.token);
      assert.deepEqual(generated.resources.Value.properties.value, { get_param: 'value' });
      assert.equal((await t.call('GET', `/v1/${P}/resource_types/OS::Nope`, undefined, member.token)).statusCode, 404);
      const versions = (await t.ok(200, 'GET', `/v1/${P}/template_versions`, undefined, member.token)).template_versions;
      assert.ok(versions.some((x: { version: string }) => x.version === 'heat_template_version.2021-04-16'));
      const fns = (await t.ok(200, 'GET', `/v1/${P}/template_versions/heat_template_version.2016-10-14/functions`, undefined, member.token)).template_functions;
      assert.ok(fns.some((f: { functions: string }) => f.functions === 'map_replace'));
      assert.equal((await t.ok(200, 'GET', `/v1/${P}/build_info`, undefined, member.token)).engine.revision.length > 0, true);
      const root = await t.call('GET', '/', undefined, null);
      assert.equal(root.statusCode, 300);
      assert.equal(root.json().versions[0].id, 'v1.0');
    });

    it('creates 200 RandomStrings and a 50-deep chain through the API quickly', async () => {
      const wide: Record<string, unknown> = {};
      for (let i = 0; i < 200; i++) wide[`r${i}`] = { type: 'OS::Heat::RandomString' };
      const chain: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) chain[`c${i}`] = { type: 'OS::Heat::RandomString', ...(i > 0 ? { depends_on: `c${i - 1}` } : {}) };
      for (const [name, resources] of [['wide', wide], ['deep', chain]] as const) {
        const start = performance.now();
        const { id } = (await t.ok(201, 'POST', `/v1/${P}/stacks`, { stack_name: name, template: { heat_template_version: '2018-08-31', resources } }, member.token)).stack;
        const s = await t.settle(P, name, id, member.token);
        assert.equal(s.stack_status, 'CREATE_COMPLETE');
        console.log(`${name}: ${(performance.now() - start).toFixed(0)} ms`);
      }
    });
  });
}
