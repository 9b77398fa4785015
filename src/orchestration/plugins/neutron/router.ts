/**
 * OS::Neutron::Router (heat/engine/resources/openstack/neutron/router.py): a router, with its gateway on
 * an external network given by name or id in `external_gateway_info.network`.
 */
import type { NeutronRouter, RouterCreate } from '../../../network/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { defined, deleteWhenFree, isNotFound, networkId, SHOW_ATTRIBUTE, stableName, subnetId, valueSpecs } from '../service-common.js';

function outcome(r: NeutronRouter): ResourceOutcome {
  return {
    physicalId: r.id,
    attributes: { status: r.status, external_gateway_info: r.external_gateway_info, name: r.name, admin_state_up: r.admin_state_up, tenant_id: r.project_id, show: r },
  };
}

async function gateway(ctx: ResourceContext, token: string, info: unknown): Promise<RouterCreate['external_gateway_info']> {
  if (!info || typeof info !== 'object') return undefined;
  const g = info as Record<string, unknown>;
  const ref = g.network ?? g.network_id;
  if (typeof ref !== 'string') return undefined;
  const fixed = Array.isArray(g.external_fixed_ips)
    ? await Promise.all((g.external_fixed_ips as Array<Record<string, unknown>>).map(async (f) => defined({
      ip_address: f.ip_address, subnet_id: typeof f.subnet === 'string' ? await subnetId(ctx, token, f.subnet) : undefined,
    }) as { subnet_id?: string; ip_address?: string }))
    : undefined;
  return {
    network_id: await networkId(ctx, token, ref),
    ...(typeof g.enable_snat === 'boolean' ? { enable_snat: g.enable_snat } : {}),
    ...(fixed ? { external_fixed_ips: fixed } : {}),
  };
}

export const routerPlugin: ResourcePlugin = {
  type: 'OS::Neutron::Router',
  description: 'A resource that implements Neutron router.',
  since: '2014.1',
  properties: {
    name: { type: 'string', description: 'The name of the router.', updateAllowed: true },
    external_gateway_info: {
      type: 'map', description: 'External network gateway configuration for a router.', updateAllowed: true,
      schema: {
        network: { type: 'string', description: 'ID or name of the external network for the gateway.', required: true, updateAllowed: true },
        enable_snat: { type: 'boolean', description: 'Enables Source NAT on the router gateway.', updateAllowed: true },
        external_fixed_ips: { type: 'list', description: 'External fixed IP addresses for the gateway.', updateAllowed: true },
      },
    },
    value_specs: { type: 'map', description: 'Extra parameters to include in the creation request.', default: {}, updateAllowed: true },
    admin_state_up: { type: 'boolean', description: 'The administrative state of the router.', default: true, updateAllowed: true },
    l3_agent_ids: { type: 'list', description: 'ID list of the L3 agent. User can specify multi-agents for highly available router.', updateAllowed: true },
    distributed: { type: 'boolean', description: 'Indicates whether or not to create a distributed router.' },
    ha: { type: 'boolean', description: 'Indicates whether or not to create a highly available router.' },
    tags: { type: 'list', description: 'The tags to be added to the router.', updateAllowed: true },
  },
  attributes: {
    status: { description: 'The status of the router.', type: 'string' },
    external_gateway_info: { description: 'Gateway network for the router.', type: 'map' },
    name: { description: 'Friendly name of the router.', type: 'string' },
    admin_state_up: { description: 'Administrative state of the router.', type: 'string' },
    tenant_id: { description: 'Tenant owning the router.', type: 'string' },
    ...SHOW_ATTRIBUTE,
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const name = String(props.name ?? stableName(ctx));
    if (ctx.resource.physicalId) {
      try { return outcome(await ctx.clients.network.getRouter(token, ctx.resource.physicalId)); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    const again = (await ctx.clients.network.listRouters(token, { name, project_id: ctx.stack.projectId }))[0];
    if (again) return outcome(again);
    const gw = await gateway(ctx, token, props.external_gateway_info);
    const router = await ctx.clients.network.createRouter(token, {
      name, admin_state_up: props.admin_state_up !== false, ...(gw ? { external_gateway_info: gw } : {}), ...valueSpecs(props),
    });
    return outcome(router);
  },
  async update(ctx, props, changed) {
    const token = await ctx.clients.token();
    const gw = changed.includes('external_gateway_info') ? { external_gateway_info: (await gateway(ctx, token, props.external_gateway_info)) ?? {} } : {};
    return outcome(await ctx.clients.network.updateRouter(token, ctx.resource.physicalId!, {
      name: String(props.name ?? stableName(ctx)), admin_state_up: props.admin_state_up !== false, ...gw, ...valueSpecs(props),
    }));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await deleteWhenFree(ctx, () => ctx.clients.network.deleteRouter(token, ctx.resource.physicalId!));
  },
};
