/**
 * OS::Keystone::Project (heat/engine/resources/openstack/keystone/project.py): a project in a domain
 * (default `default`), under an optional parent. Found again by its name in that domain after a crash.
 */
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ignoreNotFound, SHOW_ATTRIBUTE, stableName } from '../service-common.js';
import { keystoneId } from './common.js';

function outcome(p: { id: string; [k: string]: unknown }): ResourceOutcome {
  return {
    physicalId: p.id,
    attributes: { name: p.name, parent_id: p.parent_id ?? null, domain_id: p.domain_id, enabled: p.enabled, description: p.description ?? '', is_domain: p.is_domain ?? false, show: p },
  };
}

async function fields(ctx: ResourceContext, token: string, props: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    name: String(props.name ?? stableName(ctx, 64)), description: String(props.description ?? ''), enabled: props.enabled !== false,
    domain_id: await keystoneId(ctx, token, 'domains', String(props.domain ?? 'default')),
    ...(Array.isArray(props.tags) ? { tags: props.tags.map(String) } : {}),
  };
}

export const projectPlugin: ResourcePlugin = {
  type: 'OS::Keystone::Project',
  description: 'Heat Template Resource for Keystone Project.',
  since: '2015.1',
  properties: {
    name: { type: 'string', description: 'Name of keystone project.', updateAllowed: true },
    domain: { type: 'string', description: 'Name or id of keystone domain.', default: 'default', updateAllowed: true },
    description: { type: 'string', description: 'Description of keystone project.', default: '', updateAllowed: true },
    enabled: { type: 'boolean', description: 'This project is enabled or disabled.', default: true, updateAllowed: true },
    parent: { type: 'string', description: 'The name or ID of parent of this keystone project in hierarchy.' },
    tags: { type: 'list', description: 'A list of tags for labeling and sorting projects.', default: [], updateAllowed: true },
  },
  attributes: {
    name: { description: 'Project name.', type: 'string' },
    parent_id: { description: 'Parent project id.', type: 'string' },
    domain_id: { description: 'Domain id for project.', type: 'string' },
    enabled: { description: 'Flag of enable project.', type: 'boolean' },
    description: { description: 'Description of project.', type: 'string' },
    is_domain: { description: 'Indicates whether the project also acts as a domain.', type: 'boolean' },
    ...SHOW_ATTRIBUTE,
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const identity = ctx.clients.identity;
    const f = await fields(ctx, token, props);
    const again = (await identity.list(token, 'projects', { name: String(f.name), domain_id: String(f.domain_id) }))[0];
    if (again) return outcome(again);
    const parent = typeof props.parent === 'string' ? { parent_id: await keystoneId(ctx, token, 'projects', props.parent) } : {};
    return outcome(await identity.save(token, 'projects', { ...f, ...parent }));
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    return outcome(await ctx.clients.identity.save(token, 'projects', await fields(ctx, token, props), ctx.resource.physicalId!));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.identity.remove(token, 'projects', ctx.resource.physicalId!));
  },
};
