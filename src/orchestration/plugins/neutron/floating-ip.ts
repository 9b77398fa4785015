/**
 * OS::Neutron::FloatingIP (heat/engine/resources/openstack/neutron/floatingip.py): an address from an
 * external network (`floating_network`, name or id), optionally associated with a port. get_resource
 * gives its id; the address is the floating_ip_address attribute. Heat also makes it wait for the router
 * interface of the port's subnet; here a template says so with depends_on.
 *
 * A floating IP has no name to find it by after a crash, so the plugin records the request's
 * `description` as a marker naming the resource row, and a retried create adopts the address carrying it.
 */
import type { NeutronFloatingIp } from '../../../network/client.js';
import type { ResourceOutcome, ResourcePlugin } from '../types.js';
import { isNotFound, networkId, SHOW_ATTRIBUTE, subnetId } from '../service-common.js';

function outcome(f: NeutronFloatingIp): ResourceOutcome {
  return {
    physicalId: f.id,
    attributes: {
      router_id: f.router_id, tenant_id: f.project_id, floating_network_id: f.floating_network_id, fixed_ip_address: f.fixed_ip_address,
      floating_ip_address: f.floating_ip_address, port_id: f.port_id, show: f,
    },
    data: { address: f.floating_ip_address },
  };
}

export const floatingIpPlugin: ResourcePlugin = {
  type: 'OS::Neutron::FloatingIP',
  description: 'A resource for managing Neutron floating ips.',
  since: '2014.1',
  properties: {
    floating_network_id: { type: 'string', description: 'ID of the network in which this IP is allocated (deprecated: use floating_network).' },
    floating_network: { type: 'string', description: 'Network to allocate floating IP from.' },
    floating_subnet: { type: 'string', description: 'Subnet to allocate floating IP from.' },
    value_specs: { type: 'map', description: 'Extra parameters to include in the "floatingip" object in the creation request. Parameters are often specific to installed hardware or extensions.', default: {} },
    port_id: { type: 'string', description: 'ID of an existing port with at least one IP address to associate with this floating IP.', updateAllowed: true },
    fixed_ip_address: { type: 'string', description: 'IP address to use if the port has multiple addresses.', updateAllowed: true },
    floating_ip_address: { type: 'string', description: 'IP address of the floating IP. NOTE: The default policy setting in Neutron restricts usage of this property to administrative users only.' },
    dns_name: { type: 'string', description: 'DNS name associated with floating ip.' },
    dns_domain: { type: 'string', description: 'DNS domain associated with floating ip.' },
  },
  attributes: {
    router_id: { description: 'ID of the router used as gateway, set when associated with a port.', type: 'string' },
    tenant_id: { description: 'The tenant owning this floating IP.', type: 'string' },
    floating_network_id: { description: 'ID of the network in which this IP is allocated.', type: 'string' },
    fixed_ip_address: { description: 'IP address of the associated port, if specified.', type: 'string' },
    floating_ip_address: { description: 'The allocated address of this IP.', type: 'string' },
    port_id: { description: 'ID of the port associated with this IP.', type: 'string' },
    ...SHOW_ATTRIBUTE,
  },
  validate(props) {
    return props.floating_network === undefined && props.floating_network_id === undefined ? 'Property error: floating_network: Property floating_network not assigned' : null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const net = ctx.clients.network;
    if (ctx.resource.physicalId) {
      try { return outcome(await net.getFloatingIp(token, ctx.resource.physicalId)); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    const marker = `heat:${ctx.resource.id}`;
    const again = (await net.listFloatingIps(token, { description: marker }))[0];
    if (again) return outcome(again);
    const fip = await net.createFloatingIp(token, {
      floating_network_id: await networkId(ctx, token, String(props.floating_network ?? props.floating_network_id)),
      description: marker,
      ...(typeof props.floating_subnet === 'string' ? { subnet_id: await subnetId(ctx, token, props.floating_subnet) } : {}),
      ...(typeof props.port_id === 'string' ? { port_id: props.port_id } : {}),
      ...(typeof props.fixed_ip_address === 'string' ? { fixed_ip_address: props.fixed_ip_address } : {}),
      ...(typeof props.floating_ip_address === 'string' ? { floating_ip_address: props.floating_ip_address } : {}),
    });
    return outcome(fip);
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    const port = typeof props.port_id === 'string' ? props.port_id : null;
    return outcome(await ctx.clients.network.updateFloatingIp(token, ctx.resource.physicalId!, {
      port_id: port, ...(port && typeof props.fixed_ip_address === 'string' ? { fixed_ip_address: props.fixed_ip_address } : {}),
    }));
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    await ctx.clients.network.deleteFloatingIp(await ctx.clients.token(), ctx.resource.physicalId);
  },
};
