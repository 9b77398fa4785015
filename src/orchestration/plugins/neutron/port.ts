/**
 * OS::Neutron::Port (heat/engine/resources/openstack/neutron/port.py): a port on a network, with fixed IPs
 * by subnet (name or id) and address, security groups by name or id, and allowed address pairs.
 */
import type { NeutronPort, PortCreate } from '../../../network/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { defined, isNotFound, networkId, securityGroupIds, SHOW_ATTRIBUTE, stableName, subnetId, valueSpecs } from '../service-common.js';

function outcome(p: NeutronPort): ResourceOutcome {
  return {
    physicalId: p.id,
    attributes: {
      admin_state_up: p.admin_state_up, device_id: p.device_id, device_owner: p.device_owner, fixed_ips: p.fixed_ips, mac_address: p.mac_address,
      name: p.name, network_id: p.network_id, security_groups: p.security_groups, status: p.status, tenant_id: p.project_id,
      allowed_address_pairs: p.allowed_address_pairs, subnets: [...new Set(p.fixed_ips.map((f) => f.subnet_id))], show: p,
    },
  };
}

async function mutable(ctx: ResourceContext, token: string, props: Record<string, unknown>): Promise<Partial<PortCreate>> {
  const fixed = Array.isArray(props.fixed_ips)
    ? await Promise.all((props.fixed_ips as Array<Record<string, unknown>>).map(async (f) => {
      const subnet = f.subnet ?? f.subnet_id;
      return defined({ ip_address: f.ip_address, subnet_id: typeof subnet === 'string' ? await subnetId(ctx, token, subnet) : undefined }) as { subnet_id?: string; ip_address?: string };
    }))
    : undefined;
  const groups = Array.isArray(props.security_groups) ? await securityGroupIds(ctx, token, (props.security_groups as unknown[]).map(String)) : undefined;
  return defined({
    name: props.name ?? stableName(ctx), admin_state_up: props.admin_state_up, fixed_ips: fixed, security_groups: groups,
    device_id: props.device_id, device_owner: props.device_owner, allowed_address_pairs: props.allowed_address_pairs,
    port_security_enabled: props.port_security_enabled, 'binding:vnic_type': props['binding:vnic_type'], ...valueSpecs(props),
  }) as Partial<PortCreate>;
}

export const portPlugin: ResourcePlugin = {
  type: 'OS::Neutron::Port',
  description: 'A resource for managing Neutron ports.',
  since: '2014.1',
  properties: {
    network_id: { type: 'string', description: 'ID of the network (deprecated: use network).' },
    network: { type: 'string', description: 'Network this port belongs to.' },
    name: { type: 'string', description: 'A symbolic name for this port.', updateAllowed: true },
    value_specs: { type: 'map', description: 'Extra parameters to include in the request.', default: {}, updateAllowed: true },
    admin_state_up: { type: 'boolean', description: 'The administrative state of this port.', default: true, updateAllowed: true },
    fixed_ips: { type: 'list', description: 'Desired IPs for this port.', updateAllowed: true },
    security_groups: { type: 'list', description: 'Security group IDs to associate with this port.', updateAllowed: true },
    mac_address: { type: 'string', description: 'MAC address to give to this port. The default update policy of this property in neutron is that allow admin role only.', updateAllowed: true },
    device_id: { type: 'string', description: 'Device ID of this port.', updateAllowed: true },
    device_owner: { type: 'string', description: 'Name of the network owning the port. The value is typically network:floatingip or network:router_interface or network:dhcp.', updateAllowed: true },
    allowed_address_pairs: { type: 'list', description: 'Additional MAC/IP address pairs allowed to pass through the port.', updateAllowed: true },
    port_security_enabled: { type: 'boolean', description: 'Flag to enable/disable port security on the port.', updateAllowed: true },
    'binding:vnic_type': { type: 'string', description: 'The vnic type to be bound on the neutron port.', default: 'normal', updateAllowed: true, constraints: [{ allowed_values: ['normal', 'direct', 'macvtap', 'direct-physical', 'baremetal'] }] },
    replacement_policy: { type: 'string', description: 'Policy on how to respond to a stack-update for this resource. REPLACE_ALWAYS will replace the port regardless of any property changes. AUTO will update the existing port for any changed update-allowed property.', default: 'AUTO', updateAllowed: true, constraints: [{ allowed_values: ['REPLACE_ALWAYS', 'AUTO'] }] },
    tags: { type: 'list', description: 'The tags to be added to the port.', updateAllowed: true },
  },
  attributes: {
    admin_state_up: { description: 'The administrative state of this port.', type: 'string' },
    device_id: { description: 'Unique identifier for the device.', type: 'string' },
    device_owner: { description: 'Name of the network owning the port.', type: 'string' },
    fixed_ips: { description: 'Fixed IP addresses.', type: 'list' },
    mac_address: { description: 'MAC address of the port.', type: 'string' },
    name: { description: 'Friendly name of the port.', type: 'string' },
    network_id: { description: 'Unique identifier for the network owning the port.', type: 'string' },
    security_groups: { description: 'A list of security groups for the port.', type: 'list' },
    status: { description: 'The status of the port.', type: 'string' },
    tenant_id: { description: 'Tenant owning the port.', type: 'string' },
    allowed_address_pairs: { description: 'Additional MAC/IP address pairs allowed to pass through a port.', type: 'list' },
    subnets: { description: 'A list of all subnet attributes for the port.', type: 'list' },
    ...SHOW_ATTRIBUTE,
  },
  validate(props) {
    return props.network === undefined && props.network_id === undefined ? 'Property error: network: Property network not assigned' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const net = ctx.clients.network;
    if (ctx.resource.physicalId) {
      try { return outcome(await net.getPort(token, ctx.resource.physicalId)); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    const network = await networkId(ctx, token, String(props.network ?? props.network_id));
    const rest = await mutable(ctx, token, props);
    const again = (await net.listPorts(token, { name: String(rest.name), network_id: network }))[0];
    if (again) return outcome(again);
    return outcome(await net.createPort(token, { network_id: network, ...rest, ...(typeof props.mac_address === 'string' ? { mac_address: props.mac_address } : {}) }));
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    return outcome(await ctx.clients.network.updatePort(token, ctx.resource.physicalId!, await mutable(ctx, token, props)));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    await ctx.clients.network.deletePort(await ctx.clients.token(), ctx.resource.physicalId);
  },
};
