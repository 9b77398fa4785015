import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestIdentity, TEST_ADMIN_PASSWORD, type TestIdentity } from '../testing.js';

const BASE = 'http://127.0.0.1:5000/v3';

const mappingRules = [{
  local: [{ user: { name: '{0}' } }, { group_ids: '{1}' }],
  remote: [{ type: 'openstack_username' }, { type: 'group_ids', whitelist: ['abc', '123'] }],
}];

/** SQLite always; PostgreSQL too when the test run started one (npm test does). */
const ENGINES = ['sqlite', ...(process.env.FLOTILLA_TEST_DATABASE_URL ? ['postgres'] : [])] as const;
const onEngine = (engine: string) => (engine === 'postgres' ? { databaseUrl: process.env.FLOTILLA_TEST_DATABASE_URL! } : {});

for (const engine of ENGINES) {
  describe(`OS-FEDERATION routes (${engine})`, () => {
    let t: TestIdentity;
    before(async () => { t = await createTestIdentity(onEngine(engine)); });
    after(async () => { await t.close(); });

    describe('identity providers', () => {
      it('creates a disabled IdP in a domain of its own when none is named', async () => {
        const res = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: { description: 'ACME' } });
        assert.equal(res.statusCode, 201, res.body);
        const idp = res.json().identity_provider;
        assert.deepEqual({ ...idp, domain_id: '<auto>' }, {
          id: 'acme', domain_id: '<auto>', enabled: false, description: 'ACME', remote_ids: [], authorization_ttl: null,
          links: { self: `${BASE}/OS-FEDERATION/identity_providers/acme`, protocols: `${BASE}/OS-FEDERATION/identity_providers/acme/protocols` },
        });
        const domain = (await t.call('GET', `/v3/domains/${idp.domain_id}`)).json().domain;
        assert.equal(domain.name, idp.domain_id);
        assert.equal(domain.description, 'Auto generated federated domain for Identity Provider: acme');
        assert.equal(domain.enabled, true);
      });

      it('accepts an empty body, an existing domain, and refuses an unknown one', async () => {
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/bare')).statusCode, 201);
        const ok = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/in-default', { identity_provider: { domain_id: 'default', enabled: true, authorization_ttl: 30 } });
        assert.equal(ok.statusCode, 201, ok.body);
        assert.equal(ok.json().identity_provider.domain_id, 'default');
        assert.equal(ok.json().identity_provider.authorization_ttl, 30);
        const missing = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/lost', { identity_provider: { domain_id: 'nope' } });
        assert.equal(missing.statusCode, 404);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/lost')).statusCode, 404);
      assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/huge-ttl', { identity_provider: { authorization_ttl: 2 ** 31 } })).statusCode, 400);
      assert.equal((await t.call('PUT', `/v3/OS-FEDERATION/identity_providers/${'x'.repeat(65)}`, {})).statusCode, 400);
      });

      it('refuses a duplicate id and a remote id another IdP owns, leaving no stray domain behind', async () => {
        const domainsBefore = (await t.call('GET', '/v3/domains')).json().domains.length;
        const dup = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: {} });
        assert.equal(dup.statusCode, 409);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/r1', { identity_provider: { remote_ids: ['https://idp.example/a', 'https://idp.example/b'] } })).statusCode, 201);
        const clash = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/r2', { identity_provider: { remote_ids: ['https://idp.example/b'] } });
        assert.equal(clash.statusCode, 409);
        assert.match(clash.json().error.message, /Duplicate remote ID: https:\/\/idp.example\/b/);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/r2')).statusCode, 404);
        assert.equal((await t.call('GET', '/v3/domains')).json().domains.length, domainsBefore + 1, 'only r1 made a domain');
        const patchClash = await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: { remote_ids: ['https://idp.example/a'] } });
        assert.equal(patchClash.statusCode, 409);
        assert.deepEqual((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/r1')).json().identity_provider.remote_ids, ['https://idp.example/a', 'https://idp.example/b']);
      });

      it('updates, filters lists by id and enabled, and deletes', async () => {
        const upd = await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: { enabled: true, remote_ids: ['urn:acme'] } });
        assert.equal(upd.statusCode, 200, upd.body);
        assert.equal(upd.json().identity_provider.enabled, true);
        assert.deepEqual(upd.json().identity_provider.remote_ids, ['urn:acme']);
        assert.equal((await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: { domain_id: 'default' } })).statusCode, 400);
        assert.equal((await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/acme', { identity_provider: {} })).statusCode, 400);
        const enabled = (await t.call('GET', '/v3/OS-FEDERATION/identity_providers?enabled=true')).json().identity_providers.map((i: { id: string }) => i.id);
        assert.deepEqual(enabled.sort(), ['acme', 'in-default']);
        const one = (await t.call('GET', '/v3/OS-FEDERATION/identity_providers?id=bare')).json();
        assert.deepEqual(one.identity_providers.map((i: { id: string }) => i.id), ['bare']);
        assert.equal(one.links.self, 'http://127.0.0.1:5000/v3/OS-FEDERATION/identity_providers?id=bare');
        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/identity_providers/bare')).statusCode, 204);
        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/identity_providers/bare')).statusCode, 404);
      });

      it('is for admins only', async () => {
        const { token } = await t.makeUser({ name: 'fed-member' });
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers', undefined, token)).statusCode, 403);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/x', {}, token)).statusCode, 403);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers', undefined, null)).statusCode, 401);
      });
    });

    describe('mappings', () => {
      it('creates with the default schema version and shows, lists, updates, deletes', async () => {
        const res = await t.call('PUT', '/v3/OS-FEDERATION/mappings/m1', { mapping: { rules: mappingRules } });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(res.json(), { mapping: { id: 'm1', rules: mappingRules, schema_version: '1.0', links: { self: `${BASE}/OS-FEDERATION/mappings/m1` } } });
        assert.deepEqual((await t.call('GET', '/v3/OS-FEDERATION/mappings/m1')).json(), res.json());
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/mappings/m1', { mapping: { rules: mappingRules } })).statusCode, 409);
        const rules2 = [{ local: [{ group: { id: 'g1' } }], remote: [{ type: 'orgPersonType', not_any_of: ['Contractor'] }] }];
        const upd = await t.call('PATCH', '/v3/OS-FEDERATION/mappings/m1', { mapping: { rules: rules2, schema_version: '2.0' } });
        assert.equal(upd.statusCode, 200, upd.body);
        assert.deepEqual(upd.json().mapping.rules, rules2);
        assert.equal(upd.json().mapping.schema_version, '2.0');
        assert.ok((await t.call('GET', '/v3/OS-FEDERATION/mappings')).json().mappings.some((m: { id: string }) => m.id === 'm1'));
        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/mappings/m1')).statusCode, 204);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/mappings/m1')).statusCode, 404);
      });

      it('validates rules against the mapping schema of their version', async () => {
        for (const bad of [
          {},
          { mapping: {} },
          { mapping: { rules: [] } },
          { mapping: { rules: [{ local: [{ user: { name: '{0}' } }] }] } },
          { mapping: { rules: [{ local: [{ user: { nick: 'x' } }], remote: [{ type: 'a' }] }] } },
          { mapping: { rules: [{ local: [{ user: { name: 'x' } }], remote: [{ type: 'a', any_one_of: ['x'], not_any_of: ['y'] }] }] } },
          // A project domain is a 2.0 feature.
          { mapping: { rules: [{ local: [{ projects: [{ name: 'p', roles: [{ name: 'r' }], domain: { id: 'd' } }] }], remote: [{ type: 'a' }] }] } },
          { mapping: { rules: mappingRules, schema_version: '9.9' } },
        ]) {
          const res = await t.call('PUT', '/v3/OS-FEDERATION/mappings/bad', bad);
          assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
        }
        const v2 = await t.call('PUT', '/v3/OS-FEDERATION/mappings/v2', {
          mapping: { schema_version: '2.0', rules: [{ local: [{ projects: [{ name: 'p', roles: [{ name: 'r' }], domain: { id: 'd' } }] }], remote: [{ type: 'a' }] }] },
        });
        assert.equal(v2.statusCode, 201, v2.body);
      });
    });

    describe('protocols', () => {
      before(async () => {
        await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp', { identity_provider: { enabled: true } });
        await t.call('PUT', '/v3/OS-FEDERATION/mappings/pm1', { mapping: { rules: mappingRules } });
        await t.call('PUT', '/v3/OS-FEDERATION/mappings/pm2', { mapping: { rules: mappingRules } });
      });

      it('adds, shows, lists, remaps and removes a protocol', async () => {
        const idp = `${BASE}/OS-FEDERATION/identity_providers/proto-idp`;
        const res = await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2', { protocol: { mapping_id: 'pm1' } });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(res.json(), { protocol: { id: 'saml2', mapping_id: 'pm1', links: { self: `${idp}/protocols/saml2`, identity_provider: idp } } });
        assert.deepEqual((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2')).json(), res.json());
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2', { protocol: { mapping_id: 'pm1' } })).statusCode, 409);
        await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/openid', { protocol: { mapping_id: 'pm1', remote_id_attribute: 'HTTP_OIDC_ISS' } });
        const list = (await t.call('GET', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols')).json().protocols;
        assert.deepEqual(list.map((p: { id: string; idp_id: string; remote_id_attribute: string | null }) => [p.id, p.idp_id, p.remote_id_attribute]),
          [['openid', 'proto-idp', 'HTTP_OIDC_ISS'], ['saml2', 'proto-idp', null]]);
        const upd = await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2', { protocol: { mapping_id: 'pm2' } });
        assert.equal(upd.statusCode, 200, upd.body);
        assert.equal(upd.json().protocol.mapping_id, 'pm2');
        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2')).statusCode, 204);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/saml2')).statusCode, 404);
      });

      it('refuses an unknown mapping (400) and an unknown IdP (404)', async () => {
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/x', { protocol: { mapping_id: 'nope' } })).statusCode, 400);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/nope/protocols/x', { protocol: { mapping_id: 'pm1' } })).statusCode, 404);
        assert.equal((await t.call('PATCH', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/openid', { protocol: { mapping_id: 'nope' } })).statusCode, 400);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols/x', { protocol: {} })).statusCode, 400);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/nope/protocols')).statusCode, 404);
      });

      it('go with their IdP', async () => {
        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/identity_providers/proto-idp')).statusCode, 204);
        await t.call('PUT', '/v3/OS-FEDERATION/identity_providers/proto-idp', { identity_provider: {} });
        assert.deepEqual((await t.call('GET', '/v3/OS-FEDERATION/identity_providers/proto-idp/protocols')).json().protocols, []);
      });
    });

    describe('service providers', () => {
      const sp = { auth_url: 'https://sp.example/v3/OS-FEDERATION/identity_providers/us/protocols/saml2/auth', sp_url: 'https://sp.example/Shibboleth.sso/SAML2/ECP' };

      it('creates with Keystone defaults and refuses bad URLs or missing attributes', async () => {
        const res = await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: { ...sp, description: 'one' } });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(res.json(), {
          service_provider: {
            id: 'sp1', ...sp, description: 'one', enabled: false, relay_state_prefix: 'ss:mem:',
            links: { self: `${BASE}/OS-FEDERATION/service_providers/sp1` },
          },
        });
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: sp })).statusCode, 409);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp2', { service_provider: {} })).statusCode, 400);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp2', { service_provider: { ...sp, auth_url: 'c0ffee' } })).statusCode, 400);
        assert.equal((await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp2', { service_provider: { ...sp, sp_url: 'c0ffee' } })).statusCode, 400);
        assert.equal((await t.call('PATCH', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: { auth_url: 'c0ffee' } })).statusCode, 400);
      assert.equal((await t.call('PATCH', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: { relay_state_prefix: 'p'.repeat(257) } })).statusCode, 400);
        assert.equal((await t.call('GET', '/v3/OS-FEDERATION/service_providers/sp2')).statusCode, 404);
      });

      it('lists enabled service providers in issued and validated tokens', async () => {
        await t.call('PUT', '/v3/OS-FEDERATION/service_providers/sp-on', { service_provider: { ...sp, enabled: true, relay_state_prefix: 'custom:' } });
        const upd = await t.call('PATCH', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: { enabled: true } });
        assert.equal(upd.json().service_provider.enabled, true);
        await t.call('PATCH', '/v3/OS-FEDERATION/service_providers/sp1', { service_provider: { enabled: false } });
        assert.deepEqual((await t.call('GET', '/v3/OS-FEDERATION/service_providers?enabled=false')).json().service_providers.map((s: { id: string }) => s.id), ['sp1']);

        const login = await t.service.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: TEST_ADMIN_PASSWORD } } } } } });
        assert.equal(login.statusCode, 201);
        const expected = [{ id: 'sp-on', auth_url: sp.auth_url, sp_url: sp.sp_url }];
        assert.deepEqual(login.json().token.service_providers, expected);
        const check = await t.call('GET', '/v3/auth/tokens', undefined, undefined, { 'x-subject-token': login.headers['x-subject-token'] as string });
        assert.deepEqual(check.json().token.service_providers, expected);

        assert.equal((await t.call('DELETE', '/v3/OS-FEDERATION/service_providers/sp-on')).statusCode, 204);
        const again = await t.service.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: TEST_ADMIN_PASSWORD } } } } } });
        assert.equal(again.json().token.service_providers, undefined);
      });
    });

    it('lists the projects and domains the caller can scope to', async () => {
      const { token, projectId, userId } = await t.makeUser({ name: 'fed-lister' });
      const projects = await t.call('GET', '/v3/OS-FEDERATION/projects', undefined, token);
      assert.equal(projects.statusCode, 200);
      assert.deepEqual(projects.json().projects.map((p: { id: string }) => p.id), [projectId]);
      assert.deepEqual(projects.json().projects, (await t.call('GET', '/v3/auth/projects', undefined, token)).json().projects);
      const role = (await t.call('GET', '/v3/roles?name=reader')).json().roles[0];
      await t.call('PUT', `/v3/domains/default/users/${userId}/roles/${role.id}`);
      const domains = await t.call('GET', '/v3/OS-FEDERATION/domains', undefined, token);
      assert.deepEqual(domains.json().domains.map((d: { id: string }) => d.id), ['default']);
    });
  });
}
