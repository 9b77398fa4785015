import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestIdentity } from '../testing.js';
import { ENGINES, createTestIdentityOn } from '../testing-engines.js';

const customConfig = {
  identity: { driver: 'ldap' },
  ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=my_new_root,dc=org' },
};

for (const engine of ENGINES) {
  describe(`domain configuration (${engine})`, () => {
    let id: TestIdentity;
    let member: { token: string };

    before(async () => {
      id = await createTestIdentityOn(engine);
      member = await id.makeUser({ name: 'dc-member' });
    });
    after(async () => { await id.close(); });

    let n = 0;
    const newDomain = async (): Promise<string> => (await id.call('POST', '/v3/domains', { domain: { name: `dc-domain-${++n}` } })).json().domain.id;
    const url = (domainId: string, ...rest: string[]): string => ['/v3/domains', domainId, 'config', ...rest].join('/');

    it('reports the defaults of the identity and ldap groups', async () => {
      const all = await id.call('GET', '/v3/domains/config/default');
      assert.equal(all.statusCode, 200);
      assert.deepEqual(Object.keys(all.json().config).sort(), ['identity', 'ldap']);
      assert.deepEqual((await id.call('GET', '/v3/domains/config/identity/default')).json().config, { identity: { driver: 'sql', list_limit: null } });
      const ldap = (await id.call('GET', '/v3/domains/config/ldap/default')).json().config.ldap;
      assert.equal(ldap.url, 'ldap://localhost');
      assert.ok(!('password' in ldap), 'sensitive options have no readable default');
      for (const option of Object.keys(ldap)) {
        const one = await id.call('GET', `/v3/domains/config/ldap/${option}/default`);
        assert.equal(one.statusCode, 200);
        assert.deepEqual(one.json().config, { [option]: ldap[option] });
      }
      assert.equal((await id.call('GET', '/v3/domains/config/ldap/password/default')).statusCode, 403);
      assert.equal((await id.call('GET', '/v3/domains/config/nova/default')).statusCode, 403);
      assert.equal((await id.call('GET', '/v3/domains/config/identity/nope/default')).statusCode, 403);
      assert.equal((await id.call('GET', '/v3/domains/config/default', undefined, member.token)).statusCode, 403);
    });

    it('creates a config and shows it whole, by group and by option', async () => {
      const domainId = await newDomain();
      const created = await id.call('PUT', url(domainId), { config: customConfig });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(created.json().config, customConfig);
      assert.deepEqual((await id.call('GET', url(domainId))).json().config, customConfig);
      for (const [group, options] of Object.entries(customConfig)) {
        assert.deepEqual((await id.call('GET', url(domainId, group))).json().config, { [group]: options });
        for (const [option, value] of Object.entries(options)) {
          assert.deepEqual((await id.call('GET', url(domainId, group, option))).json().config, { [option]: value });
        }
      }
      const replaced = await id.call('PUT', url(domainId), { config: { identity: { driver: 'sql' } } });
      assert.equal(replaced.statusCode, 200, 'replacing an existing config answers 200');
      assert.deepEqual(replaced.json().config, { identity: { driver: 'sql' } });
      assert.equal((await id.call('GET', url(domainId, 'ldap'))).statusCode, 404);
    });

    it('updates the whole config, a group and an option, keeping value types', async () => {
      const domainId = await newDomain();
      await id.call('PUT', url(domainId), { config: customConfig });
      const whole = await id.call('PATCH', url(domainId), { config: { ldap: { url: 'ldap://other:389/' } } });
      assert.equal(whole.statusCode, 200, whole.body);
      assert.deepEqual(whole.json().config, { ...customConfig, ldap: { ...customConfig.ldap, url: 'ldap://other:389/' } });

      const group = await id.call('PATCH', url(domainId, 'identity'), { config: { identity: { driver: 'd2', list_limit: 42 } } });
      assert.equal(group.statusCode, 200, group.body);
      assert.equal(group.json().config.identity.list_limit, 42);
      const option = await id.call('PATCH', url(domainId, 'identity', 'driver'), { config: { driver: 'd3' } });
      assert.equal(option.statusCode, 200, option.body);
      assert.equal(option.json().config.identity.driver, 'd3');

      // Group and option updates must name exactly that group/option, and it must already be set.
      assert.equal((await id.call('PATCH', url(domainId, 'identity'), { config: { ldap: { url: 'x' } } })).statusCode, 403);
      assert.equal((await id.call('PATCH', url(domainId, 'identity'), { config: { identity: { driver: 'x' }, ldap: { url: 'y' } } })).statusCode, 403);
      assert.equal((await id.call('PATCH', url(domainId, 'identity', 'driver'), { config: { list_limit: 1 } })).statusCode, 403);
      assert.equal((await id.call('PATCH', url(domainId, 'ldap', 'suffix'), { config: { suffix: 'dc=x' } })).statusCode, 404);

      assert.equal((await id.call('DELETE', url(domainId, 'identity', 'driver'))).statusCode, 204);
      assert.equal((await id.call('GET', url(domainId, 'identity', 'driver'))).statusCode, 404);
      assert.equal((await id.call('DELETE', url(domainId, 'identity', 'driver'))).statusCode, 404);
      assert.equal((await id.call('DELETE', url(domainId, 'identity'))).statusCode, 204);
      const noGroup = await id.call('GET', url(domainId, 'identity'));
      assert.equal(noGroup.statusCode, 404);
      assert.equal(noGroup.json().error.message, `Could not find group identity in domain configuration for domain ${domainId}.`);
      assert.equal((await id.call('DELETE', url(domainId))).statusCode, 204);
      assert.equal((await id.call('GET', url(domainId))).statusCode, 404);
    });

    it('stores the ldap password encrypted and never returns it', async () => {
      const domainId = await newDomain();
      const res = await id.call('PUT', url(domainId), { config: { ldap: { url: 'ldap://x', password: 'hunter2' } } });
      assert.equal(res.statusCode, 201);
      assert.deepEqual(res.json().config, { ldap: { url: 'ldap://x' } });
      assert.deepEqual((await id.call('GET', url(domainId, 'ldap'))).json().config, { ldap: { url: 'ldap://x' } });
      assert.equal((await id.call('GET', url(domainId, 'ldap', 'password'))).statusCode, 404);
      const rows = await id.service.context.db.selectFrom('domain_config').selectAll().where('domain_id', '=', domainId).execute();
      assert.ok(rows.every((r) => !r.value.includes('hunter2')));
      // It can still be updated and deleted like any option.
      assert.equal((await id.call('PATCH', url(domainId, 'ldap', 'password'), { config: { password: 'new' } })).statusCode, 200);
      assert.equal((await id.call('DELETE', url(domainId, 'ldap', 'password'))).statusCode, 204);
      assert.equal((await id.call('DELETE', url(domainId, 'ldap', 'password'))).statusCode, 404);
    });

    it('applies concurrent replacements one after the other (no 500, last writer wins whole)', async () => {
      const domainId = await newDomain();
      const configs = Array.from({ length: 16 }, (_, i) => ({ identity: { driver: 'sql' }, ldap: i % 2 ? { url: `ldap://127.0.0.1:${i + 1}` } : { suffix: `dc=n${i}` } }));
      const results = await Promise.all(configs.map((config) => id.call('PUT', url(domainId), { config })));
      assert.deepEqual(results.map((r) => r.statusCode).filter((s) => s !== 200 && s !== 201), [], results.map((r) => r.body).join('\n'));
      const final = (await id.call('GET', url(domainId))).json().config;
      assert.ok(configs.some((c) => JSON.stringify(c) === JSON.stringify(final)), `not one whole config: ${JSON.stringify(final)}`);
    });

    it('answers 403 for invalid structure, groups and options, as Keystone does', async () => {
      const domainId = await newDomain();
      const bad: unknown[] = [
        {},
        { config: {} },
        { config: { identity: {} } },
        { config: { identity: 'sql' } },
        { config: { nova: { x: 1 } } },
        { config: { ldap: { not_an_option: 1 } } },
        { config: [] },
      ];
      for (const body of bad) {
        const res = await id.call('PUT', url(domainId), body);
        assert.equal(res.statusCode, 403, `${JSON.stringify(body)} -> ${res.body}`);
        assert.match(res.json().error.message, /^Invalid domain specific configuration: /);
      }
      assert.equal((await id.call('GET', url(domainId, 'nova'))).statusCode, 403);
      assert.equal((await id.call('GET', url(domainId, 'ldap', 'nope'))).statusCode, 403);
    });

    it('answers 404 for a missing domain, and 403 to non-admins before that', async () => {
      assert.equal((await id.call('PUT', url('no-such-domain'), { config: customConfig })).statusCode, 404);
      assert.equal((await id.call('GET', url('no-such-domain'))).statusCode, 404);
      assert.equal((await id.call('GET', url('no-such-domain'), undefined, member.token)).statusCode, 403);
      const domainId = await newDomain();
      assert.equal((await id.call('PUT', url(domainId), { config: customConfig }, member.token)).statusCode, 403);
      await id.call('PUT', url(domainId), { config: customConfig });
      assert.equal((await id.call('GET', url(domainId), undefined, member.token)).statusCode, 403);
      assert.equal((await id.call('PATCH', url(domainId), { config: customConfig }, member.token)).statusCode, 403);
      assert.equal((await id.call('DELETE', url(domainId), undefined, member.token)).statusCode, 403);
    });

    it('lets anyone read the default domain\'s password rules, and no other domain\'s', async () => {
      const res = await id.call('GET', url('default', 'security_compliance'), undefined, member.token);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().config, { security_compliance: { password_regex: null, password_regex_description: null } });
      assert.deepEqual((await id.call('GET', url('default', 'security_compliance', 'password_regex'), undefined, member.token)).json().config, { password_regex: null });
      assert.equal((await id.call('GET', url('default', 'security_compliance', 'lockout_duration'), undefined, member.token)).statusCode, 403);
      const other = await newDomain();
      assert.equal((await id.call('GET', url(other, 'security_compliance'))).statusCode, 403);
    });
  });
}
