/** The engine over a real database: create, update, delete, rollback and nested stacks, on both engines. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINES } from '../../platform/db/testing.js';
import { createTestEngine, type TestEngine } from './testing.js';
import { currentRows } from './run.js';
import { resolveDefinition } from './definition.js';
import { childStacks } from '../store.js';

const RANDOM = (n: number): Record<string, unknown> => ({
  heat_template_version: '2018-08-31',
  parameters: { len: { type: 'number', default: 8 } },
  resources: Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { type: 'OS::Heat::RandomString', properties: { length: { get_param: 'len' } } }])),
});

for (const { engine, skip } of TEST_ENGINES) {
  describe(`orchestration engine (${engine})`, { skip }, () => {
    let t: TestEngine;
    // A timeout_mins minute lasts 200 ms here.
    before(async () => { t = await createTestEngine(engine, [], { minuteMs: 200 }); });
    after(async () => { await t?.close(); });

    it('creates independent resources and reports Heat statuses with one event per transition', async () => {
      const s = await t.create('s1', RANDOM(3));
      assert.equal(`${s.action}_${s.status}`, 'CREATE_COMPLETE', s.statusReason);
      assert.equal(s.statusReason, 'Stack CREATE completed successfully');
      const rows = await t.resources(s.id);
      assert.equal(rows.length, 3);
      for (const r of rows) {
        assert.equal(`${r.action}_${r.status}`, 'CREATE_COMPLETE');
        assert.equal(String(r.attributes.value).length, 8);
      }
      const events = await t.events(s.id);
      const names = events.map((e) => `${e.resourceName} ${e.action}_${e.status}`);
      assert.equal(names[0], 's1 CREATE_IN_PROGRESS');
      assert.equal(names.at(-1), 's1 CREATE_COMPLETE');
      assert.equal(events.length, 2 + 3 * 2);
    });

    it('follows depends_on and get_resource order, and resolves outputs', async () => {
      const s = await t.create('chain', {
        heat_template_version: '2018-08-31',
        resources: {
          a: { type: 'OS::Heat::RandomString' },
          b: { type: 'OS::Heat::Value', properties: { value: { get_attr: ['a', 'value'] } } },
          c: { type: 'OS::Heat::None', depends_on: ['b'] },
        },
        outputs: { v: { value: { get_attr: ['b', 'value'] } }, ref: { value: { get_resource: 'a' } } },
      });
      assert.equal(s.status, 'COMPLETE', s.statusReason);
      const events = (await t.events(s.id)).filter((e) => e.status === 'IN_PROGRESS' && e.resourceName !== 'chain').map((e) => e.resourceName);
      assert.deepEqual(events, ['a', 'b', 'c']);
      const view = await t.engine.describe(s.id);
      const a = (await t.resources(s.id)).find((r) => r.name === 'a')!;
      assert.equal(view.outputs.v, a.attributes.value);
      assert.equal(view.outputs.ref, a.attributes.value, 'get_resource of a RandomString is its value');
    });

    it('updates in place, replaces, adds and removes resources', async () => {
      const s = await t.create('upd', {
        heat_template_version: '2018-08-31',
        resources: {
          keep: { type: 'OS::Heat::RandomString' },
          val: { type: 'OS::Heat::TestResource', properties: { value: 'one' } },
          rep: { type: 'OS::Heat::RandomString', properties: { length: 4 } },
          gone: { type: 'OS::Heat::None' },
        },
      });
      const before = await t.resources(s.id);
      const id = (n: string): string => currentRows(before).find((r) => r.name === n)!.physicalId!;
      const u = await t.update(s.id, {
        heat_template_version: '2018-08-31',
        resources: {
          keep: { type: 'OS::Heat::RandomString' },
          val: { type: 'OS::Heat::TestResource', properties: { value: 'two' } },
          rep: { type: 'OS::Heat::RandomString', properties: { length: 6 } },
          added: { type: 'OS::Heat::None' },
        },
      });
      assert.equal(`${u.action}_${u.status}`, 'UPDATE_COMPLETE', u.statusReason);
      const after = currentRows(await t.resources(s.id));
      const by = (n: string) => after.find((r) => r.name === n);
      assert.equal(by('keep')!.physicalId, id('keep'), 'unchanged');
      assert.equal(by('val')!.physicalId, id('val'), 'updated in place');
      assert.equal(by('val')!.attributes.output, 'two');
      assert.notEqual(by('rep')!.physicalId, id('rep'), 'replaced');
      assert.equal(String(by('rep')!.attributes.value).length, 6);
      assert.ok(by('added'));
      assert.equal(by('gone'), undefined);
      assert.equal((await t.resources(s.id)).length, 4, 'replaced and removed rows are gone');
    });

    it('rolls back a failed create when rollback is enabled, and deletes in reverse order honouring Retain', async () => {
      const bad = await t.create('rb', {
        heat_template_version: '2018-08-31',
        resources: { ok: { type: 'OS::Heat::RandomString' }, boom: { type: 'OS::Heat::TestResource', properties: { fail: true }, depends_on: ['ok'] } },
      }, { disableRollback: false });
      assert.equal(`${bad.action}_${bad.status}`, 'ROLLBACK_COMPLETE', bad.statusReason);
      const seq = (await t.events(bad.id)).filter((e) => e.resourceName === 'rb').map((e) => `${e.action}_${e.status}`);
      assert.deepEqual(seq, ['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
      const failed = (await t.events(bad.id)).find((e) => e.status === 'FAILED' && e.resourceName === 'boom')!;
      assert.equal(failed.reason, 'ValueError: resources.boom: Test Resource failed boom');

      const s = await t.create('del', {
        heat_template_version: '2018-08-31',
        resources: { a: { type: 'OS::Heat::None' }, b: { type: 'OS::Heat::None', depends_on: 'a', deletion_policy: 'Retain' } },
      });
      const d = await t.delete(s.id);
      assert.equal(`${d.action}_${d.status}`, 'DELETE_COMPLETE');
      assert.ok(d.deletedAt);
      const order = (await t.events(s.id)).filter((e) => e.action === 'DELETE' && e.status === 'IN_PROGRESS' && e.resourceName !== 'del').map((e) => e.resourceName);
      assert.deepEqual(order, ['b', 'a']);
    });

    it('builds a ResourceGroup as a nested stack and scales it with removal policies', async () => {
      const tpl = (count: number, removal: unknown[] = []): Record<string, unknown> => ({
        heat_template_version: '2018-08-31',
        resources: {
          g: { type: 'OS::Heat::ResourceGroup', properties: { count, removal_policies: removal, resource_def: { type: 'OS::Heat::Value', properties: { value: 'v%index%' } } } },
        },
        outputs: { vals: { value: { get_attr: ['g', 'value'] } }, refs: { value: { get_attr: ['g', 'refs'] } } },
      });
      const s = await t.create('grp', tpl(3));
      assert.equal(s.status, 'COMPLETE', s.statusReason);
      assert.deepEqual((await t.engine.describe(s.id)).outputs.vals, ['v0', 'v1', 'v2']);
      const u = await t.update(s.id, tpl(2, [{ resource_list: ['0'] }]));
      assert.equal(`${u.action}_${u.status}`, 'UPDATE_COMPLETE', u.statusReason);
      assert.deepEqual((await t.engine.describe(s.id)).outputs.vals, ['v1', 'v2']);
      const d = await t.delete(s.id);
      assert.equal(d.status, 'COMPLETE', d.statusReason);
    });

    it('uses provider templates from files through the environment', async () => {
      const inner = 'heat_template_version: 2018-08-31\nparameters:\n  word: {type: string}\nresources:\n  v: {type: OS::Heat::Value, properties: {value: {list_join: [\'-\', [{get_param: word}, {get_file: \'file:///d/data.txt\'}]]}}}\noutputs:\n  out: {value: {get_attr: [v, value]}}\n';
      const s = await t.create('prov', {
        heat_template_version: '2018-08-31',
        resources: { p: { type: 'My::Thing', properties: { word: 'hello' } } },
        outputs: { o: { value: { get_attr: ['p', 'out'] } } },
      }, { files: { 'thing.yaml': inner, 'file:///d/data.txt': 'filedata' }, environment: { resource_registry: { 'My::Thing': 'thing.yaml' } } });
      assert.equal(s.status, 'COMPLETE', s.statusReason);
      assert.equal((await t.engine.describe(s.id)).outputs.o, 'hello-filedata', 'get_file in a provider template reads the stack\'s files');
    });

    it('creates 200 resources and a 50-deep chain quickly', async () => {
      let start = performance.now();
      const s = await t.create('big', RANDOM(200));
      const wide = performance.now() - start;
      assert.equal(s.status, 'COMPLETE', s.statusReason);
      const chain: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) chain[`c${i}`] = { type: 'OS::Heat::RandomString', ...(i > 0 ? { depends_on: [`c${i - 1}`] } : {}) };
      start = performance.now();
      const c = await t.create('deep', { heat_template_version: '2018-08-31', resources: chain });
      const deep = performance.now() - start;
      assert.equal(c.status, 'COMPLETE', c.statusReason);
      console.log(`200 wide: ${wide.toFixed(0)} ms, 50 deep: ${deep.toFixed(0)} ms`);
    });

    it('rolls a failed update back, bringing replaced resources back', async () => {
      const tpl = (value: string, fail: boolean): Record<string, unknown> => ({
        heat_template_version: '2018-08-31',
        resources: {
          r: { type: 'OS::Heat::TestResource', properties: { value, update_replace_value: value } },
          f: { type: 'OS::Heat::TestResource', properties: { fail }, depends_on: 'r' },
        },
      });
      const s = await t.create('urb', tpl('one', false));
      const before = currentRows(await t.resources(s.id)).find((r) => r.name === 'r')!;
      const u = await t.update(s.id, tpl('two', true), { rollback: true });
      assert.equal(`${u.action}_${u.status}`, 'ROLLBACK_COMPLETE', u.statusReason);
      const after = currentRows(await t.resources(s.id));
      const r = after.find((x) => x.name === 'r')!;
      assert.equal(r.id, before.id, 'the replaced resource came back');
      assert.equal(r.attributes.output, 'one');
      assert.equal((await t.resources(s.id)).length, 2, 'the replacement is gone');
      const seq = (await t.events(s.id)).filter((e) => e.resourceName === 'urb').map((e) => `${e.action}_${e.status}`);
      assert.deepEqual(seq.slice(-4), ['UPDATE_IN_PROGRESS', 'UPDATE_FAILED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
      const again = await t.update(s.id, tpl('three', false));
      assert.equal(`${again.action}_${again.status}`, 'UPDATE_COMPLETE', 'a later update works');
    });

    it('cancels an update (with and without rollback) and deletes a stack mid-create', async () => {
      const tpl = (secs: number, value: string): Record<string, unknown> => ({
        heat_template_version: '2018-08-31',
        resources: { w: { type: 'OS::Heat::TestResource', properties: { value, action_wait_secs: { update: secs } } } },
      });
      for (const rollback of [true, false]) {
        const s = await t.create(`cancel-${rollback}`, tpl(0, 'a'));
        const cur = await t.stack(s.id);
        const target = await resolveDefinition(t.engine.registry, { template: tpl(-1, 'b') });
        await t.engine.begin(cur, { kind: 'update', rollback: false, target, previous: cur.definition });
        const running = t.engine.run(s.id);
        await new Promise((r) => setTimeout(r, 50));
        await t.engine.cancelUpdate(await t.stack(s.id), rollback);
        await running;
        await t.engine.drain();
        const done = await t.stack(s.id);
        assert.equal(`${done.action}_${done.status}`, rollback ? 'ROLLBACK_COMPLETE' : 'UPDATE_FAILED', done.statusReason);
        if (!rollback) assert.equal(done.statusReason, 'Stack UPDATE cancelled');
      }
      const definition = await resolveDefinition(t.engine.registry, { template: {
        heat_template_version: '2018-08-31', resources: { w: { type: 'OS::Heat::TestResource', properties: { action_wait_secs: { create: -1 } } } },
      } });
      const s = await t.engine.createStack({ name: 'doomed', projectId: 'p1', userId: 'u1', definition, disableRollback: true, timeoutMins: null, tags: [], trustId: null });
      await new Promise((r) => setTimeout(r, 50));
      await t.engine.begin(await t.stack(s.id), { kind: 'delete' });
      await t.engine.run(s.id);
      await t.engine.drain();
      const gone = await t.stack(s.id);
      assert.equal(`${gone.action}_${gone.status}`, 'DELETE_COMPLETE', gone.statusReason);
    });

    it('honours conditions on resources and outputs, and an update that turns one on', async () => {
      const tpl = {
        heat_template_version: '2018-08-31',
        parameters: { env: { type: 'string', default: 'dev' } },
        conditions: { prod: { equals: [{ get_param: 'env' }, 'prod'] } },
        resources: { a: { type: 'OS::Heat::None', condition: 'prod' }, b: { type: 'OS::Heat::None' } },
        outputs: { o: { value: 'x', condition: 'prod' }, o2: { value: { if: ['prod', 'p', 'd'] } } },
      };
      const s = await t.create('cond', tpl);
      assert.equal(s.status, 'COMPLETE', s.statusReason);
      assert.deepEqual(currentRows(await t.resources(s.id)).map((r) => r.name), ['b']);
      assert.deepEqual((await t.engine.describe(s.id)).outputs, { o: null, o2: 'd' });
      const u = await t.update(s.id, tpl, { params: { env: 'prod' } });
      assert.equal(`${u.action}_${u.status}`, 'UPDATE_COMPLETE', u.statusReason);
      assert.deepEqual(currentRows(await t.resources(s.id)).map((r) => r.name).sort(), ['a', 'b']);
      assert.deepEqual((await t.engine.describe(s.id)).outputs, { o: 'x', o2: 'p' });
    });

    it('fails an operation that outlives timeout_mins with Heat\'s "Timed out"', async () => {
      const definition = await resolveDefinition(t.engine.registry, { template: {
        heat_template_version: '2018-08-31', resources: { w: { type: 'OS::Heat::TestResource', properties: { action_wait_secs: { create: -1 } } } },
      } });
      const s = await t.engine.createStack({ name: 'slowpoke', projectId: 'p1', userId: 'u1', definition, disableRollback: true, timeoutMins: 1, tags: [], trustId: null });
      await t.engine.run(s.id);
      await t.engine.drain();
      const done = await t.stack(s.id);
      assert.equal(`${done.action}_${done.status}`, 'CREATE_FAILED');
      assert.equal(done.statusReason, 'Timed out');
      assert.equal(done.operation, null);
    });

    it('refuses nesting deeper than 5 levels, at create and while running', async () => {
      const files: Record<string, string> = { 'self.yaml': 'heat_template_version: 2018-08-31\nresources:\n  again: {type: self.yaml}\n' };
      await assert.rejects(
        t.create('deepnest', { heat_template_version: '2018-08-31', resources: { a: { type: 'self.yaml' } } }, { files }),
        /Recursion depth exceeds 5/,
      );
      const chain: Record<string, string> = {};
      for (let i = 1; i <= 5; i++) chain[`l${i}.yaml`] = `heat_template_version: 2018-08-31\nresources:\n  next: {type: ${i < 5 ? `l${i + 1}.yaml` : 'OS::Heat::None'}}\n`;
      const ok = await t.create('fivedeep', { heat_template_version: '2018-08-31', resources: { a: { type: 'l1.yaml' } } }, { files: chain });
      assert.equal(`${ok.action}_${ok.status}`, 'CREATE_COMPLETE', ok.statusReason);
      const group = { 'g.yaml': 'heat_template_version: 2018-08-31\nresources:\n  g: {type: OS::Heat::ResourceGroup, properties: {resource_def: {type: g.yaml}}}\n' };
      await assert.rejects(t.create('groupnest', { heat_template_version: '2018-08-31', resources: { a: { type: 'g.yaml' } } }, { files: group }), /Recursion depth exceeds 5/);
    });

    it('after a restart, also finishes a nested stack whose parent is no longer in progress', async () => {
      const inner = 'heat_template_version: 2018-08-31\nresources:\n  w: {type: OS::Heat::TestResource, properties: {action_wait_secs: {create: 0.3}}}\n';
      const definition = await resolveDefinition(t.engine.registry, { template: { heat_template_version: '2018-08-31', resources: { n: { type: 'inner.yaml' } } }, files: { 'inner.yaml': inner } });
      const s = await t.engine.createStack({ name: 'orphan', projectId: 'p1', userId: 'u1', definition, disableRollback: true, timeoutMins: null, tags: [], trustId: null });
      await new Promise((r) => setTimeout(r, 100));
      await t.restart();
      // As if the parent's step had failed around its child: the parent is done, the child still has its operation.
      await t.db.updateTable('stack').set({ operation: null, status: 'FAILED' }).where('id', '=', s.id).execute();
      const [child] = await childStacks(t.db, s.id);
      assert.ok(child?.operation, 'the child was stopped mid-create');
      assert.equal(await t.engine.resumeAll(), 1);
      await t.engine.run(child.id);
      await t.engine.drain();
      const done = await t.stack(child.id);
      assert.equal(`${done.action}_${done.status}`, 'CREATE_COMPLETE', done.statusReason);
    });

    it('continues a create after a restart (the engine stopped mid-step)', async () => {
      const definition = await resolveDefinition(t.engine.registry, { template: {
        heat_template_version: '2018-08-31',
        resources: { w: { type: 'OS::Heat::TestResource', properties: { wait_secs: 0.3 } }, after: { type: 'OS::Heat::None', depends_on: 'w' } },
      } });
      const s = await t.engine.createStack({ name: 'slow', projectId: 'p1', userId: 'u1', definition, disableRollback: true, timeoutMins: null, tags: [], trustId: null });
      await new Promise((r) => setTimeout(r, 100));
      await t.restart();
      const mid = await t.stack(s.id);
      assert.equal(`${mid.action}_${mid.status}`, 'CREATE_IN_PROGRESS', 'a stopped engine leaves the operation for the next one');
      assert.ok(mid.operation);
      assert.equal(await t.engine.resumeAll(), 1);
      await t.engine.run(s.id);
      await t.engine.drain();
      const done = await t.stack(s.id);
      assert.equal(`${done.action}_${done.status}`, 'CREATE_COMPLETE', done.statusReason);
      assert.equal(done.operation, null);
      const rows = await t.resources(s.id);
      assert.ok(rows.every((r) => r.action === 'CREATE' && r.status === 'COMPLETE'));
    });
  });
}
