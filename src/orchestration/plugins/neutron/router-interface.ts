/**
 * OS::Neutron::RouterInterface (heat/engine/resources/openstack/neutron/router.py): attaches a subnet or a
 * port to a router. Its physical id is Heat's `<router id>:subnet_id=<id>` (or `:port_id=<id>`); every
 * change replaces it. Adding an interface that is already there answers 400 from Neutron, so a retried
 * create first looks at the router's ports.
 */
import type { ResourcePlugin } from '../types.js';
import { ResourceFailure } from '../types.js';
import { isNotFound, pick, subnetId } from '../service-common.js';

function parse(physicalId: string): { router: string; by: { subnet_id: string } | { port_id: string } } | undefined {
  const m = /^([^:]+):(subnet_id|port_id)=(.+)$/.exec(physicalId);
  if (!m) return undefined;
  return { router: m[1]!, by: m[2] === 'subnet_id' ? { subnet_id: m[3]! } : { port_id: m[3]! } };
}

export const routerInterfacePlugin: ResourcePlugin = {
  type: 'OS::Neutron::RouterInterface',
  description: 'A resource for managing Neutron router interfaces.',
  since: '2014.1',
  properties: {
    router: { type: 'string', description: 'The router.' },
    router_id: { type: 'string', description: 'ID of the router (deprecated: use router).' },
    subnet: { type: 'string', description: 'The subnet, either subnet or port should be specified.' },
    subnet_id: { type: 'string', description: 'ID of the subnet (deprecated: use subnet).' },
    port: { type: 'string', description: 'The port, either subnet or port should be specified.' },
    port_id: { type: 'string', description: 'ID of the port (deprecated: use port).' },
  },
  attributes: {},
  validate(props) {
    if (props.router === undefined && props.router_id === undefined) return 'Property error: router: Property router not assigned';
    const subnet = props.subnet ?? props.subnet_id;
    const port = props.port ?? props.port_id;
    if ((subnet === undefined) === (port === undefined)) return 'Exactly one of the following properties must be specified: subnet, port.';
    return null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const net = ctx.clients.network;
    const routerRef = String(props.router ?? props.router_id);
    const router = (await net.listRouters(token)).find((r) => r.id === routerRef) ?? pick(await net.listRouters(token, { name: routerRef }), routerRef, 'router');
    const subnetRef = props.subnet ?? props.subnet_id;
    if (subnetRef !== undefined) {
      const subnet = await subnetId(ctx, token, String(subnetRef));
      const attached = await net.listPorts(token, { device_id: router.id });
      if (!attached.some((p) => p.device_owner === 'network:router_interface' && p.fixed_ips.some((f) => f.subnet_id === subnet))) {
        await net.addRouterInterface(token, router.id, { subnet_id: subnet });
      }
      return { physicalId: `${router.id}:subnet_id=${subnet}`, attributes: {} };
    }
    const port = String(props.port ?? props.port_id);
    const current = await net.getPort(token, port);
    if (current.device_id !== router.id) await net.addRouterInterface(token, router.id, { port_id: port });
    return { physicalId: `${router.id}:port_id=${port}`, attributes: {} };
  },
  async delete(ctx) {
    const p = ctx.resource.physicalId ? parse(ctx.resource.physicalId) : undefined;
    if (!p) return;
    const token = await ctx.clients.token();
    try {
      await ctx.clients.network.removeRouterInterface(token, p.router, p.by);
    } catch (err) {
      // Gone already (router, subnet or the interface itself): nothing left to detach.
      if (isNotFound(err)) return;
      throw err instanceof Error && /not found|no interface/i.test(err.message) ? new ResourceFailure(err.message) : err;
    }
  },
};
