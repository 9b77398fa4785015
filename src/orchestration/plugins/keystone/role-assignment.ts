/**
 * OS::Keystone::RoleAssignment (heat/engine/resources/openstack/keystone/role_assignments.py): grants
 * roles on projects or domains to a user or a group; an update revokes the old grants and makes the new
 * ones, a delete revokes them. Granting is idempotent in Keystone, so a retried create needs no lookup.
 */
import type { ResourceContext, ResourcePlugin } from '../types.js';
import { ResourceFailure } from '../types.js';
import { applyGrants, keystoneId, resolveGrants, ROLES_SCHEMA } from './common.js';

async function actorOf(ctx: ResourceContext, token: string, props: Record<string, unknown>): Promise<{ actor: 'users' | 'groups'; id: string }> {
  if (typeof props.user === 'string') return { actor: 'users', id: await keystoneId(ctx, token, 'users', props.user) };
  if (typeof props.group === 'string') {
    const groups = await ctx.clients.identity.list(token, 'groups', { name: props.group });
    return { actor: 'groups', id: groups[0]?.id ?? props.group };
  }
  throw new ResourceFailure('Either user or group must be specified.');
}

export const roleAssignmentPlugin: ResourcePlugin = {
  type: 'OS::Keystone::RoleAssignment',
  description: 'Resource for granting roles to a user or a group.',
  since: '5.0.0',
  properties: {
    user: { type: 'string', description: 'Name or id of keystone user.', updateAllowed: true },
    group: { type: 'string', description: 'Name or id of keystone group.', updateAllowed: true },
    roles: { ...ROLES_SCHEMA, required: true },
  },
  attributes: {},
  validate(props) {
    return (props.user === undefined) === (props.group === undefined) ? 'Exactly one of the properties user and group must be specified.' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const who = await actorOf(ctx, token, props);
    await applyGrants(ctx, token, who.actor, who.id, await resolveGrants(ctx, token, props.roles));
    return { physicalId: `${who.actor}:${who.id}`, attributes: {} };
  },
  async update(ctx, props) {
    await roleAssignmentPlugin.delete(ctx);
    return roleAssignmentPlugin.create(ctx, props);
  },
  async delete(ctx) {
    const before = ctx.resource.properties;
    if (!before || !ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    const [actor, id] = ctx.resource.physicalId.split(':') as ['users' | 'groups', string];
    await applyGrants(ctx, token, actor, id, await resolveGrants(ctx, token, before.roles).catch(() => []), true);
  },
};
