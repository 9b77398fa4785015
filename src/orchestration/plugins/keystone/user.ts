/**
 * OS::Keystone::User (heat/engine/resources/openstack/keystone/user.py): a user in a domain (default
 * `default`) with an optional password, default project and role assignments (`roles`); groups are
 * joined by name or id. Found again by its name in that domain after a crash.
 */
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ignoreNotFound, SHOW_ATTRIBUTE, stableName } from '../service-common.js';
import { applyGrants, keystoneId, resolveGrants, ROLES_SCHEMA } from './common.js';

function outcome(u: { id: string; [k: string]: unknown }): ResourceOutcome {
  return {
    physicalId: u.id,
    attributes: { name: u.name, default_project_id: u.default_project_id ?? null, domain_id: u.domain_id, enabled: u.enabled, password_expires_at: u.password_expires_at ?? null, show: u },
  };
}

async function fields(ctx: ResourceContext, token: string, props: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    name: String(props.name ?? stableName(ctx, 64)), description: String(props.description ?? ''), enabled: props.enabled !== false,
    domain_id: await keystoneId(ctx, token, 'domains', String(props.domain ?? 'default')),
    ...(typeof props.email === 'string' ? { email: props.email } : {}),
    ...(typeof props.password === 'string' ? { password: props.password } : {}),
    ...(typeof props.default_project === 'string' ? { default_project_id: await keystoneId(ctx, token, 'projects', props.default_project) } : {}),
  };
}

export const userPlugin: ResourcePlugin = {
  type: 'OS::Keystone::User',
  description: 'Heat Template Resource for Keystone User.',
  since: '2015.1',
  properties: {
    name: { type: 'string', description: 'Name of keystone user.', updateAllowed: true },
    domain: { type: 'string', description: 'Name or ID of keystone domain.', default: 'default', updateAllowed: true },
    description: { type: 'string', description: 'Description of keystone user.', default: '', updateAllowed: true },
    enabled: { type: 'boolean', description: 'Keystone user is enabled or disabled.', default: true, updateAllowed: true },
    email: { type: 'string', description: 'Email address of keystone user.', updateAllowed: true },
    password: { type: 'string', description: 'Password of keystone user.', updateAllowed: true },
    default_project: { type: 'string', description: 'Name or ID of default project of keystone user.', updateAllowed: true },
    groups: { type: 'list', description: 'Keystone user groups.', updateAllowed: true },
    roles: ROLES_SCHEMA,
  },
  attributes: {
    name: { description: 'User name.', type: 'string' },
    default_project_id: { description: 'Default project id for user.', type: 'string' },
    domain_id: { description: 'Domain id for user.', type: 'string' },
    enabled: { description: 'Flag of enable user.', type: 'boolean' },
    password_expires_at: { description: 'Show user password expiration time.', type: 'string' },
    ...SHOW_ATTRIBUTE,
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const identity = ctx.clients.identity;
    const f = await fields(ctx, token, props);
    const user = (await identity.list(token, 'users', { name: String(f.name), domain_id: String(f.domain_id) }))[0] ?? await identity.save(token, 'users', f);
    await ctx.savePhysicalId(user.id);
    await applyGrants(ctx, token, 'users', user.id, await resolveGrants(ctx, token, props.roles));
    return outcome(user);
  },
  async update(ctx, props, changed) {
    const token = await ctx.clients.token();
    const id = ctx.resource.physicalId!;
    if (changed.includes('roles')) {
      await applyGrants(ctx, token, 'users', id, await resolveGrants(ctx, token, ctx.resource.properties?.roles), true);
      await applyGrants(ctx, token, 'users', id, await resolveGrants(ctx, token, props.roles));
    }
    return outcome(await ctx.clients.identity.save(token, 'users', await fields(ctx, token, props), id));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.identity.remove(token, 'users', ctx.resource.physicalId!));
  },
};
