/** RevocationStore on every engine: events persist, match tokens, survive a restart and are pruned. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RevocableToken } from '../../platform/auth/revocation.js';
import { openTestDatabase, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { RevocationStore } from './store.js';

const HOUR = 3600_000;

function token(extra: Partial<RevocableToken> = {}): RevocableToken {
  return {
    userId: 'u1', userIds: ['u1'], projectId: 'p1', domainIds: ['default'], roleIds: ['r1'],
    auditIds: ['audit-own', 'audit-root'], issuedAt: Date.now() - 1000, ...extra,
  };
}

for (const { engine, skip } of STORE_ENGINES) {
  describe(`RevocationStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;

    before(async () => { t = await openTestDatabase(engine, 'revoke'); });
    after(async () => t?.close());

    test('an event revokes the matching tokens issued before it, and no others', async () => {
      const store = new RevocationStore(t.db, 2 * HOUR);
      await store.load();
      await store.revoke({ user_id: 'u1', project_id: 'p1' });
      assert.equal(store.isRevoked(token()), true);
      assert.equal(store.isRevoked(token({ projectId: 'p2' })), false, 'another project');
      assert.equal(store.isRevoked(token({ userId: 'u2', userIds: ['u2'] })), false, 'another user');
      assert.equal(store.isRevoked(token({ issuedAt: Date.now() + 1000 })), false, 'issued after the event');
    });

    test('revoking an audit id revokes the tokens rescoped from it', async () => {
      const store = new RevocationStore(t.db, 2 * HOUR);
      await store.load();
      await store.revoke({ audit_id: 'parent-audit' });
      const other = { userId: 'u-audit', userIds: ['u-audit'] };
      assert.equal(store.isRevoked(token({ ...other, auditIds: ['child', 'parent-audit'] })), true);
      assert.equal(store.isRevoked(token({ ...other, auditIds: ['unrelated'] })), false);
    });

    test('events survive a restart: a new store loads them', async () => {
      const first = new RevocationStore(t.db, 2 * HOUR);
      await first.load();
      await first.revoke({ role_id: 'r-restart' });
      const second = new RevocationStore(t.db, 2 * HOUR);
      await second.load();
      const other = { userId: 'u-restart', userIds: ['u-restart'] };
      assert.equal(second.isRevoked(token({ ...other, roleIds: ['r-restart'] })), true);
      assert.equal(second.isRevoked(token({ ...other, roleIds: ['r-other'] })), false);
      assert.ok(second.list().some((e) => e.role_id === 'r-restart'));
    });

    test('list(since) returns the events revoked since then', async () => {
      const store = new RevocationStore(t.db, 2 * HOUR);
      await store.load();
      const before = new Date();
      await new Promise((r) => setTimeout(r, 5));
      await store.revoke({ trust_id: 'trust-since' });
      assert.ok(store.list(before).some((e) => e.trust_id === 'trust-since'));
      assert.ok(!store.list(new Date(Date.now() + HOUR)).some((e) => e.trust_id === 'trust-since'));
    });

    test('events older than the longest token life are pruned from memory and the database', async () => {
      const store = new RevocationStore(t.db, HOUR);
      await store.load();
      await store.revoke({ user_id: 'ancient' }, new Date(Date.now() - 3 * HOUR));
      const reloaded = new RevocationStore(t.db, HOUR);
      await reloaded.load();
      assert.ok(!reloaded.list().some((e) => e.user_id === 'ancient'));
      const rows = await t.db.selectFrom('revocation_event').selectAll().where('user_id', '=', 'ancient').execute();
      assert.deepEqual(rows, []);
    });
  });
}
