import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestIdentity } from '../testing.js';
import { ENGINES, createTestIdentityOn } from '../testing-engines.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

for (const engine of ENGINES) {
  describe(`/v3/credentials (${engine})`, () => {
    let id: TestIdentity;
    let member: { userId: string; projectId: string; token: string };

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'cred-member' });
    });
    after(async () => { await id.close(); });

    it('creates an ec2 credential whose id is the SHA-256 of its access key, stored encrypted', async () => {
      const blob = JSON.stringify({ access: 'AKIA-one', secret: 'very-secret-value' });
      const res = await id.call('POST', '/v3/credentials', { credential: { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob } });
      assert.equal(res.statusCode, 201, res.body);
      const cred = res.json().credential;
      assert.equal(cred.id, sha256('AKIA-one'));
      assert.equal(cred.blob, blob);
      assert.equal(cred.project_id, member.projectId);
      assert.equal(cred.user_id, member.userId);
      assert.match(cred.links.self, new RegExp(`/v3/credentials/${cred.id}$`));

      const row = await id.service.context.db.selectFrom('credential').selectAll().where('id', '=', cred.id).executeTakeFirstOrThrow();
      assert.ok(!row.encrypted_blob.includes('very-secret'), 'blob is not stored in clear');
      assert.equal(row.key_hash, id.service.context.credentialKeys.primary().fingerprint.toString('hex'));

      const again = await id.call('POST', '/v3/credentials', { credential: { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob } });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 409);
    });

    it('rejects ec2 credentials without project_id or with a malformed blob (400)', async () => {
      const cases: Array<Record<string, unknown>> = [
        { user_id: member.userId, type: 'ec2', blob: JSON.stringify({ access: 'a' }) },
        { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob: 'not json' },
        { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob: '{}' },
        { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob: JSON.stringify({ secret: 's' }) },
        { user_id: member.userId, type: 'cert' },
      ];
      for (const credential of cases) {
        const res = await id.call('POST', '/v3/credentials', { credential });
        assert.equal(res.statusCode, 400, `${JSON.stringify(credential)} -> ${res.body}`);
      }
    });

    it('gets, updates, lists with filters and deletes', async () => {
      const created = (await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'cert', blob: 'PEM…', label: 'mine' } })).json().credential;
      assert.equal(created.project_id, null);
      assert.equal(created.label, 'mine', 'extra attributes are kept');
      assert.equal(created.id.length, 32);

      const got = await id.call('GET', `/v3/credentials/${created.id}`);
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.json().credential, created);

      const patched = await id.call('PATCH', `/v3/credentials/${created.id}`, { credential: { blob: 'PEM2', project_id: id.adminProjectId } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().credential.blob, 'PEM2');
      assert.equal(patched.json().credential.project_id, id.adminProjectId);
      assert.equal((await id.call('GET', `/v3/credentials/${created.id}`)).json().credential.blob, 'PEM2');

      assert.equal((await id.call('PATCH', `/v3/credentials/${created.id}`, { credential: { id: 'other' } })).statusCode, 400);
      assert.equal((await id.call('PATCH', `/v3/credentials/${created.id}`, { credential: {} })).statusCode, 400);

      const byType = (await id.call('GET', '/v3/credentials?type=cert')).json().credentials;
      assert.deepEqual(byType.map((c: { id: string }) => c.id), [created.id]);
      const byUser = (await id.call('GET', `/v3/credentials?user_id=${member.userId}`)).json().credentials;
      assert.ok(byUser.length >= 1 && byUser.every((c: { user_id: string }) => c.user_id === member.userId));

      assert.equal((await id.call('DELETE', `/v3/credentials/${created.id}`)).statusCode, 204);
      const gone = await id.call('GET', `/v3/credentials/${created.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().error.message, `Could not find credential: ${created.id}.`);
      assert.equal((await id.call('DELETE', `/v3/credentials/${created.id}`)).statusCode, 404);
      assert.equal((await id.call('PATCH', `/v3/credentials/${created.id}`, { credential: { blob: 'x' } })).statusCode, 404);
    });

    it('keeps the delegation markers of an ec2 blob fixed on update', async () => {
      const blob = JSON.stringify({ access: 'AKIA-two', secret: 's' });
      const cred = (await id.call('POST', '/v3/credentials', { credential: { user_id: member.userId, project_id: member.projectId, type: 'ec2', blob } })).json().credential;
      const widened = await id.call('PATCH', `/v3/credentials/${cred.id}`, { credential: { blob: JSON.stringify({ access: 'AKIA-two', secret: 's', trust_id: 'x' }) } });
      assert.equal(widened.statusCode, 400);
      assert.equal(widened.json().error.message, 'trust_id can not be updated for credential');
      const rotated = await id.call('PATCH', `/v3/credentials/${cred.id}`, { credential: { blob: JSON.stringify({ access: 'AKIA-two', secret: 'new' }) } });
      assert.equal(rotated.statusCode, 200);
      assert.equal(rotated.json().credential.id, cred.id);
    });

    it('lets a user manage only their own credentials', async () => {
      const own = await id.call('POST', '/v3/credentials', { credential: { user_id: member.userId, type: 'totp', blob: 'seed' } }, member.token);
      assert.equal(own.statusCode, 201, own.body);
      const ownId = own.json().credential.id;

      const forAdmin = await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'totp', blob: 'seed' } }, member.token);
      assert.equal(forAdmin.statusCode, 403);

      const adminCred = (await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'totp', blob: 'admin-seed' } })).json().credential;
      assert.equal((await id.call('GET', `/v3/credentials/${adminCred.id}`, undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('DELETE', `/v3/credentials/${adminCred.id}`, undefined, member.token)).statusCode, 403);
      // A missing credential looks the same as someone else's to a non-admin.
      assert.equal((await id.call('GET', '/v3/credentials/does-not-exist', undefined, member.token)).statusCode, 403);

      const listed = (await id.call('GET', '/v3/credentials', undefined, member.token)).json().credentials as Array<{ user_id: string; id: string }>;
      assert.ok(listed.some((c) => c.id === ownId));
      assert.ok(listed.every((c) => c.user_id === member.userId), 'a member sees only their own credentials');

      const handOver = await id.call('PATCH', `/v3/credentials/${ownId}`, { credential: { user_id: id.adminUserId } }, member.token);
      assert.equal(handOver.statusCode, 403, 'cannot give a credential to another user');
      assert.equal((await id.call('GET', `/v3/credentials/${ownId}`, undefined, member.token)).json().credential.user_id, member.userId);
    });

    it('keeps a delegated (application credential) token to its own project and out of ec2 minting', async () => {
      const user = await id.makeUser({ name: 'cred-delegator' });
      const ac = (await id.call('POST', `/v3/users/${user.userId}/application_credentials`, { application_credential: { name: 'ac' } }, user.token)).json().application_credential;
      const auth = await id.service.app.inject({
        method: 'POST', url: '/v3/auth/tokens',
        payload: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } },
      });
      assert.equal(auth.statusCode, 201, auth.body);
      const delegated = auth.headers['x-subject-token'] as string;

      const inProject = (await id.call('POST', '/v3/credentials', { credential: { user_id: user.userId, project_id: user.projectId, type: 'cert', blob: 'p' } })).json().credential;
      const projectless = (await id.call('POST', '/v3/credentials', { credential: { user_id: user.userId, type: 'totp', blob: 'seed' } })).json().credential;
      const listed = (await id.call('GET', '/v3/credentials', undefined, delegated)).json().credentials.map((c: { id: string }) => c.id);
      assert.deepEqual(listed, [inProject.id], 'a delegated token sees only its project\'s credentials');
      assert.equal((await id.call('GET', `/v3/credentials/${projectless.id}`, undefined, delegated)).statusCode, 403);
      assert.equal((await id.call('GET', `/v3/credentials/${inProject.id}`, undefined, delegated)).statusCode, 200);

      const ec2 = { user_id: user.userId, project_id: user.projectId, type: 'ec2', blob: JSON.stringify({ access: 'AKIA-delegated', secret: 's' }) };
      assert.equal((await id.call('POST', '/v3/credentials', { credential: ec2 }, delegated)).statusCode, 403, 'a restricted application credential mints no ec2 keys');
      assert.equal((await id.call('POST', `/v3/users/${user.userId}/credentials/OS-EC2`, { tenant_id: user.projectId }, delegated)).statusCode, 403);
    });

    it('reads blobs sealed by a key that has since been rotated out of primary, and re-encrypts them', async () => {
      const { CredentialStore } = await import('./store.js');
      const { SecretCipher } = await import('./cipher.js');
      const keys = id.service.context.credentialKeys;
      const created = (await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'cert', blob: 'before-rotation' } })).json().credential;
      const oldHash = keys.primary().fingerprint.toString('hex');
      keys.rotate();
      assert.notEqual(keys.primary().fingerprint.toString('hex'), oldHash);
      assert.equal((await id.call('GET', `/v3/credentials/${created.id}`)).json().credential.blob, 'before-rotation');

      const store = new CredentialStore(id.service.context.db, new SecretCipher(keys));
      assert.ok((await store.reencrypt()) >= 1);
      const row = await id.service.context.db.selectFrom('credential').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.equal(row.key_hash, keys.primary().fingerprint.toString('hex'));
      assert.equal((await store.get(created.id)).blob, 'before-rotation');
      assert.equal(await store.reencrypt(), 0);
    });

    it('refuses a blob moved into another row', async () => {
      const db = id.service.context.db;
      const a = (await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'cert', blob: 'A' } })).json().credential;
      const b = (await id.call('POST', '/v3/credentials', { credential: { user_id: id.adminUserId, type: 'cert', blob: 'B' } })).json().credential;
      const rowA = await db.selectFrom('credential').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      await db.updateTable('credential').set({ encrypted_blob: rowA.encrypted_blob, key_hash: rowA.key_hash }).where('id', '=', b.id).execute();
      const { CredentialStore } = await import('./store.js');
      const { SecretCipher, SecretUnreadable } = await import('./cipher.js');
      const store = new CredentialStore(db, new SecretCipher(id.service.context.credentialKeys));
      await assert.rejects(store.get(b.id), SecretUnreadable);
      assert.equal((await store.get(a.id)).blob, 'A');
      await db.deleteFrom('credential').where('id', '=', b.id).execute();
    });
  });

  describe(`/v3/users/{user_id}/credentials/OS-EC2 (${engine})`, () => {
    let id: TestIdentity;
    let member: { userId: string; projectId: string; token: string };

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'ec2-member' });
    });
    after(async () => { await id.close(); });

    const base = (userId: string): string => `/v3/users/${userId}/credentials/OS-EC2`;

    it('creates, lists, shows and deletes a user\'s own ec2 credentials', async () => {
      const res = await id.call('POST', base(member.userId), { tenant_id: member.projectId }, member.token);
      assert.equal(res.statusCode, 201, res.body);
      const cred = res.json().credential;
      assert.match(cred.access, /^[0-9a-f]{32}$/);
      assert.match(cred.secret, /^[0-9a-f]{32}$/);
      assert.equal(cred.user_id, member.userId);
      assert.equal(cred.tenant_id, member.projectId);
      assert.equal(cred.trust_id, null);
      assert.match(cred.links.self, new RegExp(`/v3/users/${member.userId}/credentials/OS-EC2/${cred.access}$`));

      const second = (await id.call('POST', base(member.userId), { tenant_id: member.projectId }, member.token)).json().credential;
      const list = await id.call('GET', base(member.userId), undefined, member.token);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(new Set(list.json().credentials.map((c: { access: string }) => c.access)), new Set([cred.access, second.access]));

      const shown = await id.call('GET', `${base(member.userId)}/${cred.access}`, undefined, member.token);
      assert.equal(shown.statusCode, 200);
      for (const k of ['access', 'secret', 'user_id', 'tenant_id']) assert.equal(shown.json().credential[k], cred[k]);

      // The same credential through /v3/credentials, keyed by the hash of the access key.
      const v3 = (await id.call('GET', `/v3/credentials/${sha256(cred.access)}`)).json().credential;
      assert.equal(v3.type, 'ec2');
      assert.equal(JSON.parse(v3.blob).secret, cred.secret);

      assert.equal((await id.call('DELETE', `${base(member.userId)}/${cred.access}`, undefined, member.token)).statusCode, 204);
      assert.equal((await id.call('GET', `${base(member.userId)}/${cred.access}`, undefined, member.token)).statusCode, 404);
      assert.equal((await id.call('DELETE', `${base(member.userId)}/${cred.access}`, undefined, member.token)).statusCode, 404);
    });

    it('answers 404 for a missing project or user', async () => {
      assert.equal((await id.call('POST', base(member.userId), {}, member.token)).statusCode, 404);
      assert.equal((await id.call('POST', base(member.userId), { tenant_id: 'nope' }, member.token)).statusCode, 404);
      assert.equal((await id.call('POST', base('no-such-user'), { tenant_id: member.projectId })).statusCode, 404);
      assert.equal((await id.call('GET', base('no-such-user'))).statusCode, 404);
    });

    it('refuses other users\' credentials and reader-only callers (403)', async () => {
      const adminCred = (await id.call('POST', base(id.adminUserId), { tenant_id: id.adminProjectId })).json().credential;
      assert.equal((await id.call('POST', base(id.adminUserId), { tenant_id: id.adminProjectId }, member.token)).statusCode, 403);
      assert.equal((await id.call('GET', base(id.adminUserId), undefined, member.token)).statusCode, 403);
      // The owner check uses the credential's user, not the user id in the path.
      assert.equal((await id.call('GET', `${base(member.userId)}/${adminCred.access}`, undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('DELETE', `${base(member.userId)}/${adminCred.access}`, undefined, member.token)).statusCode, 403);

      const reader = await id.makeUser({ name: 'ec2-reader', role: 'reader' });
      assert.equal((await id.call('POST', base(reader.userId), { tenant_id: reader.projectId }, reader.token)).statusCode, 403);
      assert.equal((await id.call('GET', base(reader.userId), undefined, reader.token)).statusCode, 200, 'listing one\'s own is allowed');
    });
  });
}
