/**
 * OS::Neutron::Net (heat/engine/resources/openstack/neutron/net.py): a Neutron network. Named after the
 * resource when `name` is not given, and found by that name when a create is retried after a crash.
 */
import type { NeutronNetwork } from '../../../network/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { defined, deleteWhenFree, isNotFound, SHOW_ATTRIBUTE, stableName, valueSpecs } from '../service-common.js';

function outcome(n: NeutronNetwork): ResourceOutcome {
  return {
    physicalId: n.id,
    attributes: {
      status: n.status, name: n.name, subnets: n.subnets, admin_state_up: n.admin_state_up, tenant_id: n.project_id,
      port_security_enabled: n.port_security_enabled, mtu: n.mtu, qos_policy_id: null, l2_adjacency: true, segments: [], show: n,
    },
  };
}

function body(ctx: ResourceContext, props: Record<string, unknown>): Record<string, unknown> {
  return defined({
    name: props.name ?? stableName(ctx), admin_state_up: props.admin_state_up, shared: props.shared, port_security_enabled: props.port_security_enabled,
    ...(props.tenant_id ? { project_id: props.tenant_id } : {}), ...(props.dns_domain ? { dns_domain: props.dns_domain } : {}), ...valueSpecs(props),
  });
}

/** Finds the network a previous attempt made: by the stored id, else by the name it was given. */
export async function findNet(ctx: ResourceContext, token: string, name: string): Promise<NeutronNetwork | undefined> {
  if (ctx.resource.physicalId) {
    try { return await ctx.clients.network.getNetwork(token, ctx.resource.physicalId); } catch (err) { if (!isNotFound(err)) throw err; }
  }
  return (await ctx.clients.network.listNetworks(token, { name, project_id: ctx.stack.projectId }))[0];
}

export const netPlugin: ResourcePlugin = {
  type: 'OS::Neutron::Net',
  description: 'A resource for managing Neutron net.',
  properties: {
    name: { type: 'string', description: 'A string specifying a symbolic name for the network, which is not required to be unique.', updateAllowed: true },
    value_specs: { type: 'map', description: 'Extra parameters to include in the request. Parameters are often specific to installed hardware or extensions.', default: {}, updateAllowed: true },
    admin_state_up: { type: 'boolean', description: 'A boolean value specifying the administrative status of the network.', default: true, updateAllowed: true },
    tenant_id: { type: 'string', description: 'The ID of the tenant which will own the network. Only administrative users can set the tenant identifier; this cannot be changed using authorization policies.' },
    shared: { type: 'boolean', description: 'Whether this network should be shared across all tenants. Note that the default policy setting restricts usage of this attribute to administrative users only.', default: false, updateAllowed: true },
    dhcp_agent_ids: { type: 'list', description: 'The IDs of the DHCP agent to schedule the network. Note that the default policy setting in Neutron restricts usage of this property to administrative users only.', updateAllowed: true },
    port_security_enabled: { type: 'boolean', description: 'Flag to enable/disable port security on the network. It provides the default value for the attribute of the ports created on this network.', updateAllowed: true },
    qos_policy: { type: 'string', description: 'The name or ID of QoS policy to attach to this network.', updateAllowed: true },
    dns_domain: { type: 'string', description: 'DNS domain associated with this network.', updateAllowed: true },
    tags: { type: 'list', description: 'The tags to be added to the network.', updateAllowed: true },
  },
  attributes: {
    status: { description: 'The status of the network.', type: 'string' },
    name: { description: 'The name of the network.', type: 'string' },
    subnets: { description: 'Subnets of this network.', type: 'list' },
    admin_state_up: { description: 'The administrative status of the network.', type: 'string' },
    tenant_id: { description: 'The tenant owning this network.', type: 'string' },
    port_security_enabled: { description: 'Port security enabled of the network.', type: 'boolean' },
    mtu: { description: 'The maximum transmission unit size(in bytes) for the network.', type: 'integer' },
    qos_policy_id: { description: 'The QoS policy ID attached to this network.', type: 'string' },
    l2_adjacency: { description: 'A boolean value for L2 adjacency, True means that you can expect L2 connectivity throughout the Network.', type: 'boolean' },
    segments: { description: 'The segments of this network.', type: 'list' },
    ...SHOW_ATTRIBUTE,
  },
  since: '2014.1',
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const want = body(ctx, props);
    const net = await findNet(ctx, token, String(want.name)) ?? await ctx.clients.network.createNetwork(token, want);
    return outcome(net);
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    const { project_id: _owner, ...want } = body(ctx, props);
    return outcome(await ctx.clients.network.updateNetwork(token, ctx.resource.physicalId!, want));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await deleteWhenFree(ctx, () => ctx.clients.network.deleteNetwork(token, ctx.resource.physicalId!));
  },
  async check(ctx) {
    await ctx.clients.network.getNetwork(await ctx.clients.token(), ctx.resource.physicalId!);
  },
};
