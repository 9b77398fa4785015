/**
 * /os-networks and /os-tenant-networks (2.1–2.35; 404 from 2.36, as in Nova): Nova's proxy views of the
 * Neutron networks the caller may boot on (its project's and shared ones), read with the caller's token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../platform/errors.js';
import { authOf } from '../platform/auth/middleware.js';
import type { NeutronNetwork } from '../network/client.js';
import { enforce, isAdmin, projectIdOf, type ComputeContext } from './context.js';

type IdParams = { id: string };

const FIELDS = ['id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6'];
const ADMIN_FIELDS = ['created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port',
  'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server',
  'enable_dhcp', 'share_address'];

/** Nova's network_dict: id and label, every nova-network field null (an admin sees more nulls). */
function render(n: NeutronNetwork, admin: boolean, tenant: boolean): Record<string, unknown> {
  // os-tenant-networks answers the string 'None' as the cidr when backed by Neutron.
  if (tenant) return { id: n.id, cidr: 'None', label: n.name };
  const out: Record<string, unknown> = {};
  for (const f of [...FIELDS, ...(admin ? ADMIN_FIELDS : [])]) out[f] = f === 'id' ? n.id : f === 'label' ? n.name : null;
  return out;
}

export function networkRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const gone = (request: FastifyRequest): void => {
    if (request.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
  };
  const visible = (request: FastifyRequest): Promise<NeutronNetwork[]> => {
    const auth = authOf(request);
    return ctx.ports.networksFor(auth.token, projectIdOf(auth));
  };
  for (const [prefix, policy, tenant] of [['/os-networks', 'os-networks', false], ['/os-tenant-networks', 'os-tenant-networks', true]] as const) {
    app.get(prefix, async (request) => {
      gone(request);
      enforce(ctx, request, `os_compute_api:${policy}:list`);
      return { networks: (await visible(request)).map((n) => render(n, isAdmin(ctx, request), tenant)) };
    });
    app.get<{ Params: { id: string } & IdParams }>(`${prefix}/:id`, async (request) => {
      gone(request);
      enforce(ctx, request, `os_compute_api:${policy}:show`);
      const n = (await visible(request)).find((x) => x.id === request.params.id.toLowerCase());
      if (!n) throw new NotFound('Network not found');
      return { network: render(n, isAdmin(ctx, request), tenant) };
    });
  }
}
