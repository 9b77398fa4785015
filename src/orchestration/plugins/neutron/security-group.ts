/**
 * OS::Neutron::SecurityGroup (heat/engine/resources/openstack/neutron/security_group.py): a security
 * group with its rules. As in Heat, giving any egress rule removes Neutron's default egress rules, and an
 * update of `rules` replaces every rule (restoring the default egress rules when no egress rule is left).
 * remote_mode remote_group_id without a remote_group_id means the group itself.
 */
import type { NeutronSecurityGroup } from '../../../network/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { defined, deleteWhenFree, ignoreNotFound, isNotFound, SHOW_ATTRIBUTE, stableName } from '../service-common.js';

type Rule = Record<string, unknown>;

function ruleBody(group: string, r: Rule): Record<string, unknown> {
  const byGroup = r.remote_mode === 'remote_group_id';
  const protocol = r.protocol === undefined || r.protocol === null ? undefined : String(r.protocol);
  return defined({
    security_group_id: group, direction: r.direction ?? 'ingress', ethertype: r.ethertype ?? 'IPv4', protocol,
    port_range_min: r.port_range_min, port_range_max: r.port_range_max,
    remote_ip_prefix: byGroup ? undefined : r.remote_ip_prefix,
    remote_group_id: byGroup ? (r.remote_group_id ?? group) : undefined,
  });
}

/** Sets the group's rules to `rules` (Heat's semantics above), leaving rules that already match. */
async function applyRules(ctx: ResourceContext, token: string, group: NeutronSecurityGroup, rules: readonly Rule[]): Promise<void> {
  const net = ctx.clients.network;
  const wanted = rules.map((r) => ruleBody(group.id, r));
  const hasEgress = wanted.some((r) => r.direction === 'egress');
  if (!hasEgress) {
    for (const ethertype of ['IPv4', 'IPv6']) wanted.push({ security_group_id: group.id, direction: 'egress', ethertype });
  }
  const key = (r: Record<string, unknown>): string => JSON.stringify([r.direction, r.ethertype ?? 'IPv4', r.protocol ?? null, r.port_range_min ?? null, r.port_range_max ?? null, r.remote_ip_prefix ?? null, r.remote_group_id ?? null]);
  const existing = new Map(group.security_group_rules.map((r) => [key(r as unknown as Record<string, unknown>), r.id] as const));
  const want = new Set(wanted.map(key));
  for (const [k, id] of existing) if (!want.has(k)) await ignoreNotFound(() => net.deleteSecurityGroupRule(token, id));
  for (const r of wanted) {
    if (existing.has(key(r))) continue;
    // Neutron may normalise a rule (e.g. its prefix) so that it matches one already there: that is the rule.
    await net.createSecurityGroupRule(token, r).catch((err: unknown) => { if ((err as { status?: unknown }).status !== 409) throw err; });
  }
}

async function outcome(ctx: ResourceContext, token: string, id: string): Promise<ResourceOutcome> {
  const g = await ctx.clients.network.getSecurityGroup(token, id);
  return { physicalId: g.id, attributes: { show: g } };
}

export const securityGroupPlugin: ResourcePlugin = {
  type: 'OS::Neutron::SecurityGroup',
  description: 'A resource for managing Neutron security groups.',
  since: '2014.1',
  properties: {
    name: { type: 'string', description: 'A string specifying a symbolic name for the security group, which is not required to be unique.', updateAllowed: true },
    description: { type: 'string', description: 'Description of the security group.', updateAllowed: true },
    rules: {
      type: 'list', description: 'List of security group rules.', default: [], updateAllowed: true,
      schema: { '*': { type: 'map', schema: {
        direction: { type: 'string', description: 'The direction in which the security group rule is applied.', default: 'ingress', constraints: [{ allowed_values: ['ingress', 'egress'] }] },
        ethertype: { type: 'string', description: 'Ethertype of the traffic.', default: 'IPv4', constraints: [{ allowed_values: ['IPv4', 'IPv6'] }] },
        port_range_min: { type: 'integer', description: 'The minimum port number in the range that is matched by the security group rule.', constraints: [{ range: { min: 0, max: 65535 } }] },
        port_range_max: { type: 'integer', description: 'The maximum port number in the range that is matched by the security group rule.', constraints: [{ range: { min: 0, max: 65535 } }] },
        protocol: { type: 'string', description: 'The protocol that is matched by the security group rule.' },
        remote_mode: { type: 'string', description: 'Whether to specify a remote group or a remote IP prefix.', default: 'remote_ip_prefix', constraints: [{ allowed_values: ['remote_ip_prefix', 'remote_group_id'] }] },
        remote_group_id: { type: 'string', description: 'The remote group ID to be associated with this security group rule. If no value is specified then this rule will use this security group for the remote_group_id.' },
        remote_ip_prefix: { type: 'string', description: 'The remote IP prefix (CIDR) to be associated with this security group rule.' },
      } } },
    },
  },
  attributes: { ...SHOW_ATTRIBUTE },
  validate(props) {
    return props.name === 'default' ? 'Security groups cannot be assigned the name "default".' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const net = ctx.clients.network;
    const name = String(props.name ?? stableName(ctx));
    let group: NeutronSecurityGroup | undefined;
    if (ctx.resource.physicalId) {
      try { group = await net.getSecurityGroup(token, ctx.resource.physicalId); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    group ??= (await net.listSecurityGroups(token, { name, project_id: ctx.stack.projectId }))[0];
    group ??= await net.createSecurityGroup(token, { name, description: String(props.description ?? '') });
    await ctx.savePhysicalId(group.id);
    await applyRules(ctx, token, group, (props.rules as Rule[] | undefined) ?? []);
    return outcome(ctx, token, group.id);
  },
  async update(ctx, props, changed) {
    const token = await ctx.clients.token();
    const id = ctx.resource.physicalId!;
    if (changed.includes('name') || changed.includes('description')) {
      await ctx.clients.network.updateSecurityGroup(token, id, { name: String(props.name ?? stableName(ctx)), description: String(props.description ?? '') });
    }
    if (changed.includes('rules')) await applyRules(ctx, token, await ctx.clients.network.getSecurityGroup(token, id), (props.rules as Rule[] | undefined) ?? []);
    return outcome(ctx, token, id);
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await deleteWhenFree(ctx, () => ctx.clients.network.deleteSecurityGroup(token, ctx.resource.physicalId!));
  },
};
