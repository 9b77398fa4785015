/**
 * Keystone's [security_compliance] options through the API: lockout, password history, minimum age,
 * format rule and expiry upon first use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestIdentity, type TestIdentity } from '../testing.js';

const login = async (id: TestIdentity, name: string, password: string): Promise<number> =>
  (await id.call('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } } } }, null)).statusCode;

const change = async (id: TestIdentity, userId: string, original: string, password: string): Promise<number> =>
  (await id.call('POST', `/v3/users/${userId}/password`, { user: { original_password: original, password } }, null)).statusCode;

describe('security compliance', () => {
  let id: TestIdentity;
  before(async () => {
    id = await createTestIdentity({ env: {
      FLOTILLA_LOCKOUT_FAILURE_ATTEMPTS: '2', FLOTILLA_LOCKOUT_DURATION: '2', FLOTILLA_UNIQUE_LAST_PASSWORD_COUNT: '3',
      FLOTILLA_PASSWORD_REGEX: '^.{8,}$', FLOTILLA_PASSWORD_REGEX_DESCRIPTION: 'at least 8 characters',
    } });
  });
  after(async () => { await id.close(); });

  it('locks an account after failed logins, for the lockout duration', async () => {
    const u = await id.makeUser({ name: 'locky', password: 'right-password' });
    assert.equal(await login(id, 'locky', 'wrong-1'), 401);
    assert.equal(await login(id, 'locky', 'wrong-2'), 401);
    assert.equal(await login(id, 'locky', 'right-password'), 401, 'locked even with the right password');
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await login(id, 'locky', 'right-password'), 201, 'unlocked after the duration');
    assert.equal(await login(id, 'locky', 'wrong-3'), 401);
    assert.equal(await login(id, 'locky', 'right-password'), 201, 'a success resets the count');
    void u;
  });

  it('refuses a self-service change to a recent password but lets an admin reuse one', async () => {
    const u = await id.makeUser({ name: 'histo', password: 'password-0' });
    assert.equal(await change(id, u.userId, 'password-0', 'password-1'), 204);
    assert.equal(await change(id, u.userId, 'password-1', 'password-0'), 400, 'password-0 is among the last 3');
    assert.equal(await change(id, u.userId, 'password-1', 'password-1'), 400);
    assert.equal(await change(id, u.userId, 'password-1', 'password-2'), 204);
    assert.equal(await change(id, u.userId, 'password-2', 'password-3'), 204);
    assert.equal(await change(id, u.userId, 'password-3', 'password-0'), 204, 'password-0 has left the window');
    assert.equal((await id.call('PATCH', `/v3/users/${u.userId}`, { user: { password: 'password-0' } })).statusCode, 200, 'admin resets are not checked');
  });

  it('enforces the password format and publishes it', async () => {
    const res = await id.call('POST', '/v3/users', { user: { name: 'shorty', password: 'short' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /at least 8 characters/);
    const cfg = await id.call('GET', '/v3/domains/default/config/security_compliance');
    assert.deepEqual(cfg.json().config, { security_compliance: { password_regex: '^.{8,}$', password_regex_description: 'at least 8 characters' } });
  });
});

describe('change password upon first use and minimum age', () => {
  let id: TestIdentity;
  before(async () => { id = await createTestIdentity({ env: { FLOTILLA_CHANGE_PASSWORD_UPON_FIRST_USE: '1', FLOTILLA_MINIMUM_PASSWORD_AGE: '1' } }); });
  after(async () => { await id.close(); });

  it('expires an admin-set password until its owner changes it, then holds the new one for a day', async () => {
    const created = (await id.call('POST', '/v3/users', { user: { name: 'fresh', password: 'admin-chose-this' } })).json().user;
    assert.ok(created.password_expires_at, 'expired at creation');
    assert.equal(await login(id, 'fresh', 'admin-chose-this'), 401);
    assert.equal(await change(id, created.id, 'admin-chose-this', 'user-chose-this'), 204, 'the owner may still change it');
    assert.equal(await login(id, 'fresh', 'user-chose-this'), 201);
    assert.equal(await change(id, created.id, 'user-chose-this', 'and-again-now'), 400, 'minimum age: one day');
  });
});
