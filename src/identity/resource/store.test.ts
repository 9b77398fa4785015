/** ResourceStore on every engine: domains and projects, names, filters, hierarchy, tags, deletion. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Conflict, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, poisonInserts, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { ResourceStore } from './store.js';
import { ROOT_DOMAIN_ID, type Project } from '../model.js';

function domain(name: string, extra: Partial<Project> = {}): Project {
  return { id: newHexId(), name, description: '', enabled: true, domainId: ROOT_DOMAIN_ID, parentId: null, isDomain: true, tags: [], extra: {}, ...extra };
}

function project(name: string, domainId: string, parentId: string = domainId, extra: Partial<Project> = {}): Project {
  return { id: newHexId(), name, description: `about ${name}`, enabled: true, domainId, parentId, isDomain: false, tags: [], extra: {}, ...extra };
}

for (const { engine, skip } of STORE_ENGINES) {
  describe(`ResourceStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: ResourceStore;
    let d1: Project;
    let d2: Project;

    before(async () => {
      t = await openTestDatabase(engine, 'resource');
      store = new ResourceStore(t.db);
      d1 = await store.insert(domain('d1'));
      d2 = await store.insert(domain('d2', { enabled: false }));
    });
    after(async () => t?.close());

    test('inserts and finds domains and projects, keeping every attribute', async () => {
      const p = await store.insert(project('p', d1.id, d1.id, { tags: ['b', 'a'], extra: { email: 'x@example.org', nested: { n: [1, 2] } }, enabled: false }));
      const found = await store.find(p.id);
      assert.deepEqual(found, { ...p, tags: ['a', 'b'] });
      assert.equal((await store.getDomain(d1.id)).name, 'd1');
      assert.equal((await store.getProject(p.id)).name, 'p');
      assert.equal(await store.find(newHexId()), undefined);
    });

    test('getProject refuses a domain and getDomain a project (NotFound)', async () => {
      const p = await store.insert(project('typed', d1.id));
      await assert.rejects(store.getProject(d1.id), NotFound);
      await assert.rejects(store.getDomain(p.id), NotFound);
      await assert.rejects(store.getDomain(newHexId()), NotFound);
    });

    test('project names are unique within a domain, not across domains (Conflict)', async () => {
      await store.insert(project('same', d1.id));
      await assert.rejects(store.insert(project('same', d1.id)), Conflict);
      await store.insert(project('same', d2.id));
      await assert.rejects(store.insert(domain('d1')), Conflict);
      // A project may share its domain's name: domains live under the root.
      await store.insert(project('d1', d1.id));
    });

    test('a rename onto a taken name is a Conflict and changes nothing', async () => {
      const a = await store.insert(project('rename-a', d1.id));
      await store.insert(project('rename-b', d1.id));
      await assert.rejects(store.update({ ...a, name: 'rename-b' }), Conflict);
      assert.equal((await store.find(a.id))?.name, 'rename-a');
    });

    test('update saves name, description, enabled, extras and tags', async () => {
      const a = await store.insert(project('upd', d1.id, d1.id, { tags: ['old'] }));
      await store.update({ ...a, name: 'upd2', description: 'new', enabled: false, extra: { k: 'v' }, tags: ['n1', 'n2'] });
      assert.deepEqual(await store.find(a.id), { ...a, name: 'upd2', description: 'new', enabled: false, extra: { k: 'v' }, tags: ['n1', 'n2'] });
    });

    test('list filters by name, domain, parent, enabled, kind and ids, ordered by name', async () => {
      const dom = await store.insert(domain('list-dom'));
      const x = await store.insert(project('x', dom.id));
      const y = await store.insert(project('y', dom.id, x.id, { enabled: false }));
      const w = await store.insert(project('w', dom.id));
      assert.deepEqual((await store.list({ domainId: dom.id })).map((p) => p.name), ['w', 'x', 'y']);
      assert.deepEqual((await store.list({ domainId: dom.id, enabled: false })).map((p) => p.id), [y.id]);
      assert.deepEqual((await store.list({ parentId: x.id })).map((p) => p.id), [y.id]);
      assert.deepEqual((await store.list({ name: 'w', domainId: dom.id })).map((p) => p.id), [w.id]);
      assert.deepEqual(await store.list({ ids: [] }), []);
      assert.deepEqual((await store.list({ ids: [y.id, x.id] })).map((p) => p.id), [x.id, y.id]);
      assert.ok((await store.list({ isDomain: true })).every((p) => p.isDomain));
      assert.ok((await store.list({ isDomain: false })).every((p) => !p.isDomain));
      assert.equal((await store.findProjectByName('x', dom.id))?.id, x.id);
      assert.equal((await store.findDomainByName('list-dom'))?.id, dom.id);
      assert.equal(await store.findProjectByName('x', d1.id), undefined);
    });

    test('children, subtree and parents follow the hierarchy', async () => {
      const dom = await store.insert(domain('tree-dom'));
      const a = await store.insert(project('a', dom.id));
      const b = await store.insert(project('b', dom.id, a.id));
      const c = await store.insert(project('c', dom.id, b.id));
      const b2 = await store.insert(project('b2', dom.id, a.id));
      assert.deepEqual((await store.children(a.id)).map((p) => p.id).sort(), [b.id, b2.id].sort());
      assert.deepEqual((await store.subtree(a.id)).map((p) => p.id).sort(), [b.id, b2.id, c.id].sort());
      assert.deepEqual((await store.parents(c)).map((p) => p.id), [b.id, a.id]);
      assert.deepEqual(await store.parents(a), []);
      assert.deepEqual((await store.subtree(dom.id)).map((p) => p.id).sort(), [a.id, b.id, b2.id, c.id].sort());
    });

    test('setTags replaces the set and drops duplicates', async () => {
      const p = await store.insert(project('tags', d1.id, d1.id, { tags: ['a'] }));
      await store.setTags(p.id, ['z', 'y', 'z']);
      assert.deepEqual((await store.find(p.id))?.tags, ['y', 'z']);
      await store.setTags(p.id, []);
      assert.deepEqual((await store.find(p.id))?.tags, []);
    });

    test('delete removes the project and its tags', async () => {
      const p = await store.insert(project('gone', d1.id, d1.id, { tags: ['t1', 't2'] }));
      await store.delete(p.id);
      assert.equal(await store.find(p.id), undefined);
      const rows = await t.db.selectFrom('project_tag').selectAll().where('project_id', '=', p.id).execute();
      assert.deepEqual(rows, []);
    });

    test('a project row cannot be deleted from under its tags: the tag rows cascade', async () => {
      const p = await store.insert(project('cascade', d1.id, d1.id, { tags: ['c'] }));
      await t.db.deleteFrom('project').where('id', '=', p.id).execute();
      assert.deepEqual(await t.db.selectFrom('project_tag').selectAll().where('project_id', '=', p.id).execute(), []);
    });

    // Once a bug: delete-then-insert without a lock let two replacements collide on the primary key.
    test('concurrent tag replacements on one project all succeed', async () => {
      const p = await store.insert(project('racy', d1.id));
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.setTags(p.id, ['shared', `t${i}`])));
      const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.deepEqual(failed, []);
      const tags = (await store.find(p.id))!.tags;
      assert.equal(tags.length, 2, `tags: ${tags.join(',')}`);
    });

    // Once a bug: the row and its tags were separate statements, and a SIGKILL between them left a project without tags.
    test('an insert that fails on its tags leaves no project behind', async () => {
      const unpoison = await poisonInserts(t, 'project_tag', 'name', 'poison-tag');
      try {
        const p = project('half', d1.id, d1.id, { tags: ['poison-tag'] });
        await assert.rejects(store.insert(p));
        assert.equal(await store.find(p.id), undefined, 'the project row stayed although its tags failed');
      } finally {
        await unpoison();
      }
    });
  });
}
