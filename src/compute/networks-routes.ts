/**
 * /os-networks and /os-tenant-networks (2.1–2.35; 404 from 2.36, as in Nova): Nova's proxy views of the
 * caller's networks. Until the Networks issue this is the interim network `private` (ipam.ts), which every
 * project may attach to (each gets its own isolated segment underneath).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../platform/errors.js';
import { inTransaction } from '../platform/db/database.js';
import { enforce, isAdmin, type ComputeContext } from './context.js';
import { InterimIpam, type ProjectNetwork } from './ipam.js';

type IdParams = { id: string };

const FIELDS = ['id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6'];
const ADMIN_FIELDS = ['created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port',
  'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server',
  'enable_dhcp', 'share_address'];

/** Nova's network_dict: id and label, every nova-network field null (an admin sees more nulls). */
function render(n: ProjectNetwork, admin: boolean, tenant: boolean): Record<string, unknown> {
  // os-tenant-networks historically answers the string 'None' as the cidr when backed by Neutron.
  if (tenant) return { id: n.id, cidr: 'None', label: n.name };
  const out: Record<string, unknown> = {};
  for (const f of [...FIELDS, ...(admin ? ADMIN_FIELDS : [])]) out[f] = f === 'id' ? n.id : f === 'label' ? n.name : null;
  return out;
}

export function networkRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const ipam = new InterimIpam();
  const shared = (): Promise<ProjectNetwork> => inTransaction(ctx.db, (tx) => ipam.shared(tx));
  const gone = (request: FastifyRequest): void => {
    if (request.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
  };
  for (const [prefix, policy, tenant] of [['/os-networks', 'os-networks', false], ['/os-tenant-networks', 'os-tenant-networks', true]] as const) {
    app.get(prefix, async (request) => {
      gone(request);
      enforce(ctx, request, `os_compute_api:${policy}:list`);
      return { networks: [render(await shared(), isAdmin(ctx, request), tenant)] };
    });
    app.get<{ Params: IdParams }>(`${prefix}/:id`, async (request) => {
      gone(request);
      enforce(ctx, request, `os_compute_api:${policy}:show`);
      const n = await shared();
      if (n.id !== request.params.id.toLowerCase()) throw new NotFound('Network not found');
      return { network: render(n, isAdmin(ctx, request), tenant) };
    });
  }
}
