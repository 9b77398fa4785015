/** AppCredStore on every engine: credentials with roles and access rules, names, atomicity, cleanup. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Conflict, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, poisonInserts, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { AppCredStore } from './store.js';
import type { AccessRule, ApplicationCredential } from '../model.js';

function cred(userId: string, name: string, extra: Partial<ApplicationCredential> = {}): ApplicationCredential {
  return {
    id: newHexId(), name, secretHash: `hash-${name}`, description: null, userId, projectId: 'p1', system: null,
    expiresAt: null, unrestricted: false, roleIds: ['r1'], accessRuleIds: [], createdAt: '2026-01-01T00:00:00.000Z', ...extra,
  };
}

const rule = (userId: string, path: string): AccessRule => ({ id: newHexId(), service: 'identity', path, method: 'GET', userId });

for (const { engine, skip } of STORE_ENGINES) {
  describe(`AppCredStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: AppCredStore;

    before(async () => {
      t = await openTestDatabase(engine, 'appcred');
      store = new AppCredStore(t.db);
    });
    after(async () => t?.close());

    test('inserts a credential with its roles and new access rules, and finds it every way', async () => {
      const u = newHexId();
      const r = rule(u, '/v3/projects');
      const c = cred(u, 'ci', { roleIds: ['r1', 'r2'], accessRuleIds: [r.id], description: 'd', expiresAt: '2099-01-01T00:00:00.000Z', unrestricted: true });
      await store.insert(c, [r]);
      const found = await store.find(c.id);
      assert.deepEqual({ ...found, roleIds: [...found!.roleIds].sort() }, c);
      assert.deepEqual(await store.findByName(u, 'ci'), found);
      assert.deepEqual(await store.get(u, c.id), found);
      await assert.rejects(store.get(newHexId(), c.id), NotFound, 'another user may not get it by id');
      assert.deepEqual(await store.listAccessRules(u), [r]);
      assert.equal(await store.accessRuleInUse(r.id), true);
    });

    test('names are unique per user (Conflict), and a refused credential leaves no new access rule', async () => {
      const u = newHexId();
      await store.insert(cred(u, 'dup'), []);
      const r = rule(u, '/v3/users');
      await assert.rejects(store.insert(cred(u, 'dup', { accessRuleIds: [r.id] }), [r]), Conflict);
      assert.deepEqual(await store.listAccessRules(u), []);
      await store.insert(cred(newHexId(), 'dup'), []);
    });

    test('a credential whose roles fail to store is not stored at all', async () => {
      const u = newHexId();
      const unpoison = await poisonInserts(t, 'application_credential_role', 'role_id', 'poison-role');
      try {
        const r = rule(u, '/v3/poison');
        const c = cred(u, 'half', { roleIds: ['r1', 'poison-role'], accessRuleIds: [r.id] });
        await assert.rejects(store.insert(c, [r]));
        assert.equal(await store.find(c.id), undefined);
        assert.deepEqual(await store.listAccessRules(u), []);
      } finally {
        await unpoison();
      }
    });

    test('list is per user, by name', async () => {
      const u = newHexId();
      await store.insert(cred(u, 'b'), []);
      await store.insert(cred(u, 'a'), []);
      await store.insert(cred(newHexId(), 'a'), []);
      assert.deepEqual((await store.list(u)).map((c) => c.name), ['a', 'b']);
      assert.deepEqual((await store.list(u, { name: 'b' })).map((c) => c.name), ['b']);
    });

    test('delete removes the credential, its roles and its rule links; the rule stays, unused', async () => {
      const u = newHexId();
      const r = rule(u, '/v3/regions');
      const c = cred(u, 'gone', { accessRuleIds: [r.id] });
      await store.insert(c, [r]);
      await store.delete(c.id);
      assert.equal(await store.find(c.id), undefined);
      assert.deepEqual(await t.db.selectFrom('application_credential_role').selectAll().where('application_credential_id', '=', c.id).execute(), []);
      assert.equal(await store.accessRuleInUse(r.id), false);
      assert.deepEqual(await store.listAccessRules(u), [r]);
      await store.deleteAccessRule(r.id);
      assert.deepEqual(await store.listAccessRules(u), []);
    });

    test('deleteForUser removes all of a user\'s credentials, or those on one project', async () => {
      const u = newHexId();
      const a = cred(u, 'p1-cred');
      const b = cred(u, 'p2-cred', { projectId: 'p2' });
      const keep = cred(newHexId(), 'other-user');
      for (const c of [a, b, keep]) await store.insert(c, []);
      assert.deepEqual(await store.deleteForUser(u, 'p2'), [b.id]);
      assert.deepEqual((await store.list(u)).map((c) => c.id), [a.id]);
      assert.deepEqual(await store.deleteForUser(u), [a.id]);
      assert.deepEqual(await store.list(u), []);
      assert.ok(await store.find(keep.id));
    });

    test('access rules are listed per user and by id', async () => {
      const u = newHexId();
      const r1 = rule(u, '/a');
      const r2 = rule(u, '/b');
      await store.insert(cred(u, 'rules', { accessRuleIds: [r1.id, r2.id] }), [r1, r2]);
      assert.deepEqual((await store.listAccessRules(u, [r2.id])).map((r) => r.id), [r2.id]);
      assert.deepEqual(await store.listAccessRules(u, []), []);
      assert.deepEqual(await store.listAccessRules(newHexId()), []);
    });
  });
}
