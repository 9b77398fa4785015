/**
 * OS::Neutron::Subnet (heat/engine/resources/openstack/neutron/subnet.py): an IPv4 subnet of a network
 * (`network`, or the deprecated `network_id` Magnum's older templates use). An empty gateway_ip means no
 * gateway, as in Heat.
 */
import type { NeutronSubnet } from '../../../network/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ResourceFailure } from '../types.js';
import { defined, deleteWhenFree, isNotFound, networkId, SHOW_ATTRIBUTE, stableName, valueSpecs } from '../service-common.js';

function outcome(s: NeutronSubnet): ResourceOutcome {
  return {
    physicalId: s.id,
    attributes: {
      name: s.name, network_id: s.network_id, tenant_id: s.project_id, allocation_pools: s.allocation_pools, gateway_ip: s.gateway_ip,
      host_routes: s.host_routes, ip_version: s.ip_version, cidr: s.cidr, dns_nameservers: s.dns_nameservers, enable_dhcp: s.enable_dhcp,
      subnetpool_id: null, show: s,
    },
  };
}

function mutable(props: Record<string, unknown>): Record<string, unknown> {
  const gateway = props.gateway_ip === '' ? null : props.gateway_ip;
  return {
    ...defined({ dns_nameservers: props.dns_nameservers, enable_dhcp: props.enable_dhcp, allocation_pools: props.allocation_pools, host_routes: props.host_routes }),
    ...(props.gateway_ip !== undefined ? { gateway_ip: gateway } : {}),
    ...valueSpecs(props),
  };
}

export const subnetPlugin: ResourcePlugin = {
  type: 'OS::Neutron::Subnet',
  description: 'A resource for managing Neutron subnets.',
  since: '2014.1',
  properties: {
    network_id: { type: 'string', description: 'ID of the network (deprecated: use network).' },
    network: { type: 'string', description: 'The ID of the attached network.' },
    subnetpool: { type: 'string', description: 'The name or ID of the subnet pool.' },
    prefixlen: { type: 'integer', description: 'Prefix length for subnet allocation from subnet pool.', constraints: [{ range: { min: 0 } }] },
    cidr: { type: 'string', description: 'The CIDR.' },
    value_specs: { type: 'map', description: 'Extra parameters to include in the request.', default: {}, updateAllowed: true },
    name: { type: 'string', description: 'The name of the subnet.', updateAllowed: true },
    ip_version: { type: 'integer', description: 'The IP version, which is 4 or 6.', default: 4, constraints: [{ allowed_values: [4, 6] }] },
    dns_nameservers: { type: 'list', description: 'A specified set of DNS name servers to be used.', default: [], updateAllowed: true },
    gateway_ip: { type: 'string', description: 'The gateway IP address. Set to any of [ null | ~ | "" ] to create/update a subnet without a gateway. If omitted when creation, neutron will assign the first free IP address within the subnet to the gateway automatically. If remove this from template when update, the old gateway IP address will be detached.', updateAllowed: true },
    enable_dhcp: { type: 'boolean', description: 'Set to true if DHCP is enabled and false if DHCP is disabled.', default: true, updateAllowed: true },
    allocation_pools: { type: 'list', description: 'The start and end addresses for the allocation pools.', updateAllowed: true },
    tenant_id: { type: 'string', description: 'The ID of the tenant who owns the network. Only administrative users can specify a tenant ID other than their own.' },
    host_routes: { type: 'list', description: 'A list of host route dictionaries for the subnet.', updateAllowed: true },
    ipv6_ra_mode: { type: 'string', description: 'IPv6 RA (Router Advertisement) mode.', constraints: [{ allowed_values: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'] }] },
    ipv6_address_mode: { type: 'string', description: 'IPv6 address mode.', constraints: [{ allowed_values: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'] }] },
    segment: { type: 'string', description: 'The name/ID of the segment to associate.', updateAllowed: true },
    tags: { type: 'list', description: 'The tags to be added to the subnet.', updateAllowed: true },
  },
  attributes: {
    name: { description: 'Friendly name of the subnet.', type: 'string' },
    network_id: { description: 'Parent network of the subnet.', type: 'string' },
    tenant_id: { description: 'Tenant owning the subnet.', type: 'string' },
    allocation_pools: { description: 'Ip allocation pools and their ranges.', type: 'list' },
    gateway_ip: { description: 'Ip of the subnet\'s gateway.', type: 'string' },
    host_routes: { description: 'Additional routes for this subnet.', type: 'list' },
    ip_version: { description: 'Ip version for the subnet.', type: 'string' },
    cidr: { description: 'CIDR block notation for this subnet.', type: 'string' },
    dns_nameservers: { description: 'List of dns nameservers.', type: 'list' },
    enable_dhcp: { description: '\'true\' if DHCP is enabled for this subnet; \'false\' otherwise.', type: 'string' },
    subnetpool_id: { description: 'ID of the subnet pool.', type: 'string' },
    ...SHOW_ATTRIBUTE,
  },
  validate(props) {
    if (props.network === undefined && props.network_id === undefined) return 'Property error: network: Property network not assigned';
    if (props.cidr === undefined && props.subnetpool === undefined) return 'At least one of the following properties must be specified: cidr, subnetpool.';
    return null;
  },
  async create(ctx: ResourceContext, props) {
    const token = await ctx.clients.token();
    const name = String(props.name ?? stableName(ctx));
    if (ctx.resource.physicalId) {
      try { return outcome(await ctx.clients.network.getSubnet(token, ctx.resource.physicalId)); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    const net = await networkId(ctx, token, String(props.network ?? props.network_id));
    const again = (await ctx.clients.network.listSubnets(token, { name, network_id: net }))[0];
    if (again) return outcome(again);
    if (props.cidr === undefined) throw new ResourceFailure('Subnet pools are not supported here: give the subnet a cidr.');
    const subnet = await ctx.clients.network.createSubnet(token, defined({
      name, network_id: net, cidr: props.cidr, ip_version: props.ip_version, ...(props.tenant_id ? { project_id: props.tenant_id } : {}), ...mutable(props),
    }));
    return outcome(subnet);
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    const name = props.name ?? stableName(ctx);
    return outcome(await ctx.clients.network.updateSubnet(token, ctx.resource.physicalId!, { name, ...mutable(props) }));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await deleteWhenFree(ctx, () => ctx.clients.network.deleteSubnet(token, ctx.resource.physicalId!));
  },
};
