/**
 * Tenant isolation matrix: another project's member gets Neutron's 404 for every operation on the first
 * project's networks, subnets, ports, security groups, rules and tags, and lists never show them; a shared
 * network is visible and usable (ports) but not changeable; readers read and do not write; admins see all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';

for (const { engine, skip } of ENGINES) {
  describe(`tenant isolation (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let owner: TestUser;
    let colleague: TestUser;
    let reader: TestUser;
    let stranger: TestUser;
    const ids: Record<string, string> = {};

    before(async () => {
      t = await createTestNetwork(engine);
      owner = await t.user('iso-owner', { project: 'alpha' });
      colleague = await t.user('iso-colleague', { project: 'alpha' });
      reader = await t.user('iso-reader', { project: 'alpha', role: 'reader' });
      stranger = await t.user('iso-stranger', { project: 'beta' });
      ids.network = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'private' } }, owner.token)).network.id;
      ids.subnet = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: ids.network, ip_version: 4, cidr: '10.0.0.0/24' } }, owner.token)).subnet.id;
      ids.port = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: ids.network } }, owner.token)).port.id;
      ids.group = (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'secret' } }, owner.token)).security_group.id;
      ids.rule = (await t.ok(201, 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: ids.group, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } }, owner.token)).security_group_rule.id;
      ids.shared = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'shared', shared: true } })).network.id;
      ids.sharedSubnet = (await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: ids.shared, ip_version: 4, cidr: '10.0.0.0/24' } })).subnet.id;
    });
    after(async () => { await t?.close(); });

    const hidden = (): Array<[string, string, unknown, string]> => [
      ['GET', `/v2.0/networks/${ids.network}`, undefined, 'NetworkNotFound'],
      ['PUT', `/v2.0/networks/${ids.network}`, { network: { name: 'mine' } }, 'NetworkNotFound'],
      ['DELETE', `/v2.0/networks/${ids.network}`, undefined, 'NetworkNotFound'],
      ['GET', `/v2.0/networks/${ids.network}/tags`, undefined, 'NetworkNotFound'],
      ['PUT', `/v2.0/networks/${ids.network}/tags/x`, undefined, 'NetworkNotFound'],
      ['GET', `/v2.0/subnets/${ids.subnet}`, undefined, 'SubnetNotFound'],
      ['PUT', `/v2.0/subnets/${ids.subnet}`, { subnet: { name: 'mine' } }, 'SubnetNotFound'],
      ['DELETE', `/v2.0/subnets/${ids.subnet}`, undefined, 'SubnetNotFound'],
      ['GET', `/v2.0/ports/${ids.port}`, undefined, 'PortNotFound'],
      ['PUT', `/v2.0/ports/${ids.port}`, { port: { name: 'mine' } }, 'PortNotFound'],
      ['DELETE', `/v2.0/ports/${ids.port}`, undefined, 'PortNotFound'],
      ['DELETE', `/v2.0/ports/${ids.port}/tags`, undefined, 'PortNotFound'],
      ['GET', `/v2.0/security-groups/${ids.group}`, undefined, 'SecurityGroupNotFound'],
      ['PUT', `/v2.0/security-groups/${ids.group}`, { security_group: { name: 'mine' } }, 'SecurityGroupNotFound'],
      ['DELETE', `/v2.0/security-groups/${ids.group}`, undefined, 'SecurityGroupNotFound'],
      ['GET', `/v2.0/security-group-rules/${ids.rule}`, undefined, 'SecurityGroupRuleNotFound'],
      ['DELETE', `/v2.0/security-group-rules/${ids.rule}`, undefined, 'SecurityGroupRuleNotFound'],
      ['POST', '/v2.0/subnets', { subnet: { network_id: ids.network, ip_version: 4, cidr: '10.1.0.0/24' } }, 'NetworkNotFound'],
      ['POST', '/v2.0/ports', { port: { network_id: ids.network } }, 'NetworkNotFound'],
      ['POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: ids.group, direction: 'ingress' } }, 'SecurityGroupNotFound'],
    ];

    it('another project\'s member gets 404 for everything of the first project', async () => {
      for (const [method, url, body, type] of hidden()) {
        const r = await t.call(method as 'GET', url, body, stranger.token);
        assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
        assert.equal(r.json().NeutronError.type, type, `${method} ${url}`);
      }
      // Nor may it put the first project's group on a port of its own.
      const own = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'beta-net' } }, stranger.token)).network.id;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: own, ip_version: 4, cidr: '10.0.0.0/24' } }, stranger.token);
      const steal = await t.call('POST', '/v2.0/ports', { port: { network_id: own, security_groups: [ids.group] } }, stranger.token);
      assert.equal(steal.statusCode, 404);
      assert.equal(steal.json().NeutronError.type, 'SecurityGroupNotFound');
      const remote = await t.call('POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'b' } }, stranger.token)).security_group.id, direction: 'ingress', remote_group_id: ids.group },
      }, stranger.token);
      assert.equal(remote.json().NeutronError.type, 'SecurityGroupNotFound');
    });

    it('lists never show another project\'s resources', async () => {
      const lists: Array<[string, string, string]> = [
        ['/v2.0/networks', 'networks', ids.network!], ['/v2.0/subnets', 'subnets', ids.subnet!], ['/v2.0/ports', 'ports', ids.port!],
        ['/v2.0/security-groups', 'security_groups', ids.group!], ['/v2.0/security-group-rules', 'security_group_rules', ids.rule!],
      ];
      for (const [url, key, id] of lists) {
        for (const qs of ['', `?id=${id}`, `?project_id=${owner.projectId}`]) {
          const items = (await t.ok(200, 'GET', `${url}${qs}`, undefined, stranger.token))[key];
          assert.ok(!items.some((x: any) => x.id === id || x.project_id === owner.projectId), `${url}${qs}`);
        }
        assert.ok((await t.ok(200, 'GET', url, undefined, owner.token))[key].some((x: any) => x.id === id), `owner lists ${url}`);
        assert.ok((await t.ok(200, 'GET', url))[key].some((x: any) => x.id === id), `admin lists ${url}`);
      }
    });

    it('a shared network is visible and usable by all, changeable only by its owner', async () => {
      assert.equal((await t.ok(200, 'GET', `/v2.0/networks/${ids.shared}`, undefined, stranger.token)).network.shared, true);
      assert.equal((await t.ok(200, 'GET', `/v2.0/subnets/${ids.sharedSubnet}`, undefined, stranger.token)).subnet.id, ids.sharedSubnet);
      const p = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: ids.shared } }, stranger.token)).port;
      assert.equal(p.project_id, stranger.projectId);
      assert.equal(p.fixed_ips[0].subnet_id, ids.sharedSubnet);
      const theirs = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: ids.shared } }, owner.token)).port;
      assert.equal((await t.call('GET', `/v2.0/ports/${theirs.id}`, undefined, stranger.token)).statusCode, 404, 'ports on a shared network stay private');
      for (const [method, url, body] of [
        ['PUT', `/v2.0/networks/${ids.shared}`, { network: { name: 'x' } }],
        ['DELETE', `/v2.0/networks/${ids.shared}`, undefined],
        ['POST', '/v2.0/subnets', { subnet: { network_id: ids.shared, ip_version: 4, cidr: '10.9.0.0/24' } }],
        ['PUT', `/v2.0/subnets/${ids.sharedSubnet}`, { subnet: { name: 'x' } }],
        ['POST', '/v2.0/ports', { port: { network_id: ids.shared, fixed_ips: [{ ip_address: '10.0.0.77' }] } }],
      ] as Array<[string, string, unknown]>) {
        const r = await t.call(method as 'GET', url, body, stranger.token);
        assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
        assert.equal(r.json().NeutronError.type, 'PolicyNotAuthorized');
      }
      const unshare = await t.call('PUT', `/v2.0/networks/${ids.shared}`, { network: { shared: false } });
      assert.equal(unshare.statusCode, 409, 'others use it');
      assert.equal(unshare.json().NeutronError.type, 'InvalidSharedSetting');
    });

    it('a colleague manages the project\'s resources; a reader only reads', async () => {
      assert.equal((await t.ok(200, 'PUT', `/v2.0/ports/${ids.port}`, { port: { name: 'by-colleague' } }, colleague.token)).port.name, 'by-colleague');
      assert.equal((await t.ok(200, 'GET', `/v2.0/networks/${ids.network}`, undefined, reader.token)).network.id, ids.network);
      assert.equal((await t.ok(200, 'GET', `/v2.0/security-groups/${ids.group}`, undefined, reader.token)).security_group.id, ids.group);
      for (const [method, url, body] of [
        ['POST', '/v2.0/networks', { network: { name: 'r' } }],
        ['PUT', `/v2.0/networks/${ids.network}`, { network: { name: 'r' } }],
        ['DELETE', `/v2.0/ports/${ids.port}`, undefined],
        ['POST', '/v2.0/security-groups', { security_group: { name: 'r' } }],
        ['DELETE', `/v2.0/security-group-rules/${ids.rule}`, undefined],
      ] as Array<[string, string, unknown]>) {
        const r = await t.call(method as 'GET', url, body, reader.token);
        assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
      }
    });

    it('only admins create for another project', async () => {
      const r = await t.call('POST', '/v2.0/networks', { network: { name: 'x', project_id: owner.projectId } }, stranger.token);
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().NeutronError.type, 'HTTPBadRequest');
      const made = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'for-alpha', tenant_id: owner.projectId } })).network;
      assert.equal(made.project_id, owner.projectId);
      assert.equal((await t.ok(200, 'GET', `/v2.0/networks/${made.id}`, undefined, owner.token)).network.id, made.id);
    });
  });
}
