/**
 * Security groups and rules through the HTTP app with real identity, on SQLite and PostgreSQL: the
 * per-project default group and its rules, rule validation and duplicates, and the default group's
 * protections.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetwork, ENGINES, type TestNetwork, type TestUser } from './testing.js';

for (const { engine, skip } of ENGINES) {
  describe(`security groups (${engine})`, { skip }, () => {
    let t: TestNetwork;
    let member: TestUser;
    before(async () => {
      t = await createTestNetwork(engine);
      member = await t.user('sg-member');
    });
    after(async () => { await t?.close(); });

    const rule = (sg: string, fields: Record<string, unknown>): Promise<any> =>
      t.call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ...fields } }, member.token);

    it('creates the project\'s default group on first use, once, with Neutron\'s four rules', async () => {
      const [first, second] = await Promise.all([
        t.ok(200, 'GET', '/v2.0/security-groups', undefined, member.token),
        t.ok(200, 'GET', '/v2.0/security-groups', undefined, member.token),
      ]);
      assert.equal(first.security_groups.length, 1);
      assert.deepEqual(second.security_groups.map((g: any) => g.id), first.security_groups.map((g: any) => g.id));
      const def = first.security_groups[0];
      assert.equal(def.name, 'default');
      assert.equal(def.description, 'Default security group');
      const summary = def.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype} ${r.remote_group_id === def.id ? 'self' : r.remote_group_id}`).sort();
      assert.deepEqual(summary, ['egress IPv4 null', 'egress IPv6 null', 'ingress IPv4 self', 'ingress IPv6 self']);
    });

    it('creates groups with egress rules, validates rules and refuses duplicates', async () => {
      const sg = (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'web', description: 'http' } }, member.token)).security_group;
      assert.deepEqual(sg.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype}`).sort(), ['egress IPv4', 'egress IPv6']);
      const ssh = await rule(sg.id, { protocol: 'TCP', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
      assert.equal(ssh.statusCode, 201, ssh.body);
      const r = ssh.json().security_group_rule;
      assert.equal(r.protocol, 'tcp');
      assert.equal(r.ethertype, 'IPv4');
      assert.equal(r.project_id, member.projectId);
      const dup = await rule(sg.id, { protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
      assert.equal(dup.statusCode, 409);
      assert.deepEqual(dup.json().NeutronError, { type: 'SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${r.id}.`, detail: '' });
      assert.equal((await rule(sg.id, { protocol: 'icmp', port_range_min: 8, port_range_max: 0 })).statusCode, 201);
      assert.equal((await rule(sg.id, { protocol: '17', port_range_min: 53, port_range_max: 53 })).json().security_group_rule.protocol, '17');
      assert.equal((await rule(sg.id, { ethertype: 'ipv6', remote_ip_prefix: '::/0', protocol: 'tcp', port_range_min: 80, port_range_max: 80 })).statusCode, 201);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ protocol: 'tcp', port_range_min: 90, port_range_max: 80 }, 'SecurityGroupInvalidPortRange'],
        [{ protocol: 'tcp', port_range_min: 0, port_range_max: 80 }, 'SecurityGroupInvalidPortValue'],
        [{ protocol: 'tcp', port_range_min: 70000, port_range_max: 80 }, 'SecurityGroupInvalidPortValue'],
        [{ port_range_min: 80, port_range_max: 80 }, 'SecurityGroupProtocolRequiredWithPorts'],
        [{ protocol: 'icmp', port_range_min: 300 }, 'SecurityGroupInvalidIcmpValue'],
        [{ protocol: 'icmp', port_range_max: 3 }, 'SecurityGroupMissingIcmpType'],
        [{ protocol: 'bogus' }, 'SecurityGroupRuleInvalidProtocol'],
        [{ protocol: 256 }, 'SecurityGroupRuleInvalidProtocol'],
        [{ remote_ip_prefix: '10.0.0.0/8', remote_group_id: sg.id }, 'SecurityGroupRemoteGroupAndRemoteIpPrefix'],
        [{ ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' }, 'SecurityGroupRuleParameterConflict'],
        [{ remote_ip_prefix: 'not-a-cidr' }, 'InvalidCIDR'],
        [{ direction: 'sideways' }, 'HTTPBadRequest'],
        [{ ethertype: 'IPX' }, 'HTTPBadRequest'],
        [{ protocol: 'gre', port_range_min: 1, port_range_max: 2 }, 'SecurityGroupInvalidProtocolForPort'],
      ];
      for (const [fields, type] of cases) {
        const res = await rule(sg.id, fields);
        assert.equal(res.statusCode, 400, `${JSON.stringify(fields)}: ${res.body}`);
        assert.equal(res.json().NeutronError.type, type, JSON.stringify(fields));
      }
      for (const [group, remote] of [['00000000-0000-4000-8000-000000000000', null], ['bad_group_id', null], [sg.id, 'bad_group_id'], [sg.id, '00000000-0000-4000-8000-000000000000']]) {
        const missing = await rule(group!, { remote_group_id: remote });
        assert.equal(missing.statusCode, 404, `${group} ${remote}`);
        assert.equal(missing.json().NeutronError.type, 'SecurityGroupNotFound');
      }
      const shown = (await t.ok(200, 'GET', `/v2.0/security-groups/${sg.id}`, undefined, member.token)).security_group;
      assert.equal(shown.security_group_rules.length, 6);
      const listed = (await t.ok(200, 'GET', `/v2.0/security-group-rules?security_group_id=${sg.id}&protocol=tcp`, undefined, member.token)).security_group_rules;
      assert.equal(listed.length, 2);
      await t.ok(204, 'DELETE', `/v2.0/security-group-rules/${r.id}`, undefined, member.token);
      assert.equal((await t.call('GET', `/v2.0/security-group-rules/${r.id}`, undefined, member.token)).json().NeutronError.type, 'SecurityGroupRuleNotFound');
    });

    it('protects the default group and groups in use', async () => {
      const def = (await t.ok(200, 'GET', '/v2.0/security-groups?name=default', undefined, member.token)).security_groups[0];
      const del = await t.call('DELETE', `/v2.0/security-groups/${def.id}`, undefined, member.token);
      assert.equal(del.statusCode, 409);
      assert.equal(del.json().NeutronError.type, 'SecurityGroupCannotRemoveDefault');
      const rename = await t.call('PUT', `/v2.0/security-groups/${def.id}`, { security_group: { name: 'other' } }, member.token);
      assert.equal(rename.json().NeutronError.type, 'SecurityGroupCannotUpdateDefault');
      assert.equal((await t.ok(200, 'PUT', `/v2.0/security-groups/${def.id}`, { security_group: { description: 'still default' } }, member.token)).security_group.description, 'still default');
      const second = await t.call('POST', '/v2.0/security-groups', { security_group: { name: 'default' } }, member.token);
      assert.equal(second.statusCode, 409);
      assert.equal(second.json().NeutronError.type, 'SecurityGroupDefaultAlreadyExists');

      const sg = (await t.ok(201, 'POST', '/v2.0/security-groups', { security_group: { name: 'db' } }, member.token)).security_group;
      const n = (await t.ok(201, 'POST', '/v2.0/networks', { network: { name: 'sgnet' } }, member.token)).network;
      await t.ok(201, 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.7.0.0/24' } }, member.token);
      const p = (await t.ok(201, 'POST', '/v2.0/ports', { port: { network_id: n.id, security_groups: [sg.id] } }, member.token)).port;
      assert.deepEqual(p.security_groups, [sg.id]);
      const busy = await t.call('DELETE', `/v2.0/security-groups/${sg.id}`, undefined, member.token);
      assert.equal(busy.statusCode, 409);
      assert.equal(busy.json().NeutronError.type, 'SecurityGroupInUse');
      await t.ok(200, 'PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [def.id] } }, member.token);
      await t.ok(204, 'DELETE', `/v2.0/security-groups/${sg.id}`, undefined, member.token);
      assert.equal((await t.call('GET', `/v2.0/security-groups/${sg.id}`, undefined, member.token)).statusCode, 404);
      // An admin may remove a default group; the project gets a new one on its next use.
      await t.ok(204, 'DELETE', `/v2.0/ports/${p.id}`, undefined, member.token);
      await t.ok(204, 'DELETE', `/v2.0/security-groups/${def.id}`);
      const again = (await t.ok(200, 'GET', '/v2.0/security-groups?name=default', undefined, member.token)).security_groups;
      assert.equal(again.length, 1);
      assert.notEqual(again[0].id, def.id);
    });
  });
}
