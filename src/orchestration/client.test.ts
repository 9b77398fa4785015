/** The typed client against the orchestration service on a loopback port. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestOrchestration, type TestOrchestration, type TestUser } from './testing.js';
import { OrchestrationClient } from './client.js';
import { HeatFault } from './errors.js';

describe('OrchestrationClient', () => {
  let t: TestOrchestration;
  let user: TestUser;
  let heat: OrchestrationClient;
  before(async () => {
    t = await createTestOrchestration();
    await t.service.app.listen({ host: '127.0.0.1', port: 0 });
    user = await t.user('client-user');
    heat = new OrchestrationClient(`http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}/v1/${user.projectId}`, user.projectId);
  });
  after(async () => { await t?.close(); });

  it('creates, waits for, updates and deletes a stack', async () => {
    const template = {
      heat_template_version: '2018-08-31',
      parameters: { n: { type: 'number', default: 1 } },
      resources: { g: { type: 'OS::Heat::ResourceGroup', properties: { count: { get_param: 'n' }, resource_def: { type: 'OS::Heat::None' } } } },
      outputs: { refs: { value: { get_attr: ['g', 'refs'] } } },
    };
    const { id } = await heat.createStack(user.token, { stack_name: 'c1', template });
    const s = await heat.waitForStack(user.token, 'c1', id, { intervalMs: 10 });
    assert.equal(s.stack_status, 'CREATE_COMPLETE');
    assert.equal((s.outputs![0]!.output_value as unknown[]).length, 1);
    await heat.updateStack(user.token, 'c1', id, { parameters: { n: 3 } }, { patch: true });
    const u = await heat.waitForStack(user.token, 'c1', id, { intervalMs: 10 });
    assert.equal((u.outputs![0]!.output_value as unknown[]).length, 3);
    assert.equal((await heat.listResources(user.token, 'c1', id, { nestedDepth: 1 })).length, 4);
    assert.ok((await heat.listEvents(user.token, 'c1', id, { sortDir: 'desc', limit: 1 }))[0]!.resource_status.startsWith('UPDATE_COMPLETE'));
    await heat.deleteStack(user.token, 'c1', id);
    await heat.waitForStack(user.token, 'c1', id, { intervalMs: 10 });
    assert.deepEqual(await heat.listStacks(user.token), []);
  });

  it('returns Heat\'s faults typed', async () => {
    await assert.rejects(
      heat.createStack(user.token, { stack_name: 'bad', template: { heat_template_version: '2018-08-31', resources: { a: { type: 'OS::Nope' } } } }),
      (err: unknown) => err instanceof HeatFault && err.status === 400,
    );
    await assert.rejects(heat.getStack(user.token, 'nope', '00000000-0000-0000-0000-000000000000'), (err: unknown) => err instanceof HeatFault && err.status === 404 && err.name === 'EntityNotFound');
  });
});
