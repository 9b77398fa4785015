/** TrustStore on every engine: trusts with their roles, limited uses under concurrency, soft deletion. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, poisonInserts, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { TrustStore } from './store.js';
import type { Trust } from '../model.js';

function trust(trustor: string, trustee: string, extra: Partial<Trust> = {}): Trust {
  return {
    id: newHexId(), trustorUserId: trustor, trusteeUserId: trustee, projectId: 'p1', impersonation: false,
    expiresAt: null, remainingUses: null, redelegatedTrustId: null, redelegationCount: null, roleIds: ['r1', 'r2'], extra: {}, ...extra,
  };
}

for (const { engine, skip } of STORE_ENGINES) {
  describe(`TrustStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: TrustStore;

    before(async () => {
      t = await openTestDatabase(engine, 'trust');
      store = new TrustStore(t.db);
    });
    after(async () => t?.close());

    test('inserts and finds a trust with its roles and every attribute', async () => {
      const x = await store.insert(trust('alice', 'bob', { impersonation: true, expiresAt: '2099-01-01T00:00:00.000Z', remainingUses: 3, extra: { k: 'v' } }));
      const found = await store.get(x.id);
      assert.deepEqual({ ...found, roleIds: [...found.roleIds].sort() }, x);
      await assert.rejects(store.get(newHexId()), NotFound);
    });

    test('a trust without roles is stored as such', async () => {
      const x = await store.insert(trust('alice', 'bob', { projectId: null, roleIds: [] }));
      assert.deepEqual((await store.get(x.id)).roleIds, []);
    });

    test('list filters by trustor and trustee; idsInvolving finds either side', async () => {
      const u = newHexId();
      const v = newHexId();
      const a = await store.insert(trust(u, v));
      const b = await store.insert(trust(v, u));
      const c = await store.insert(trust(u, newHexId()));
      assert.deepEqual((await store.list({ trustorUserId: u })).map((x) => x.id).sort(), [a.id, c.id].sort());
      assert.deepEqual((await store.list({ trusteeUserId: u })).map((x) => x.id), [b.id]);
      assert.deepEqual((await store.list({ trustorUserId: u, trusteeUserId: v })).map((x) => x.id), [a.id]);
      assert.deepEqual((await store.idsInvolving(u)).sort(), [a.id, b.id, c.id].sort());
      assert.deepEqual((await store.list({ trustorUserId: u })).find((x) => x.id === a.id)?.roleIds.sort(), ['r1', 'r2']);
    });

    test('a soft-deleted trust is gone for find, list and idsInvolving, but its row stays', async () => {
      const u = newHexId();
      const x = await store.insert(trust(u, 'bob'));
      await store.softDelete(x.id, '2026-01-01T00:00:00.000Z');
      assert.equal(await store.find(x.id), undefined);
      assert.deepEqual(await store.list({ trustorUserId: u }), []);
      assert.deepEqual(await store.idsInvolving(u), []);
      assert.ok(await t.db.selectFrom('trust').select('id').where('id', '=', x.id).executeTakeFirst());
    });

    test('a limited trust is spent exactly once per use, even under concurrency', async () => {
      const x = await store.insert(trust('alice', 'bob', { remainingUses: 5 }));
      const spent = await Promise.all(Array.from({ length: 20 }, () => store.consumeUse(x.id)));
      assert.equal(spent.filter(Boolean).length, 5);
      assert.equal((await store.get(x.id)).remainingUses, 0);
      assert.equal(await store.consumeUse(x.id), false);
    });

    test('an unlimited trust has no uses to spend (the caller checks remainingUses first)', async () => {
      const x = await store.insert(trust('alice', 'bob'));
      assert.equal(await store.consumeUse(x.id), false);
      assert.equal((await store.get(x.id)).remainingUses, null);
    });

    test('a trust whose roles fail to store is not stored at all', async () => {
      const unpoison = await poisonInserts(t, 'trust_role', 'role_id', 'poison-role');
      try {
        const x = trust('alice', 'bob', { roleIds: ['r1', 'poison-role'] });
        await assert.rejects(store.insert(x));
        assert.equal(await store.find(x.id), undefined);
      } finally {
        await unpoison();
      }
    });

    test('deleting a trust row deletes its roles (foreign key)', async () => {
      const x = await store.insert(trust('alice', 'bob'));
      await t.db.deleteFrom('trust').where('id', '=', x.id).execute();
      assert.deepEqual(await t.db.selectFrom('trust_role').selectAll().where('trust_id', '=', x.id).execute(), []);
    });
  });
}
