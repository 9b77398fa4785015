/**
 * OS::Nova::ServerGroup (heat/engine/resources/openstack/nova/server_group.py): a server group with one
 * policy (Heat's `policies` list holds exactly one) and its rules; servers join it with the scheduler
 * hint `group`. A retried create finds the group by its name.
 */
import type { ResourcePlugin } from '../types.js';
import { ignoreNotFound, stableName } from '../service-common.js';

interface Group { id: string; name: string; policy?: string; policies?: string[] }

export const serverGroupPlugin: ResourcePlugin = {
  type: 'OS::Nova::ServerGroup',
  description: 'A resource for managing a Nova server group.',
  since: '2014.2',
  properties: {
    name: { type: 'string', description: 'Server Group name.' },
    policies: {
      type: 'list', description: 'A list of string policies to apply. Defaults to anti-affinity.', default: ['anti-affinity'],
      schema: { '*': { type: 'string', constraints: [{ allowed_values: ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] }] } },
    },
    rules: { type: 'map', description: 'A dict of rules to apply (max_server_per_host with anti-affinity). Supported since Nova api version 2.64.' },
  },
  attributes: {},
  validate(props) {
    return Array.isArray(props.policies) && props.policies.length !== 1 ? 'Property error: policies: exactly one policy is supported' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const name = String(props.name ?? stableName(ctx));
    const listed = (await ctx.clients.compute.listServerGroups(token)) as Group[];
    const held = new Set((await ctx.clients.resourceRows()).filter((r) => r.id !== ctx.resource.id).map((r) => r.physicalId));
    const again = ctx.resource.physicalId ? listed.find((g) => g.id === ctx.resource.physicalId) : listed.find((g) => g.name === name && !held.has(g.id));
    const group = again ?? await ctx.clients.compute.createServerGroup(token, {
      name, policy: String((props.policies as unknown[])[0]), ...(props.rules ? { rules: props.rules as Record<string, unknown> } : {}),
    });
    return { physicalId: group.id, attributes: {} };
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.compute.deleteServerGroup(token, ctx.resource.physicalId!));
  },
};
