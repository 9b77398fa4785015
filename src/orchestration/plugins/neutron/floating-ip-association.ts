/**
 * OS::Neutron::FloatingIPAssociation (heat/engine/resources/openstack/neutron/floatingip.py): associates
 * an existing floating IP with a port; an update moves it, a delete disassociates it. Associating twice
 * is the same as once, so a retried create needs no lookup.
 */
import type { ResourcePlugin } from '../types.js';
import { ignoreNotFound } from '../service-common.js';

export const floatingIpAssociationPlugin: ResourcePlugin = {
  type: 'OS::Neutron::FloatingIPAssociation',
  description: 'A resource for associating floating ips and ports.',
  since: '2014.1',
  properties: {
    floatingip_id: { type: 'string', description: 'ID of the floating IP to associate.', required: true, updateAllowed: true },
    port_id: { type: 'string', description: 'ID of an existing port with at least one IP address to associate with this floating IP.', required: true, updateAllowed: true },
    fixed_ip_address: { type: 'string', description: 'IP address to use if the port has multiple addresses.', updateAllowed: true },
  },
  attributes: {},
  async create(ctx, props) {
    const token = await ctx.clients.token();
    await ctx.clients.network.updateFloatingIp(token, String(props.floatingip_id), {
      port_id: String(props.port_id), ...(typeof props.fixed_ip_address === 'string' ? { fixed_ip_address: props.fixed_ip_address } : {}),
    });
    return { physicalId: `${String(props.floatingip_id)}:${String(props.port_id)}`, attributes: {}, data: { floatingip: props.floatingip_id } };
  },
  async update(ctx, props, changed) {
    const token = await ctx.clients.token();
    const before = String(ctx.resource.data.floatingip ?? '');
    if (changed.includes('floatingip_id') && before) await ignoreNotFound(() => ctx.clients.network.updateFloatingIp(token, before, { port_id: null }));
    return floatingIpAssociationPlugin.create(ctx, props);
  },
  async delete(ctx) {
    const fip = ctx.resource.data.floatingip;
    if (typeof fip !== 'string') return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.network.updateFloatingIp(token, fip, { port_id: null }));
  },
};
