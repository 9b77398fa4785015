/**
 * Malformed requests to every orchestration route get a 4xx in Heat's body, never a 5xx: wrong types in
 * every field of create/update/actions/mark-unhealthy, bad query parameters, unknown ids.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestOrchestration, type TestOrchestration, type TestUser } from './testing.js';

const T = { heat_template_version: '2018-08-31', parameters: { p: { type: 'string', default: 'x' } }, resources: { r: { type: 'OS::Heat::None' } } };

describe('orchestration bad input', () => {
  let t: TestOrchestration;
  let u: TestUser;
  let P: string;
  let S: string;
  before(async () => {
    t = await createTestOrchestration();
    u = await t.user('bad-input');
    P = u.projectId;
    const { id } = (await t.ok(201, 'POST', `/v1/${P}/stacks`, { stack_name: 'ok', template: T }, u.token)).stack;
    S = `/v1/${P}/stacks/ok/${id}`;
    await t.settle(P, 'ok', id, u.token);
  });
  after(async () => { await t?.close(); });

  it('answers every malformed request with a 4xx in Heat\'s body', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['POST', `/v1/${P}/stacks`, 'not json'],
      ['POST', `/v1/${P}/stacks`, []],
      ['POST', `/v1/${P}/stacks`, 42],
      ['POST', `/v1/${P}/stacks`, { stack_name: 7, template: T }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: 7 }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: [] }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: 'resources: [' }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, files: [] }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, files: { f: 1 } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, environment: 5 }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, environment: { resource_registry: 5 } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, environment_files: ['missing.yaml'] }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, parameters: [] }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, parameters: { p: { deep: [1] } } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, tags: 5 }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, timeout_mins: -1 }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, timeout_mins: 'soon' }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: T, disable_rollback: 'maybe' }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template_url: 'http://example.com/t.yaml' }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::Value' } } } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::RandomString', properties: 5 } } } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Heat::None', depends_on: 'a' } } } }],
      ['POST', `/v1/${P}/stacks`, { stack_name: 'a', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'x.yaml' } } } }],
      ['POST', `/v1/${P}/stacks/preview`, { stack_name: 'a' }],
      ['POST', `/v1/${P}/validate`, {}],
      ['POST', `/v1/${P}/validate`, { template: 'heat_template_version: 2018-08-31\nresources: {a: {type: OS::Nope}}' }],
      ['PUT', S, {}],
      ['PUT', S, { template: 3 }],
      ['PATCH', S, { parameters: { nope: 1 } }],
      ['PATCH', S, { clear_parameters: 'p', parameters: 3 }],
      ['PATCH', `${S}/preview`, { template: [] }],
      ['POST', `${S}/actions`, {}],
      ['POST', `${S}/actions`, { suspend: null, resume: null }],
      ['POST', `${S}/actions`, { explode: null }],
      ['POST', `${S}/actions`, { cancel_update: null }],
      ['POST', `${S}/actions`, []],
      ['PATCH', `${S}/resources/r`, {}],
      ['PATCH', `${S}/resources/r`, { mark_unhealthy: 'yes' }],
      ['PATCH', `${S}/resources/r`, { mark_unhealthy: true, extra: 1 }],
      ['PATCH', `${S}/resources/nope`, { mark_unhealthy: true }],
      ['POST', `${S}/resources/r/signal`, { status: 'SUCCESS' }],
      ['GET', `${S}/events?limit=-1`, undefined],
      ['GET', `${S}/events?limit=abc`, undefined],
      ['GET', `${S}/events?sort_keys=nope`, undefined],
      ['GET', `${S}/events?sort_dir=sideways`, undefined],
      ['GET', `${S}/events?marker=nope`, undefined],
      ['GET', `${S}/resources?nested_depth=x`, undefined],
      ['GET', `${S}/resources?with_detail=perhaps`, undefined],
      ['GET', `${S}/resources/nope/events`, undefined],
      ['GET', `${S}/resources/r/events/nope`, undefined],
      ['GET', `${S}/outputs/nope`, undefined],
      ['GET', `/v1/${P}/stacks?sort_keys=nope`, undefined],
      ['GET', `/v1/${P}/stacks?sort_dir=up`, undefined],
      ['GET', `/v1/${P}/stacks?limit=x`, undefined],
      ['GET', `/v1/${P}/stacks?marker=nope`, undefined],
      ['GET', `/v1/${P}/stacks?show_deleted=kinda`, undefined],
      ['GET', `/v1/${P}/stacks/nope/00000000-0000-0000-0000-000000000000`, undefined],
      ['GET', `/v1/${P}/stacks/ok/00000000-0000-0000-0000-000000000000`, undefined],
      ['DELETE', `/v1/${P}/stacks/nope`, undefined],
      ['GET', `/v1/${P}/resource_types/OS::Nope/template`, undefined],
      ['GET', `/v1/${P}/template_versions/nope/functions`, undefined],
      ['GET', `/v1/${P}/template_versions/heat_template_version.1999-01-01/functions`, undefined],
      ['DELETE', `${S}/abandon`, undefined],
      ['POST', `${S}/snapshots`, { name: 'snap' }],
      ['GET', `${S}/snapshots/nope`, undefined],
      ['POST', `${S}/snapshots/nope/restore`, undefined],
    ];
    for (const [method, url, body] of cases) {
      const r = await t.call(method as 'GET', url, body, u.token);
      const label = `${method} ${url} ${JSON.stringify(body)?.slice(0, 100)} -> ${r.statusCode} ${r.body.slice(0, 200)}`;
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, label);
      const b = r.json();
      assert.equal(b.code, r.statusCode, label);
      assert.equal(typeof b.error.message, 'string', label);
      assert.ok(b.error.message.length > 0, label);
      assert.equal(typeof b.error.type, 'string', label);
    }
  });

  it('lists no snapshots (Flotilla takes none yet), through the lookup redirect too', async () => {
    assert.deepEqual(await t.ok(200, 'GET', `${S}/snapshots`, undefined, u.token), { snapshots: [] });
    const r = await t.call('GET', `/v1/${P}/stacks/ok/snapshots`, undefined, u.token);
    assert.equal(r.statusCode, 302);
    assert.ok(String(r.headers.location).endsWith(`${S}/snapshots`));
  });

  it('filters events by the status column or the combined status heatclient sends', async () => {
    const both = (await t.ok(200, 'GET', `${S}/events?resource_status=CREATE_COMPLETE`, undefined, u.token)).events;
    const plain = (await t.ok(200, 'GET', `${S}/events?resource_status=COMPLETE&resource_action=CREATE`, undefined, u.token)).events;
    assert.deepEqual(both.map((e: { id: string }) => e.id), plain.map((e: { id: string }) => e.id));
    assert.equal(both.length, 2, 'the resource\'s and the stack\'s');
  });
});
