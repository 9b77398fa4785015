/**
 * WaitConditionHandle tokens and WaitCondition through the HTTP app (real identity, no other services):
 * the handle's token signals that handle and nothing else, signals count toward `count`, a FAILURE
 * fails the wait with its reason, a timeout says how many arrived, and the curl_cli attribute is the
 * metadata-address command line servers run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestOrchestration, type TestOrchestration, type TestUser } from './testing.js';

const template = (count: number, timeout: number): Record<string, unknown> => ({
  heat_template_version: '2018-08-31',
  resources: {
    handle: { type: 'OS::Heat::WaitConditionHandle' },
    wait: { type: 'OS::Heat::WaitCondition', properties: { handle: { get_resource: 'handle' }, count, timeout } },
  },
  outputs: {
    curl: { value: { get_attr: ['handle', 'curl_cli'] } },
    data: { value: { get_attr: ['wait', 'data'] } },
  },
});

describe('wait condition signals with handle tokens', () => {
  let t: TestOrchestration;
  let member: TestUser;
  let P: string;
  before(async () => {
    t = await createTestOrchestration();
    member = await t.user('wc-member');
    P = member.projectId;
  });
  after(async () => { await t?.close(); });

  /** Creates a stack and waits until its handle exists; answers the stack id and the handle's token. */
  async function start(name: string, count: number, timeout: number): Promise<{ id: string; token: string; signalUrl: string }> {
    const created = await t.ok(201, 'POST', `/v1/${P}/stacks`, { stack_name: name, template: template(count, timeout) }, member.token);
    const id = created.stack.id as string;
    for (let i = 0; i < 400; i++) {
      const r = (await t.ok(200, 'GET', `/v1/${P}/stacks/${name}/${id}/resources/handle`, undefined, member.token)).resource;
      if (r.resource_status === 'CREATE_COMPLETE') {
        return { id, token: String(r.attributes.token), signalUrl: `/v1/${P}/stacks/${name}/${id}/resources/handle/signal` };
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error('the handle was never created');
  }

  it('accepts the handle token for that handle only, and completes after `count` signals', async () => {
    const { id, token, signalUrl } = await start('wc1', 2, 60);
    assert.match(token, /^wch\.[A-Za-z0-9_-]{43}$/);

    assert.equal((await t.call('POST', signalUrl, { status: 'SUCCESS' }, 'wch.not-the-token')).statusCode, 401);
    assert.equal((await t.call('POST', signalUrl.replace('/handle/', '/wait/'), { status: 'SUCCESS' }, token)).statusCode, 401, 'not for another resource');
    assert.equal((await t.call('GET', `/v1/${P}/stacks`, undefined, token)).statusCode, 401, 'no other route takes it');
    assert.equal((await t.call('GET', `/v1/${P}/stacks/wc1/${id}`, undefined, token)).statusCode, 401);
    const bad = await t.call('POST', signalUrl, { status: 'MAYBE' }, token);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /Metadata format invalid/);

    assert.equal((await t.call('POST', signalUrl, { status: 'SUCCESS', reason: 'one', data: 'd1' }, token)).statusCode, 200);
    const midway = (await t.ok(200, 'GET', `/v1/${P}/stacks/wc1/${id}?resolve_outputs=false`, undefined, member.token)).stack;
    assert.equal(midway.stack_status, 'CREATE_IN_PROGRESS', 'one of two signals is not enough');
    assert.equal((await t.call('POST', signalUrl, { data: 'd2', id: 'x' }, token)).statusCode, 200);

    const done = await t.settle(P, 'wc1', id, member.token);
    assert.equal(done.stack_status, 'CREATE_COMPLETE', done.stack_status_reason);
    const shown = (await t.ok(200, 'GET', `/v1/${P}/stacks/wc1/${id}`, undefined, member.token)).stack;
    const out = Object.fromEntries((shown.outputs as Array<{ output_key: string; output_value: unknown }>).map((o) => [o.output_key, o.output_value]));
    assert.deepEqual(JSON.parse(String(out.data)), { 1: 'd1', x: 'd2' });
    assert.equal(out.curl, `curl -i -X POST -H 'X-Auth-Token: ${token}' -H 'Content-Type: application/json' -H 'Accept: application/json' `
      + `http://169.254.169.254/orchestration/v1/${P}/stacks/wc1/${id}/resources/handle/signal`);
    // curl_cli used bare: a JSON content type and no body is a plain SUCCESS.
    const bare = await t.service.app.inject({ method: 'POST', url: signalUrl, headers: { 'x-auth-token': token, 'content-type': 'application/json' } });
    assert.equal(bare.statusCode, 200, bare.body);
    const broken = await t.service.app.inject({ method: 'POST', url: signalUrl, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, payload: '{"status": ' });
    assert.equal(broken.statusCode, 400, broken.body);
    const metadata = (await t.ok(200, 'GET', `/v1/${P}/stacks/wc1/${id}/resources/handle/metadata`, undefined, member.token)).metadata;
    assert.deepEqual(metadata, {
      1: { status: 'SUCCESS', reason: 'one', data: 'd1' }, x: { status: 'SUCCESS', reason: 'Signal 2 received', data: 'd2' },
      3: { status: 'SUCCESS', reason: 'Signal 3 received', data: null },
    });

    // The token dies with its stack.
    await t.ok(204, 'DELETE', `/v1/${P}/stacks/wc1/${id}`, undefined, member.token);
    await t.settle(P, 'wc1', id, member.token, (s) => s !== 'DELETE_IN_PROGRESS').catch(() => undefined);
    assert.equal((await t.call('POST', signalUrl, {}, token)).statusCode, 401);
  });

  it('fails the wait on a FAILURE signal, with its reason', async () => {
    const { id, token, signalUrl } = await start('wc2', 3, 60);
    assert.equal((await t.call('POST', signalUrl, { status: 'FAILURE', reason: 'boom' }, token)).statusCode, 200);
    const s = await t.settle(P, 'wc2', id, member.token);
    assert.equal(s.stack_status, 'CREATE_FAILED');
    assert.match(s.stack_status_reason, /WaitConditionFailure: resources\.wait: boom/);
  });

  it('fails the wait after its timeout, saying how many arrived', async () => {
    const { id, token, signalUrl } = await start('wc3', 2, 1);
    assert.equal((await t.call('POST', signalUrl, { reason: 'first' }, token)).statusCode, 200);
    const s = await t.settle(P, 'wc3', id, member.token);
    assert.equal(s.stack_status, 'CREATE_FAILED');
    assert.match(s.stack_status_reason, /WaitConditionTimeout: resources\.wait: 1 of 2 received - first/);
  });
});

describe('the service resource types as /resource_types shows them', () => {
  let t: TestOrchestration;
  before(async () => { t = await createTestOrchestration(); });
  after(async () => { await t?.close(); });

  it('lists them and shows their schemas and generated templates', async () => {
    const P = t.adminProject;
    const types = (await t.ok(200, 'GET', `/v1/${P}/resource_types`)).resource_types as string[];
    for (const type of ['OS::Nova::Server', 'OS::Neutron::FloatingIP', 'OS::Keystone::User', 'OS::Heat::WaitConditionHandle', 'OS::Heat::MultipartMime']) {
      assert.ok(types.includes(type), type);
      const schema = await t.ok(200, 'GET', `/v1/${P}/resource_types/${type}`);
      assert.equal(schema.resource_type, type);
      await t.ok(200, 'GET', `/v1/${P}/resource_types/${type}/template?template_type=hot`);
    }
    const server = await t.ok(200, 'GET', `/v1/${P}/resource_types/OS::Nova::Server`);
    assert.equal(server.properties.image_update_policy.default, 'REBUILD');
    assert.equal(server.properties.flavor.update_allowed, true);
    assert.ok(server.attributes.first_address);
  });
});
