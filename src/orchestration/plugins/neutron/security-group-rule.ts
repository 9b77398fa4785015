/**
 * OS::Neutron::SecurityGroupRule (heat/engine/resources/openstack/neutron/security_group_rule.py): one
 * rule of a security group given by name or id. Only `description` may change in place; Neutron keeps a
 * rule's other fields fixed, so any other change replaces it. Neutron refuses a duplicate rule (409), so
 * a retried create adopts the rule that matches.
 */
import type { ResourcePlugin } from '../types.js';
import { defined, ignoreNotFound, securityGroupIds } from '../service-common.js';

export const securityGroupRulePlugin: ResourcePlugin = {
  type: 'OS::Neutron::SecurityGroupRule',
  description: 'A resource for managing Neutron security group rules.',
  since: '7.0.0',
  properties: {
    security_group: { type: 'string', description: 'Security group name or ID to add rule.', required: true },
    description: { type: 'string', description: 'Description of the security group rule.', updateAllowed: true },
    remote_group: { type: 'string', description: 'The remote group name or ID to be associated with this security group rule.' },
    remote_ip_prefix: { type: 'string', description: 'The remote IP prefix (CIDR) to be associated with this security group rule.' },
    direction: { type: 'string', description: 'The direction in which the security group rule is applied.', default: 'ingress', constraints: [{ allowed_values: ['ingress', 'egress'] }] },
    ethertype: { type: 'string', description: 'Ethertype of the traffic.', default: 'IPv4', constraints: [{ allowed_values: ['IPv4', 'IPv6'] }] },
    port_range_min: { type: 'integer', description: 'The minimum port number in the range that is matched by the security group rule.', constraints: [{ range: { min: 0, max: 65535 } }] },
    port_range_max: { type: 'integer', description: 'The maximum port number in the range that is matched by the security group rule.', constraints: [{ range: { min: 0, max: 65535 } }] },
    protocol: { type: 'string', description: 'The protocol that is matched by the security group rule.' },
  },
  attributes: {},
  validate(props) {
    return props.remote_group !== undefined && props.remote_ip_prefix !== undefined ? 'Cannot specify both remote_group and remote_ip_prefix.' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const [group] = await securityGroupIds(ctx, token, [String(props.security_group)]);
    const [remote] = typeof props.remote_group === 'string' ? await securityGroupIds(ctx, token, [props.remote_group]) : [undefined];
    const body = defined({
      security_group_id: group, direction: props.direction, ethertype: props.ethertype, protocol: props.protocol,
      port_range_min: props.port_range_min, port_range_max: props.port_range_max, remote_ip_prefix: props.remote_ip_prefix, remote_group_id: remote,
      description: props.description,
    });
    try {
      const rule = await ctx.clients.network.createSecurityGroupRule(token, body);
      return { physicalId: rule.id, attributes: {} };
    } catch (err) {
      if ((err as { status?: unknown }).status !== 409) throw err;
      // SecurityGroupRuleExists: the rule an interrupted attempt made (Neutron names it in the message).
      const id = /Rule id is ([0-9a-f-]{36})/i.exec((err as Error).message)?.[1];
      if (!id) throw err;
      return { physicalId: id, attributes: {} };
    }
  },
  async update(ctx) {
    // Neutron has no rule update besides the description, which Flotilla's network API keeps fixed.
    return { physicalId: ctx.resource.physicalId, attributes: {} };
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.network.deleteSecurityGroupRule(token, ctx.resource.physicalId!));
  },
};
