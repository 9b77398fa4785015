import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestIdentity, type TestIdentity } from '../testing.js';
import { signedAuthorizationHeader } from './signature.js';

// inject() addresses requests to Host: localhost:80, so that is the URL a client would have signed.
const SIGNED_BASE = 'http://localhost:80';

interface Consumer { id: string; secret: string }
interface Pair { oauth_token: string; oauth_token_secret: string; oauth_expires_at?: string }

function parseForm(body: string): Pair {
  return Object.fromEntries(body.split('&').map((kv) => kv.split('='))) as unknown as Pair;
}

/** SQLite always; PostgreSQL too when the test run started one (npm test does). */
const ENGINES = ['sqlite', ...(process.env.FLOTILLA_TEST_DATABASE_URL ? ['postgres'] : [])] as const;
const onEngine = (engine: string) => (engine === 'postgres' ? { databaseUrl: process.env.FLOTILLA_TEST_DATABASE_URL! } : {});

for (const engine of ENGINES) {
  describe(`OS-OAUTH1 routes (${engine})`, () => {
    let t: TestIdentity;
    let user: { userId: string; projectId: string; token: string };
    let memberRoleId: string;
    let readerRoleId: string;

    before(async () => {
      t = await createTestIdentity(onEngine(engine));
      user = await t.makeUser({ name: 'oauth-user', role: 'member' });
      memberRoleId = (await t.call('GET', '/v3/roles?name=member')).json().roles[0].id;
      readerRoleId = (await t.call('GET', '/v3/roles?name=reader')).json().roles[0].id;
      // Authorizing is for admins (Keystone's default policy): make the user one on its project too.
      const admin = (await t.call('GET', '/v3/roles?name=admin')).json().roles[0].id;
      await t.call('PUT', `/v3/projects/${user.projectId}/users/${user.userId}/roles/${admin}`);
      user.token = await t.login('oauth-user', 'oauth-user-password', { project: 'oauth-user-project' });
    });
    after(async () => { await t.close(); });

    function sign(method: string, path: string, o: { consumer: Consumer; token?: string; tokenSecret?: string; verifier?: string; callback?: string; nonce?: string; timestamp?: number }): string {
      return signedAuthorizationHeader({
        method, url: `${SIGNED_BASE}${path}`, consumerKey: o.consumer.id, consumerSecret: o.consumer.secret,
        ...(o.token !== undefined ? { token: o.token, tokenSecret: o.tokenSecret ?? '' } : {}),
        ...(o.verifier !== undefined ? { verifier: o.verifier } : {}),
        ...(o.callback !== undefined ? { callback: o.callback } : {}),
        nonce: o.nonce ?? randomBytes(8).toString('hex'), timestamp: o.timestamp ?? Math.floor(Date.now() / 1000),
      });
    }

    async function newConsumer(description = 'a consumer'): Promise<Consumer> {
      const res = await t.call('POST', '/v3/OS-OAUTH1/consumers', { consumer: { description } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().consumer;
    }

    async function requestToken(consumer: Consumer, projectId = user.projectId) {
      const authorization = sign('POST', '/v3/OS-OAUTH1/request_token', { consumer, callback: 'oob' });
      return t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, { authorization, 'requested-project-id': projectId });
    }

    async function accessTokenFor(consumer: Consumer, roles: Array<{ id: string } | { name: string }>): Promise<Pair> {
      const rt = parseForm((await requestToken(consumer)).body);
      const verifier = (await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles }, user.token)).json().token.oauth_verifier;
      const authorization = sign('POST', '/v3/OS-OAUTH1/access_token', { consumer, token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier });
      const res = await t.call('POST', '/v3/OS-OAUTH1/access_token', undefined, null, { authorization });
      assert.equal(res.statusCode, 201, res.body);
      return parseForm(res.body);
    }

    async function oauthLogin(consumer: Consumer, at: Pair, opts: { nonce?: string } = {}) {
      const authorization = sign('POST', '/v3/auth/tokens', { consumer, token: at.oauth_token, tokenSecret: at.oauth_token_secret, ...opts });
      return t.call('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['oauth1'], oauth1: {} } } }, null, { authorization });
    }

    describe('consumers', () => {
      it('shows the secret only at creation', async () => {
        const created = await t.call('POST', '/v3/OS-OAUTH1/consumers', { consumer: { description: 'printer', color: 'blue' } });
        assert.equal(created.statusCode, 201);
        const c = created.json().consumer;
        assert.match(c.id, /^[0-9a-f]{32}$/);
        assert.match(c.secret, /^[0-9a-f]{32}$/);
        assert.deepEqual(c, { id: c.id, secret: c.secret, description: 'printer', color: 'blue', links: { self: `http://127.0.0.1:5000/v3/OS-OAUTH1/consumers/${c.id}` } });
        const shown = (await t.call('GET', `/v3/OS-OAUTH1/consumers/${c.id}`)).json().consumer;
        assert.deepEqual(shown, { id: c.id, description: 'printer', color: 'blue', links: c.links });
        const listed = (await t.call('GET', '/v3/OS-OAUTH1/consumers')).json().consumers;
        assert.ok(listed.some((x: { id: string; secret?: string }) => x.id === c.id && x.secret === undefined));
      });

      it('creates from an empty body, updates the description, refuses secret and id changes', async () => {
        const empty = await t.call('POST', '/v3/OS-OAUTH1/consumers');
        assert.equal(empty.statusCode, 201, empty.body);
        assert.equal(empty.json().consumer.description, null);
        const id = empty.json().consumer.id;
        const upd = await t.call('PATCH', `/v3/OS-OAUTH1/consumers/${id}`, { consumer: { description: 'now named' } });
        assert.equal(upd.statusCode, 200);
        assert.equal(upd.json().consumer.description, 'now named');
        assert.equal(upd.json().consumer.secret, undefined);
        assert.equal((await t.call('PATCH', `/v3/OS-OAUTH1/consumers/${id}`, { consumer: { secret: 'mine' } })).statusCode, 400);
        assert.equal((await t.call('PATCH', `/v3/OS-OAUTH1/consumers/${id}`, { consumer: { id: 'other' } })).statusCode, 400);
        assert.equal((await t.call('DELETE', `/v3/OS-OAUTH1/consumers/${id}`)).statusCode, 204);
        assert.equal((await t.call('GET', `/v3/OS-OAUTH1/consumers/${id}`)).statusCode, 404);
        assert.equal((await t.call('DELETE', `/v3/OS-OAUTH1/consumers/${id}`)).statusCode, 404);
      });

      it('is for admins only', async () => {
        const { token } = await t.makeUser({ name: 'oauth-nobody' });
        assert.equal((await t.call('POST', '/v3/OS-OAUTH1/consumers', {}, token)).statusCode, 403);
        assert.equal((await t.call('GET', '/v3/OS-OAUTH1/consumers', undefined, token)).statusCode, 403);
      });
    });

    describe('the delegation dance', () => {
      it('issues request token, verifier, access token, and an OAuth-scoped Keystone token', async () => {
        const consumer = await newConsumer();
        const rtRes = await requestToken(consumer);
        assert.equal(rtRes.statusCode, 201, rtRes.body);
        assert.equal(rtRes.headers['content-type'], 'application/x-www-form-urlencoded');
        const rt = parseForm(rtRes.body);
        assert.match(rt.oauth_token, /^[0-9a-f]{32}$/);
        assert.match(rt.oauth_token_secret, /^[0-9a-f]{32}$/);
        assert.ok(Date.parse(rt.oauth_expires_at!) > Date.now() + 7 * 3600 * 1000, 'request tokens live 8 hours');

        const auth = await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ name: 'member' }] }, user.token);
        assert.equal(auth.statusCode, 200, auth.body);
        const verifier = auth.json().token.oauth_verifier;
        assert.match(verifier, /^[a-zA-Z2-9]{8}$/);

        // A wrong verifier is refused and does not burn the request token.
        const wrong = await t.call('POST', '/v3/OS-OAUTH1/access_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/access_token', { consumer, token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier: 'AAAAAAAA' }),
        });
        assert.equal(wrong.statusCode, 401);
        const atRes = await t.call('POST', '/v3/OS-OAUTH1/access_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/access_token', { consumer, token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier }),
        });
        assert.equal(atRes.statusCode, 201, atRes.body);
        const at = parseForm(atRes.body);
        // The request token is spent.
        const again = await t.call('POST', '/v3/OS-OAUTH1/access_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/access_token', { consumer, token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier }),
        });
        assert.equal(again.statusCode, 404);

        const login = await oauthLogin(consumer, at);
        assert.equal(login.statusCode, 201, login.body);
        const body = login.json().token;
        assert.deepEqual(body.methods, ['oauth1']);
        assert.equal(body.user.id, user.userId);
        assert.equal(body.project.id, user.projectId);
        // Only the delegated role, though the user also holds admin there.
        assert.deepEqual(body.roles.map((r: { name: string }) => r.name).sort(), ['member', 'reader']);
        assert.deepEqual(body['OS-OAUTH1'], { access_token_id: at.oauth_token, consumer_id: consumer.id });
        const subject = login.headers['x-subject-token'] as string;
        assert.equal((await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': subject })).statusCode, 200);

        // An OAuth token cannot mint other tokens, nor manage delegations.
        const rescope = await t.call('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['token'], token: { id: subject } } } }, null);
        assert.equal(rescope.statusCode, 403);
        assert.equal((await t.call('GET', `/v3/users/${user.userId}/OS-OAUTH1/access_tokens`, undefined, subject)).statusCode, 403);
      });

      it('refuses bad signatures, replays, stale timestamps and unknown consumers', async () => {
        const consumer = await newConsumer();
        const forged = { id: consumer.id, secret: 'not-the-secret' };
        const bad = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/request_token', { consumer: forged }), 'requested-project-id': user.projectId,
        });
        assert.equal(bad.statusCode, 401);
        assert.equal(bad.json().error.message, 'Invalid signature');
        const authorization = sign('POST', '/v3/OS-OAUTH1/request_token', { consumer });
        const first = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, { authorization, 'requested-project-id': user.projectId });
        assert.equal(first.statusCode, 201);
        const replay = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, { authorization, 'requested-project-id': user.projectId });
        assert.equal(replay.statusCode, 401);
        const stale = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/request_token', { consumer, timestamp: Math.floor(Date.now() / 1000) - 3600 }), 'requested-project-id': user.projectId,
        });
        assert.equal(stale.statusCode, 401);
        // Signed for another path: the base string differs.
        const elsewhere = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/access_token', { consumer }), 'requested-project-id': user.projectId,
        });
        assert.equal(elsewhere.statusCode, 401);
        const stranger = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/request_token', { consumer: { id: 'f'.repeat(32), secret: 'x' } }), 'requested-project-id': user.projectId,
        });
        assert.equal(stranger.statusCode, 404);
        assert.equal((await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, { 'requested-project-id': user.projectId })).statusCode, 401);
        const noProject = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, { authorization: sign('POST', '/v3/OS-OAUTH1/request_token', { consumer }) });
        assert.equal(noProject.statusCode, 400);
        const ghostProject = await t.call('POST', '/v3/OS-OAUTH1/request_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/request_token', { consumer }), 'requested-project-id': 'nope',
        });
        assert.equal(ghostProject.statusCode, 404);
      });

      it('accepts signed parameters in the query string and a form body', async () => {
        const consumer = await newConsumer();
        const path = '/v3/OS-OAUTH1/request_token?extra=a+b';
        const authorization = signedAuthorizationHeader({
          method: 'POST', url: `${SIGNED_BASE}${path}`, consumerKey: consumer.id, consumerSecret: consumer.secret,
          form: [['note', 'x&y']], nonce: 'form-nonce', timestamp: Math.floor(Date.now() / 1000),
        });
        const res = await t.service.app.inject({
          method: 'POST', url: path, payload: 'note=x%26y',
          headers: { authorization, 'requested-project-id': user.projectId, 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(res.statusCode, 201, res.body);
      });

      it('lets a user delegate only roles it holds', async () => {
        const consumer = await newConsumer();
        const rt = parseForm((await requestToken(consumer)).body);
        const service = (await t.call('POST', '/v3/roles', { role: { name: 'not-held' } })).json().role;
        const refused = await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ id: service.id }] }, user.token);
        assert.equal(refused.statusCode, 401);
        assert.equal((await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ name: 'no-such-role' }] }, user.token)).statusCode, 404);
        assert.equal((await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [] }, user.token)).statusCode, 400);
        assert.equal((await t.call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ id: 'a', name: 'b' }] }, user.token)).statusCode, 400);
        assert.equal((await t.call('PUT', `/v3/OS-OAUTH1/authorize/${'0'.repeat(32)}`, { roles: [{ name: 'member' }] }, user.token)).statusCode, 404);
        // Not yet authorized: no access token for it.
        const early = await t.call('POST', '/v3/OS-OAUTH1/access_token', undefined, null, {
          authorization: sign('POST', '/v3/OS-OAUTH1/access_token', { consumer, token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier: 'abcdefgh' }),
        });
        assert.equal(early.statusCode, 401);
      });

      it('shows, lists and revokes access tokens; revoking ends the tokens they issued', async () => {
        const consumer = await newConsumer();
        const at = await accessTokenFor(consumer, [{ id: memberRoleId }]);
        const base = `/v3/users/${user.userId}/OS-OAUTH1/access_tokens`;
        const shown = await t.call('GET', `${base}/${at.oauth_token}`);
        assert.equal(shown.statusCode, 200, shown.body);
        assert.deepEqual(shown.json().access_token, {
          id: at.oauth_token, consumer_id: consumer.id, project_id: user.projectId, authorizing_user_id: user.userId,
          expires_at: at.oauth_expires_at,
          links: { self: `http://127.0.0.1:5000${base}/${at.oauth_token}`, roles: `http://127.0.0.1:5000${base}/${at.oauth_token}/roles` },
        });
        assert.ok((await t.call('GET', base)).json().access_tokens.some((x: { id: string }) => x.id === at.oauth_token));
        const roles = (await t.call('GET', `${base}/${at.oauth_token}/roles`)).json().roles;
        assert.deepEqual(roles.map((r: { id: string }) => r.id), [memberRoleId]);
        assert.equal((await t.call('GET', `${base}/${at.oauth_token}/roles/${memberRoleId}`)).json().role.id, memberRoleId);
        assert.equal((await t.call('GET', `${base}/${at.oauth_token}/roles/${readerRoleId}`)).statusCode, 404);
        assert.equal((await t.call('GET', `/v3/users/${t.adminUserId}/OS-OAUTH1/access_tokens/${at.oauth_token}`)).statusCode, 404);

        const login = await oauthLogin(consumer, at);
        const subject = login.headers['x-subject-token'] as string;
        assert.equal((await t.call('DELETE', `${base}/${at.oauth_token}`)).statusCode, 204);
        assert.equal((await t.call('GET', `${base}/${at.oauth_token}`)).statusCode, 404);
        assert.equal((await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': subject })).statusCode, 404);
        assert.equal((await oauthLogin(consumer, at)).statusCode, 401);
      });

      it('deleting the consumer revokes everything issued through it', async () => {
        const consumer = await newConsumer();
        const at = await accessTokenFor(consumer, [{ id: memberRoleId }]);
        const subject = (await oauthLogin(consumer, at)).headers['x-subject-token'] as string;
        assert.equal((await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': subject })).statusCode, 200);
        assert.equal((await t.call('DELETE', `/v3/OS-OAUTH1/consumers/${consumer.id}`)).statusCode, 204);
        assert.equal((await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': subject })).statusCode, 404);
        assert.equal((await t.call('GET', `/v3/users/${user.userId}/OS-OAUTH1/access_tokens/${at.oauth_token}`)).statusCode, 404);
      });

      it('stops honouring a delegation once the user loses the role', async () => {
        const consumer = await newConsumer();
        const at = await accessTokenFor(consumer, [{ id: memberRoleId }]);
        const subject = (await oauthLogin(consumer, at)).headers['x-subject-token'] as string;
        // admin implies member, so both go.
        const adminRoleId = (await t.call('GET', '/v3/roles?name=admin')).json().roles[0].id;
        for (const role of [memberRoleId, adminRoleId]) {
          assert.equal((await t.call('DELETE', `/v3/projects/${user.projectId}/users/${user.userId}/roles/${role}`)).statusCode, 204);
        }
        try {
          assert.equal((await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': subject })).statusCode, 404);
          assert.equal((await oauthLogin(consumer, at)).statusCode, 401);
        } finally {
          for (const role of [memberRoleId, adminRoleId]) await t.call('PUT', `/v3/projects/${user.projectId}/users/${user.userId}/roles/${role}`);
          user.token = await t.login('oauth-user', 'oauth-user-password', { project: 'oauth-user-project' });
        }
      });
    });
  });
}
