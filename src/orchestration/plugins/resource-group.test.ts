/** OS::Heat::ResourceGroup through the engine: index_var, batch_create, rolling_update and its attributes. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestEngine, type TestEngine } from '../engine/testing.js';
import { childStacks } from '../store.js';
import { memberNames, withIndex } from './resource-group.js';

describe('OS::Heat::ResourceGroup', () => {
  let t: TestEngine;
  before(async () => { t = await createTestEngine(); });
  after(async () => { await t?.close(); });

  it('names members past removed ones and replaces the index variable everywhere', () => {
    assert.deepEqual(memberNames(3, new Set(['1'])), ['0', '2', '3']);
    assert.deepEqual(withIndex({ a: ['x-%i%', { b: '%i%%i%' }], n: 1 }, '%i%', '7'), { a: ['x-7', { b: '77' }], n: 1 });
  });

  it('creates a batch at a time with batch_create and updates a batch at a time with rolling_update', async () => {
    const tpl = (value: string): Record<string, unknown> => ({
      heat_template_version: '2018-08-31',
      resources: {
        g: {
          type: 'OS::Heat::ResourceGroup',
          properties: { count: 5, index_var: '%n%', resource_def: { type: 'OS::Heat::TestResource', properties: { value: `${value}-%n%` } } },
          update_policy: { batch_create: { max_batch_size: 2 }, rolling_update: { max_batch_size: 2 } },
        },
      },
      outputs: {
        out: { value: { get_attr: ['g', 'output'] } },
        one: { value: { get_attr: ['g', 'resource.3.output'] } },
        refs: { value: { get_attr: ['g', 'refs_map'] } },
      },
    });
    const s = await t.create('batches', tpl('a'));
    assert.equal(s.status, 'COMPLETE', s.statusReason);
    const view = await t.engine.describe(s.id);
    assert.deepEqual(view.outputs.out, ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    assert.equal(view.outputs.one, 'a-3');
    assert.deepEqual(Object.keys(view.outputs.refs as object), ['0', '1', '2', '3', '4']);
    const [child] = await childStacks(t.db, s.id);
    const childEvents = (await t.events(child!.id)).filter((e) => e.resourceName === child!.name).map((e) => `${e.action}_${e.status}`);
    assert.deepEqual(childEvents, ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
      'three batches: the create, then two updates adding members');

    const u = await t.update(s.id, tpl('b'));
    assert.equal(`${u.action}_${u.status}`, 'UPDATE_COMPLETE', u.statusReason);
    assert.deepEqual((await t.engine.describe(s.id)).outputs.out, ['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);
    const updates = (await t.events(child!.id)).filter((e) => e.resourceName === child!.name && e.action === 'UPDATE' && e.status === 'COMPLETE');
    assert.equal(updates.length, 2 + 3, 'the rolling update changed the members in three batches of at most two');
    const memberUpdates = (await t.events(child!.id)).filter((e) => e.resourceName !== child!.name && e.action === 'UPDATE' && e.status === 'IN_PROGRESS').map((e) => e.resourceName);
    assert.deepEqual(memberUpdates, ['0', '1', '2', '3', '4'], 'each member updated in place once, lowest first');
  });

  it('repairs a failed group in place on the next update instead of replacing it', async () => {
    const tpl = (fail: boolean): Record<string, unknown> => ({
      heat_template_version: '2018-08-31',
      resources: { g: { type: 'OS::Heat::ResourceGroup', properties: { count: 2, resource_def: { type: 'OS::Heat::TestResource', properties: { fail } } } } },
    });
    const s = await t.create('repair', tpl(true));
    assert.equal(`${s.action}_${s.status}`, 'CREATE_FAILED');
    const [child] = await childStacks(t.db, s.id);
    const u = await t.update(s.id, tpl(false));
    assert.equal(`${u.action}_${u.status}`, 'UPDATE_COMPLETE', u.statusReason);
    const [after] = await childStacks(t.db, s.id);
    assert.equal(after!.id, child!.id, 'the same nested stack, updated');
    assert.equal(`${after!.action}_${after!.status}`, 'UPDATE_COMPLETE');
  });

  it('keeps the whole tree within max_resources_per_stack: a static count at create, groups of groups while running', async () => {
    await assert.rejects(t.create('huge', {
      heat_template_version: '2018-08-31',
      resources: { g: { type: 'OS::Heat::ResourceGroup', properties: { count: 5000, resource_def: { type: 'OS::Heat::None' } } } },
    }), /Maximum resources per stack exceeded/);
    const inner = 'heat_template_version: 2018-08-31\nresources:\n  g: {type: OS::Heat::ResourceGroup, properties: {count: 40, resource_def: {type: OS::Heat::None}}}\n';
    const s = await t.create('bomb', {
      heat_template_version: '2018-08-31',
      resources: { g: { type: 'OS::Heat::ResourceGroup', properties: { count: 30, resource_def: { type: 'inner.yaml' } } } },
    }, { files: { 'inner.yaml': inner } });
    assert.equal(`${s.action}_${s.status}`, 'CREATE_FAILED');
    assert.match(s.statusReason, /Maximum resources per stack exceeded/);
    const d = await t.delete(s.id);
    assert.equal(`${d.action}_${d.status}`, 'DELETE_COMPLETE', d.statusReason);
  });
});
