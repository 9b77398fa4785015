/** UserStore on every engine: users, password history, groups and membership, and their cascades. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Conflict, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, poisonInserts, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { UserStore } from './store.js';
import type { Group, User } from '../model.js';

const NOW = '2026-01-01T00:00:00.000Z';

function user(name: string, domainId = 'default', extra: Partial<User> = {}): User {
  return {
    id: newHexId(), name, domainId, enabled: true, defaultProjectId: null, extra: {}, options: {}, createdAt: NOW,
    lastActiveAt: null, passwordHash: `hash-of-${name}`, passwordCreatedAt: NOW, passwordExpiresAt: null, failedAuthCount: 0, failedAuthAt: null, ...extra,
  };
}

function group(name: string, domainId = 'default'): Group {
  return { id: newHexId(), name, domainId, description: `the ${name} group`, extra: {} };
}

for (const { engine, skip } of STORE_ENGINES) {
  describe(`UserStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: UserStore;

    before(async () => {
      t = await openTestDatabase(engine, 'users');
      store = new UserStore(t.db);
    });
    after(async () => t?.close());

    test('inserts and finds users with every attribute, by id and by name', async () => {
      const u = await store.insert(user('alice', 'default', { extra: { email: 'a@example.org' }, options: { lock_password: true }, defaultProjectId: 'p1', enabled: false }));
      assert.deepEqual(await store.find(u.id), u);
      assert.deepEqual(await store.get(u.id), u);
      assert.deepEqual(await store.findByName('alice', 'default'), u);
      assert.equal(await store.findByName('alice', 'other'), undefined);
      await assert.rejects(store.get(newHexId()), NotFound);
    });

    test('names are unique within a domain only (Conflict)', async () => {
      await store.insert(user('bob'));
      await assert.rejects(store.insert(user('bob')), Conflict);
      await store.insert(user('bob', 'elsewhere'));
    });

    test('a user without a password has no history; one with a password has exactly one entry', async () => {
      const none = await store.insert(user('nopw', 'default', { passwordHash: null, passwordCreatedAt: null }));
      const pw = await store.insert(user('pw'));
      assert.deepEqual(await store.passwordHistory(none.id, 10), []);
      assert.deepEqual(await store.passwordHistory(pw.id, 10), ['hash-of-pw']);
    });

    test('password changes are kept newest first, and only when asked', async () => {
      const u = await store.insert(user('carol'));
      await store.update({ ...u, passwordHash: 'h2', passwordCreatedAt: '2026-01-02T00:00:00.000Z' }, true);
      await store.update({ ...u, passwordHash: 'h3', passwordCreatedAt: '2026-01-03T00:00:00.000Z' }, true);
      await store.update({ ...u, passwordHash: 'h3', name: 'carol2' }, false);
      assert.deepEqual(await store.passwordHistory(u.id, 10), ['h3', 'h2', 'hash-of-carol']);
      assert.deepEqual(await store.passwordHistory(u.id, 2), ['h3', 'h2']);
      assert.equal((await store.find(u.id))?.name, 'carol2');
    });

    test('a rename onto a taken name is a Conflict and changes nothing', async () => {
      const a = await store.insert(user('dave'));
      await store.insert(user('erin'));
      await assert.rejects(store.update({ ...a, name: 'erin' }, false), Conflict);
      assert.equal((await store.find(a.id))?.name, 'dave');
    });

    test('list filters by name, domain, enabled and ids, ordered by name', async () => {
      const dom = `dom-${newHexId()}`;
      const z = await store.insert(user('zed', dom));
      const y = await store.insert(user('yan', dom, { enabled: false }));
      assert.deepEqual((await store.list({ domainId: dom })).map((u) => u.id), [y.id, z.id]);
      assert.deepEqual((await store.list({ domainId: dom, enabled: true })).map((u) => u.id), [z.id]);
      assert.deepEqual((await store.list({ name: 'zed', domainId: dom })).map((u) => u.id), [z.id]);
      assert.deepEqual((await store.list({ ids: [] })), []);
      assert.deepEqual((await store.list({ ids: [z.id, y.id] })).map((u) => u.id), [y.id, z.id]);
    });

    test('touchLastActive records the time', async () => {
      const u = await store.insert(user('frank'));
      await store.touchLastActive(u.id, '2026-02-02T00:00:00.000Z');
      assert.equal((await store.find(u.id))?.lastActiveAt, '2026-02-02T00:00:00.000Z');
    });

    test('groups: insert, find, rename conflicts, list, delete', async () => {
      const g = await store.insertGroup(group('ops'));
      assert.deepEqual(await store.findGroup(g.id), g);
      await assert.rejects(store.insertGroup(group('ops')), Conflict);
      await store.insertGroup(group('ops', 'elsewhere'));
      const h = await store.insertGroup(group('dev'));
      await assert.rejects(store.updateGroup({ ...h, name: 'ops' }), Conflict);
      await store.updateGroup({ ...h, description: 'changed', extra: { k: 1 } });
      assert.deepEqual(await store.getGroup(h.id), { ...h, description: 'changed', extra: { k: 1 } });
      assert.deepEqual((await store.listGroups({ domainId: 'default', name: 'ops' })).map((x) => x.id), [g.id]);
      assert.deepEqual(await store.listGroups({ ids: [] }), []);
      await store.deleteGroup(h.id);
      await assert.rejects(store.getGroup(h.id), NotFound);
    });

    test('membership: adding twice is harmless, removing reports whether it was there', async () => {
      const g = await store.insertGroup(group('members'));
      const u = await store.insert(user('gina'));
      await store.addMember(g.id, u.id);
      await store.addMember(g.id, u.id);
      assert.equal(await store.isMember(g.id, u.id), true);
      assert.deepEqual(await store.memberIdsOf(g.id), [u.id]);
      assert.deepEqual(await store.groupIdsOf(u.id), [g.id]);
      assert.equal(await store.removeMember(g.id, u.id), true);
      assert.equal(await store.removeMember(g.id, u.id), false);
      assert.equal(await store.isMember(g.id, u.id), false);
    });

    test('membership of an unknown user or group is refused by the database', async () => {
      const g = await store.insertGroup(group('fk'));
      const u = await store.insert(user('fk-user'));
      await assert.rejects(store.addMember(g.id, newHexId()));
      await assert.rejects(store.addMember(newHexId(), u.id));
    });

    test('deleting a user removes its password history and memberships', async () => {
      const g = await store.insertGroup(group('cascade-g'));
      const u = await store.insert(user('hank'));
      await store.update({ ...u, passwordHash: 'h2', passwordCreatedAt: '2026-03-01T00:00:00.000Z' }, true);
      await store.addMember(g.id, u.id);
      await store.delete(u.id);
      assert.equal(await store.find(u.id), undefined);
      assert.deepEqual(await t.db.selectFrom('password_history').selectAll().where('user_id', '=', u.id).execute(), []);
      assert.deepEqual(await store.memberIdsOf(g.id), []);
    });

    test('deleting a group removes its memberships, not its members', async () => {
      const g = await store.insertGroup(group('cascade-h'));
      const u = await store.insert(user('ivy'));
      await store.addMember(g.id, u.id);
      await store.deleteGroup(g.id);
      assert.deepEqual(await store.groupIdsOf(u.id), []);
      assert.ok(await store.find(u.id));
    });

    // Once a bug: the user row and its history were separate statements outside a transaction.
    test('a user and its first password history entry are stored together', async () => {
      const unpoison = await poisonInserts(t, 'password_history', 'hash', 'poison-1');
      try {
        const u = user('half-user', 'default', { passwordHash: 'poison-1' });
        await assert.rejects(store.insert(u));
        assert.equal(await store.find(u.id), undefined, 'the user row stayed although its history failed');
      } finally {
        await unpoison();
      }
    });

    test('a password change and its history entry are stored together', async () => {
      const u = await store.insert(user('half-change'));
      const unpoison = await poisonInserts(t, 'password_history', 'hash', 'poison-2');
      try {
        await assert.rejects(store.update({ ...u, passwordHash: 'poison-2', passwordCreatedAt: '2026-04-01T00:00:00.000Z' }, true));
        assert.equal((await store.find(u.id))?.passwordHash, u.passwordHash, 'the new hash stayed although its history failed');
      } finally {
        await unpoison();
      }
    });
  });
}
