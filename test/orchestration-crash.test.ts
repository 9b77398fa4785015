/**
 * Stacks across a SIGKILL of the real all-in-one: one stack in the middle of its create (a 50-resource
 * group beside a chain of slow TestResources) and one in the middle of its delete. Restarted on the same
 * data dir, the engine continues both: the create reaches CREATE_COMPLETE with every resource created
 * once, the delete DELETE_COMPLETE; nothing is left IN_PROGRESS, and a later update and delete work.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { IdentityClient } from '../src/identity/client.js';
import { OrchestrationClient } from '../src/orchestration/client.js';
import { createScratchDatabase, postgresSkipReason, type ScratchDatabase } from './support/pg-database.js';

async function connect(cloud: TestCloud): Promise<{ token: string; heat: OrchestrationClient }> {
  const issued = await new IdentityClient(cloud.identityUrl).passwordToken({ user: 'admin', password: cloud.adminPassword, project: 'admin' });
  const catalog = (await (await fetch(`${cloud.identityUrl}/auth/catalog`, { headers: { 'x-auth-token': issued.token } })).json()) as {
    catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
  };
  const url = catalog.catalog.find((c) => c.type === 'orchestration')!.endpoints.find((e) => e.interface === 'public')!.url;
  return { token: issued.token, heat: new OrchestrationClient(url, issued.body.project!.id) };
}

const SLOW = (n: number, action: 'create' | 'delete'): Record<string, unknown> => {
  const resources: Record<string, unknown> = {
    group: { type: 'OS::Heat::ResourceGroup', properties: { count: 50, resource_def: { type: 'OS::Heat::RandomString', properties: { length: 10 } } } },
  };
  for (let i = 0; i < n; i++) {
    resources[`slow${i}`] = { type: 'OS::Heat::TestResource', properties: { value: `v${i}`, action_wait_secs: { [action]: 0.4 } }, ...(i > 0 ? { depends_on: `slow${i - 1}` } : {}) };
  }
  return { heat_template_version: '2018-08-31', resources, outputs: { refs: { value: { get_attr: ['group', 'refs'] } } } };
};

const ENGINES: Array<{ engine: 'sqlite' | 'postgres'; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason()! } : {}) },
];

for (const { engine, skip } of ENGINES) describe(`stacks across a SIGKILL (${engine})`, { skip }, () => {
  let cloud: TestCloud | undefined;
  let database: ScratchDatabase | undefined;
  after(async () => {
    await cloud?.stop();
    await database?.drop();
    if (cloud) fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  });

  it('continues a create and a delete after the engine is killed', async () => {
    if (engine === 'postgres') database = await createScratchDatabase(process.env.FLOTILLA_TEST_DATABASE_URL!, 'orchestration_crash');
    const db = database ? { databaseUrl: database.url } : {};
    cloud = await startTestCloud(db);
    let { token, heat } = await connect(cloud);
    const doomed = await heat.createStack(token, { stack_name: 'doomed', template: SLOW(5, 'delete') });
    await heat.waitForStack(token, 'doomed', doomed.id, { intervalMs: 50 });
    const building = await heat.createStack(token, { stack_name: 'building', template: SLOW(8, 'create') });
    await heat.deleteStack(token, 'doomed', doomed.id);
    await new Promise((r) => setTimeout(r, 1200));
    const mid = await heat.getStack(token, 'building', building.id, { resolveOutputs: false });
    assert.equal(mid.stack_status, 'CREATE_IN_PROGRESS', 'killed in the middle of the create');
    assert.equal((await heat.getStack(token, 'doomed', doomed.id, { resolveOutputs: false })).stack_status, 'DELETE_IN_PROGRESS');
    const server = cloud;
    await server.stop('SIGKILL');

    cloud = await startTestCloud({ dataDir: server.dataDir, adminPassword: server.adminPassword, ...db });
    ({ token, heat } = await connect(cloud));
    const built = await heat.waitForStack(token, 'building', building.id, { intervalMs: 100, timeoutMs: 60000 });
    assert.equal(built.stack_status, 'CREATE_COMPLETE', built.stack_status_reason);
    assert.equal((built.outputs![0]!.output_value as unknown[]).length, 50);
    const resources = await heat.listResources(token, 'building', building.id, { nestedDepth: 1 });
    assert.equal(resources.length, 59);
    assert.ok(resources.every((r) => r.resource_status === 'CREATE_COMPLETE'), JSON.stringify(resources.filter((r) => r.resource_status !== 'CREATE_COMPLETE')));
    const events = await heat.listEvents(token, 'building', building.id);
    const creates = events.filter((e) => e.resource_name.startsWith('slow') && e.resource_status === 'CREATE_COMPLETE').map((e) => e.resource_name);
    assert.equal(new Set(creates).size, 8, 'every slow resource completed');
    assert.equal(creates.length, 8, 'and completed once');

    const gone = await heat.waitForStack(token, 'doomed', doomed.id, { intervalMs: 100, timeoutMs: 60000 });
    assert.equal(gone.stack_status, 'DELETE_COMPLETE', gone.stack_status_reason);
    assert.deepEqual((await heat.listStacks(token)).map((s) => s.stack_name), ['building']);

    await heat.updateStack(token, 'building', building.id, { parameters: {} }, { patch: true });
    assert.equal((await heat.waitForStack(token, 'building', building.id, { intervalMs: 50 })).stack_status, 'UPDATE_COMPLETE');
    await heat.deleteStack(token, 'building', building.id);
    assert.equal((await heat.waitForStack(token, 'building', building.id, { intervalMs: 100, timeoutMs: 60000 })).stack_status, 'DELETE_COMPLETE');
  });
});
