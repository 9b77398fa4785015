/** AssignmentStore on every engine: roles, implied roles and grants, their filters and cleanups. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Conflict, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { AssignmentStore } from './store.js';
import type { Assignment, Role } from '../model.js';

function role(name: string, domainId: string | null = null): Role {
  return { id: newHexId(), name, domainId, description: null, options: {}, extra: {} };
}

const grant = (a: Partial<Assignment> & Pick<Assignment, 'actorId' | 'targetId' | 'roleId'>): Assignment =>
  ({ actor: 'user', target: 'project', inherited: false, ...a });

const key = (a: Assignment): string => `${a.actor}:${a.actorId}>${a.target}:${a.targetId}:${a.roleId}${a.inherited ? ':inherited' : ''}`;
const keys = (xs: Assignment[]): string[] => xs.map(key).sort();

for (const { engine, skip } of STORE_ENGINES) {
  describe(`AssignmentStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: AssignmentStore;

    before(async () => {
      t = await openTestDatabase(engine, 'assignment');
      store = new AssignmentStore(t.db);
    });
    after(async () => t?.close());

    test('roles: insert, find by id and name, global apart from domain roles', async () => {
      const g = await store.insertRole({ ...role('viewer'), description: 'd', options: { immutable: true }, extra: { x: 1 } });
      const d = await store.insertRole(role('viewer', 'dom1'));
      assert.deepEqual(await store.findRole(g.id), g);
      assert.deepEqual(await store.getRole(d.id), d);
      assert.equal((await store.findRoleByName('viewer', null))?.id, g.id);
      assert.equal((await store.findRoleByName('viewer', 'dom1'))?.id, d.id);
      assert.equal(await store.findRoleByName('viewer', 'dom2'), undefined);
      await assert.rejects(store.getRole(newHexId()), NotFound);
    });

    test('role names are unique per domain, global roles among themselves (Conflict)', async () => {
      await store.insertRole(role('uniq'));
      await assert.rejects(store.insertRole(role('uniq')), Conflict);
      await store.insertRole(role('uniq', 'dom1'));
      await assert.rejects(store.insertRole(role('uniq', 'dom1')), Conflict);
      const other = await store.insertRole(role('uniq2'));
      await assert.rejects(store.updateRole({ ...other, name: 'uniq' }), Conflict);
      assert.equal((await store.findRole(other.id))?.name, 'uniq2');
    });

    test('listRoles filters global or per domain, by name and ids', async () => {
      const a = await store.insertRole(role('list-a'));
      const b = await store.insertRole(role('list-b', 'dom9'));
      const globals = await store.listRoles({ domainId: null });
      assert.ok(globals.some((r) => r.id === a.id) && !globals.some((r) => r.id === b.id));
      assert.deepEqual((await store.listRoles({ domainId: 'dom9' })).map((r) => r.id), [b.id]);
      assert.deepEqual((await store.listRoles({ name: 'list-a' })).map((r) => r.id), [a.id]);
      assert.deepEqual(await store.listRoles({ ids: [] }), []);
      assert.deepEqual((await store.listRoles({ ids: [b.id, a.id] })).map((r) => r.id), [a.id, b.id]);
    });

    test('implied roles: add twice, check, list, remove', async () => {
      const p = await store.insertRole(role('prior'));
      const i = await store.insertRole(role('implied'));
      await store.addImplication(p.id, i.id);
      await store.addImplication(p.id, i.id);
      assert.equal(await store.hasImplication(p.id, i.id), true);
      assert.deepEqual(await store.listImplications(p.id), [{ priorRoleId: p.id, impliedRoleId: i.id }]);
      assert.equal(await store.removeImplication(p.id, i.id), true);
      assert.equal(await store.removeImplication(p.id, i.id), false);
      await assert.rejects(store.addImplication(p.id, newHexId()), 'an implication needs both roles to exist');
    });

    test('grants: idempotent, checked, revoked once, with every target kind', async () => {
      const r = await store.insertRole(role('granted'));
      const u = newHexId();
      const all = [
        grant({ actorId: u, targetId: 'p1', roleId: r.id }),
        grant({ actorId: u, target: 'domain', targetId: 'd1', roleId: r.id }),
        grant({ actorId: u, target: 'domain', targetId: 'd1', roleId: r.id, inherited: true }),
        grant({ actorId: u, target: 'system', targetId: 'all', roleId: r.id }),
        grant({ actor: 'group', actorId: u, targetId: 'p1', roleId: r.id }),
      ];
      for (const a of all) {
        await store.grant(a);
        await store.grant(a);
      }
      assert.deepEqual(keys(await store.list({ roleIds: [r.id] })), keys(all));
      for (const a of all) assert.equal(await store.exists(a), true, key(a));
      assert.equal(await store.exists({ ...all[0]!, inherited: true }), false);
      assert.equal(await store.revoke(all[0]!), true);
      assert.equal(await store.revoke(all[0]!), false);
      assert.equal(await store.exists(all[0]!), false);
    });

    test('list filters by actor, target, ids, role and inheritance', async () => {
      const r1 = await store.insertRole(role('f1'));
      const r2 = await store.insertRole(role('f2'));
      const u1 = newHexId();
      const u2 = newHexId();
      const g1 = newHexId();
      const a = grant({ actorId: u1, targetId: 'pa', roleId: r1.id });
      const b = grant({ actorId: u2, targetId: 'pb', roleId: r2.id });
      const c = grant({ actor: 'group', actorId: g1, target: 'domain', targetId: 'da', roleId: r1.id, inherited: true });
      const d = grant({ actorId: u1, target: 'system', targetId: 'all', roleId: r2.id });
      for (const x of [a, b, c, d]) await store.grant(x);
      const mine = { actorIds: [u1, u2, g1] };
      assert.deepEqual(keys(await store.list({ ...mine, actor: 'group' })), keys([c]));
      assert.deepEqual(keys(await store.list({ ...mine, target: 'system' })), keys([d]));
      assert.deepEqual(keys(await store.list({ ...mine, targetIds: ['all'] })), keys([d]));
      assert.deepEqual(keys(await store.list({ ...mine, targetIds: ['pa', 'pb'] })), keys([a, b]));
      assert.deepEqual(keys(await store.list({ ...mine, roleIds: [r1.id] })), keys([a, c]));
      assert.deepEqual(keys(await store.list({ ...mine, inherited: true })), keys([c]));
      assert.deepEqual(keys(await store.list({ actorIds: [u1] })), keys([a, d]));
      assert.deepEqual(await store.list({ actorIds: [] }), []);
      assert.deepEqual(await store.list({ ...mine, targetIds: [] }), []);
      assert.deepEqual(await store.list({ ...mine, roleIds: [] }), []);
    });

    test('deleteForActor and deleteForTarget remove exactly their grants', async () => {
      const r = await store.insertRole(role('cleanup'));
      const u = newHexId();
      const v = newHexId();
      const keep = grant({ actorId: v, targetId: 'keep', roleId: r.id });
      await store.grant(grant({ actorId: u, targetId: 'x1', roleId: r.id }));
      await store.grant(grant({ actorId: u, target: 'system', targetId: 'all', roleId: r.id }));
      await store.grant(grant({ actorId: v, targetId: 'gone', roleId: r.id }));
      await store.grant(keep);
      await store.deleteForActor(u);
      await store.deleteForTarget('gone');
      assert.deepEqual(keys(await store.list({ roleIds: [r.id] })), keys([keep]));
    });

    test('deleteRole removes its grants and implications in both directions', async () => {
      const doomed = await store.insertRole(role('doomed'));
      const other = await store.insertRole(role('other'));
      const third = await store.insertRole(role('third'));
      await store.addImplication(doomed.id, other.id);
      await store.addImplication(third.id, doomed.id);
      await store.grant(grant({ actorId: newHexId(), targetId: 'p', roleId: doomed.id }));
      await t.db.transaction().execute((tx) => store.deleteRole(doomed.id, tx));
      assert.equal(await store.findRole(doomed.id), undefined);
      assert.deepEqual(await store.list({ roleIds: [doomed.id] }), []);
      assert.deepEqual((await store.listImplications()).filter((i) => i.priorRoleId === doomed.id || i.impliedRoleId === doomed.id), []);
      assert.ok(await store.findRole(other.id));
    });

    test('a role deleted straight from the table takes its implications with it (foreign keys)', async () => {
      const p = await store.insertRole(role('fk-prior'));
      const i = await store.insertRole(role('fk-implied'));
      await store.addImplication(p.id, i.id);
      await t.db.deleteFrom('role').where('id', '=', i.id).execute();
      assert.deepEqual(await store.listImplications(p.id), []);
    });
  });
}
