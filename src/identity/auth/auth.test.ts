/**
 * Token semantics through the HTTP API: rescoping, revocation chains, what invalidates a token,
 * trusts, application credentials, scopes, expiry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestIdentity, type TestIdentity } from '../testing.js';

let id: TestIdentity;
before(async () => { id = await createTestIdentity(); });
after(async () => { await id.close(); });

async function validate(subject: string, query = ''): Promise<number> {
  return (await id.call('GET', `/v3/auth/tokens${query}`, undefined, id.adminToken, { 'x-subject-token': subject })).statusCode;
}

async function tokenFor(auth: unknown): Promise<{ status: number; token: string; body: any }> {
  const res = await id.call('POST', '/v3/auth/tokens', { auth }, null);
  return { status: res.statusCode, token: res.headers['x-subject-token'] as string, body: res.json() };
}

const pw = (name: string, password: string) => ({ methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } });

describe('tokens', () => {
  it('rescopes with the token method, keeping expiry and chaining audit ids', async () => {
    const { projectId } = await id.makeUser({ name: 'resc', project: 'resc-p' });
    const unscoped = await tokenFor({ identity: pw('resc', 'resc-password'), scope: 'unscoped' });
    assert.equal(unscoped.status, 201);
    assert.equal(unscoped.body.token.project, undefined);
    assert.equal(unscoped.body.token.catalog, undefined);
    const scoped = await tokenFor({ identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { id: projectId } } });
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.methods.sort(), ['password', 'token']);
    assert.equal(scoped.body.token.expires_at, unscoped.body.token.expires_at);
    assert.equal(scoped.body.token.audit_ids[1], unscoped.body.token.audit_ids[0]);
    assert.deepEqual(scoped.body.token.roles.map((r: any) => r.name).sort(), ['member', 'reader']);
    assert.ok(scoped.body.token.catalog.length > 0);

    // Revoking the parent revokes what was rescoped from it; revoking a child leaves the parent.
    const other = await tokenFor({ identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { id: projectId } } });
    assert.equal((await id.call('DELETE', '/v3/auth/tokens', undefined, id.adminToken, { 'x-subject-token': other.token })).statusCode, 204);
    assert.equal(await validate(other.token), 404);
    assert.equal(await validate(unscoped.token), 200);
    assert.equal(await validate(scoped.token), 200);
    assert.equal((await id.call('DELETE', '/v3/auth/tokens', undefined, unscoped.token, { 'x-subject-token': unscoped.token })).statusCode, 204);
    assert.equal(await validate(unscoped.token), 404);
    assert.equal(await validate(scoped.token), 404);
  });

  it('uses the default project when no scope is requested', async () => {
    const { projectId } = await id.makeUser({ name: 'defp', project: 'defp-p' });
    const u = (await id.call('GET', '/v3/users?name=defp')).json().users[0];
    await id.call('PATCH', `/v3/users/${u.id}`, { user: { default_project_id: projectId } });
    const t = await tokenFor({ identity: pw('defp', 'defp-password') });
    assert.equal(t.body.token.project.id, projectId);
  });

  it('is invalidated by a password change, disabling the user, disabling the project, losing the role', async () => {
    const a = await id.makeUser({ name: 'inv1', project: 'inv-p1' });
    const res = await id.call('POST', `/v3/users/${a.userId}/password`, { user: { password: 'new-pass', original_password: 'inv1-password' } }, null);
    assert.equal(res.statusCode, 204);
    assert.equal(await validate(a.token), 404);
    assert.equal((await tokenFor({ identity: pw('inv1', 'inv1-password') })).status, 401);
    assert.equal((await tokenFor({ identity: pw('inv1', 'new-pass') })).status, 201);

    const b = await id.makeUser({ name: 'inv2', project: 'inv-p2' });
    await id.call('PATCH', `/v3/users/${b.userId}`, { user: { enabled: false } });
    assert.equal(await validate(b.token), 404);
    await id.call('PATCH', `/v3/users/${b.userId}`, { user: { enabled: true } });
    assert.equal(await validate(b.token), 404, 're-enabling does not revive old tokens');

    const c = await id.makeUser({ name: 'inv3', project: 'inv-p3' });
    await id.call('PATCH', `/v3/projects/${c.projectId}`, { project: { enabled: false } });
    assert.equal(await validate(c.token), 404);
    assert.equal((await id.call('GET', '/v3/auth/projects', undefined, await id.login('inv3', 'inv3-password'))).json().projects.length, 0);

    const d = await id.makeUser({ name: 'inv4', project: 'inv-p4' });
    const member = (await id.call('GET', '/v3/roles?name=member')).json().roles[0];
    assert.equal((await id.call('DELETE', `/v3/projects/${d.projectId}/users/${d.userId}/roles/${member.id}`)).statusCode, 204);
    assert.equal(await validate(d.token), 404);
  });

  it('scopes to a domain and to the system', async () => {
    const sys = await tokenFor({ identity: pw('admin', 'admin-password'), scope: { system: { all: true } } });
    assert.equal(sys.status, 201);
    assert.deepEqual(sys.body.token.system, { all: true });
    assert.ok(sys.body.token.roles.some((r: any) => r.name === 'admin'));
    const noRoles = await tokenFor({ identity: pw('admin', 'admin-password'), scope: { domain: { id: 'default' } } });
    assert.equal(noRoles.status, 401, 'no roles on the domain');
    const admin = (await id.call('GET', '/v3/roles?name=admin')).json().roles[0];
    await id.call('PUT', `/v3/domains/default/users/${id.adminUserId}/roles/${admin.id}`);
    const dom = await tokenFor({ identity: pw('admin', 'admin-password'), scope: { domain: { name: 'Default' } } });
    assert.equal(dom.status, 201);
    assert.equal(dom.body.token.domain.id, 'default');
  });

  it('answers HEAD, honours nocatalog and rejects a missing subject', async () => {
    const head = await id.call('HEAD', '/v3/auth/tokens', undefined, id.adminToken, { 'x-subject-token': id.adminToken });
    assert.equal(head.statusCode, 200);
    const get = await id.call('GET', '/v3/auth/tokens?nocatalog', undefined, id.adminToken, { 'x-subject-token': id.adminToken });
    assert.equal(get.json().token.catalog, undefined);
    assert.equal((await id.call('GET', '/v3/auth/tokens')).statusCode, 400);
  });
});

describe('trusts', () => {
  it('issues impersonating trust tokens with the delegated roles only, until the trust is deleted', async () => {
    const trustor = await id.makeUser({ name: 'trustor', project: 'trust-p' });
    const trustee = await id.makeUser({ name: 'trustee', project: 'trustee-p' });
    const admin = (await id.call('GET', '/v3/roles?name=admin')).json().roles[0];
    await id.call('PUT', `/v3/projects/${trustor.projectId}/users/${trustor.userId}/roles/${admin.id}`);
    const token = await id.login('trustor', 'trustor-password', { project: 'trust-p' });
    const created = await id.call('POST', '/v3/OS-TRUST/trusts', { trust: {
      trustor_user_id: trustor.userId, trustee_user_id: trustee.userId, project_id: trustor.projectId,
      impersonation: true, roles: [{ name: 'member' }], remaining_uses: 2,
    } }, token);
    assert.equal(created.statusCode, 201, created.body);
    const trustId = created.json().trust.id;

    const forged = await id.call('POST', '/v3/OS-TRUST/trusts', { trust: {
      trustor_user_id: trustee.userId, trustee_user_id: trustor.userId, project_id: trustor.projectId, impersonation: false,
    } }, token);
    assert.equal(forged.statusCode, 403, 'only the trustor creates a trust');

    const trusteeToken = await id.login('trustee', 'trustee-password');
    const t = await tokenFor({ identity: { methods: ['token'], token: { id: trusteeToken } }, scope: { 'OS-TRUST:trust': { id: trustId } } });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.equal(t.body.token.user.id, trustor.userId, 'impersonation: the token is the trustor');
    assert.deepEqual(t.body.token.roles.map((r: any) => r.name).sort(), ['member', 'reader'], 'admin was not delegated');
    assert.equal(t.body.token['OS-TRUST:trust'].id, trustId);

    assert.equal((await tokenFor({ identity: { methods: ['token'], token: { id: trusteeToken } }, scope: { 'OS-TRUST:trust': { id: trustId } } })).status, 201);
    assert.equal((await tokenFor({ identity: { methods: ['token'], token: { id: trusteeToken } }, scope: { 'OS-TRUST:trust': { id: trustId } } })).status, 401, 'remaining_uses spent');

    const intruder = await tokenFor({ identity: pw('trustor', 'trustor-password'), scope: { 'OS-TRUST:trust': { id: trustId } } });
    assert.equal(intruder.status, 403, 'only the trustee may use the trust');

    assert.equal((await id.call('DELETE', `/v3/OS-TRUST/trusts/${trustId}`, undefined, token)).statusCode, 204);
    assert.equal(await validate(t.token), 404);
  });
});

describe('trust redelegation', () => {
  it('lets a trust-scoped token delegate once more what its trust allows, and deleting the first deletes the chain', async () => {
    const user = await id.makeUser({ name: 'owner', project: 'redel-p' });
    const service = await id.makeUser({ name: 'svc-a', project: 'svc-a-p' });
    const engine = await id.makeUser({ name: 'svc-b', project: 'svc-b-p' });
    const token = await id.login('owner', 'owner-password', { project: 'redel-p' });
    const mk = (t: string, body: Record<string, unknown>) => id.call('POST', '/v3/OS-TRUST/trusts', { trust: {
      trustor_user_id: user.userId, project_id: user.projectId, impersonation: true, roles: [{ name: 'member' }], ...body,
    } }, t);
    const plain = await mk(token, { trustee_user_id: service.userId });
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(plain.json().trust.allow_redelegation, false);
    assert.equal(plain.json().trust.redelegation_count, 0);
    const first = await mk(token, { trustee_user_id: service.userId, allow_redelegation: true, redelegation_count: 1 });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().trust.redelegation_count, 1);
    assert.equal((await mk(token, { trustee_user_id: service.userId, allow_redelegation: true, redelegation_count: 4 })).statusCode, 403, 'deeper than Keystone\'s maximum of 3');

    const svcToken = await id.login('svc-a', 'svc-a-password');
    const scoped = async (trustee: string, trustId: string): Promise<string> => {
      const t = await tokenFor({ identity: { methods: ['token'], token: { id: trustee } }, scope: { 'OS-TRUST:trust': { id: trustId } } });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      return t.token;
    };
    // A trust without redelegation delegates nothing further.
    assert.equal((await mk(await scoped(svcToken, plain.json().trust.id), { trustee_user_id: engine.userId })).statusCode, 403);
    // The redelegatable one does, once, to the same project with a subset of its roles.
    const viaFirst = await scoped(svcToken, first.json().trust.id);
    assert.equal((await mk(viaFirst, { trustee_user_id: engine.userId, roles: [{ name: 'admin' }] })).statusCode, 404, 'a role the trustor does not hold');
    assert.equal((await mk(viaFirst, { trustee_user_id: engine.userId, remaining_uses: 1 })).statusCode, 403);
    const second = await mk(viaFirst, { trustee_user_id: engine.userId });
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(second.json().trust.redelegated_trust_id, first.json().trust.id);
    assert.equal(second.json().trust.redelegation_count, 0);
    const engineToken = await id.login('svc-b', 'svc-b-password');
    const viaSecond = await scoped(engineToken, second.json().trust.id);
    assert.equal((await mk(viaSecond, { trustee_user_id: service.userId })).statusCode, 403, 'the chain ends there');
    assert.equal(await validate(viaSecond), 200);

    assert.equal((await id.call('DELETE', `/v3/OS-TRUST/trusts/${first.json().trust.id}`, undefined, token)).statusCode, 204);
    assert.equal(await validate(viaSecond), 404, 'the redelegated trust went with the first');
    const again = await tokenFor({ identity: { methods: ['token'], token: { id: engineToken } }, scope: { 'OS-TRUST:trust': { id: second.json().trust.id } } });
    assert.ok(again.status === 401 || again.status === 404, JSON.stringify(again.body));
  });
});

describe('application credentials', () => {
  it('authenticates by id or by name, restricts and dies with its credential', async () => {
    const u = await id.makeUser({ name: 'acu', project: 'ac-p' });
    const created = await id.call('POST', `/v3/users/${u.userId}/application_credentials`, { application_credential: { name: 'app', roles: [{ name: 'reader' }] } }, u.token);
    assert.equal(created.statusCode, 201, created.body);
    const cred = created.json().application_credential;
    assert.ok(cred.secret);
    const byId = await tokenFor({ identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    assert.equal(byId.status, 201, JSON.stringify(byId.body));
    assert.deepEqual(byId.body.token.roles.map((r: any) => r.name), ['reader']);
    assert.equal(byId.body.token.project.id, u.projectId);
    const byName = await tokenFor({ identity: { methods: ['application_credential'], application_credential: { name: 'app', user: { name: 'acu', domain: { id: 'default' } }, secret: cred.secret } } });
    assert.equal(byName.status, 201);
    const wrong = await tokenFor({ identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: 'nope' } } });
    assert.equal(wrong.status, 401);
    const nested = await id.call('POST', `/v3/users/${u.userId}/application_credentials`, { application_credential: { name: 'nested' } }, byId.token);
    assert.equal(nested.statusCode, 403, 'a restricted credential cannot make more');
    assert.equal((await id.call('DELETE', `/v3/users/${u.userId}/application_credentials/${cred.id}`, undefined, u.token)).statusCode, 204);
    assert.equal(await validate(byId.token), 404);
  });
});

describe('expiry', () => {
  it('refuses expired tokens unless allow_expired is asked for', async () => {
    const short = await createTestIdentity({ env: { FLOTILLA_TOKEN_LIFETIME: '1' } });
    try {
      const token = await short.login('admin', 'admin-password', { project: 'admin' });
      await new Promise((r) => setTimeout(r, 1100));
      const fresh = await short.login('admin', 'admin-password', { project: 'admin' });
      const check = (q: string) => short.call('GET', `/v3/auth/tokens${q}`, undefined, fresh, { 'x-subject-token': token });
      assert.equal((await check('')).statusCode, 404);
      assert.equal((await check('?allow_expired=true')).statusCode, 200);
      assert.equal((await short.call('GET', '/v3/users', undefined, token)).statusCode, 401);
    } finally {
      await short.close();
    }
  });
});
