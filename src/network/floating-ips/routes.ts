/**
 * /v2.0/floatingips: list, show, create, update (associate and disassociate), delete, and their tags.
 */
import type { FastifyInstance } from 'fastify';
import { callerOf, requestBase, type NetworkContext } from '../context.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { tagRoutes } from '../tags.js';
import { floatingIpTarget, getVisibleFloatingIp, renderFloatingIps, visibleFloatingIps } from './store.js';
import { createFloatingIp, deleteFloatingIp, updateFloatingIp } from './service.js';

const LIST: ListSpec = {
  filters: {
    id: 'string', tenant_id: 'string', project_id: 'string', floating_ip_address: 'string', floating_network_id: 'string', router_id: 'string',
    port_id: 'string', fixed_ip_address: 'string', status: 'string', description: 'string', revision_number: 'int',
  },
  sortable: new Set(['id', 'tenant_id', 'project_id', 'floating_ip_address', 'floating_network_id', 'router_id', 'fixed_ip_address', 'status', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

export function floatingIpRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/floatingips', async (request) => {
    const caller = callerOf(ctx, request);
    const all = await renderFloatingIps(ctx.db, await visibleFloatingIps(ctx.db, caller));
    const page = listPage(request, requestBase(ctx, request), all, LIST);
    const fields = requestedFields(request);
    return { floatingips: page.items.map((f) => selectFields(f, fields)), ...(page.links.length > 0 ? { floatingips_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/floatingips/:id', async (request) => {
    const [f] = await renderFloatingIps(ctx.db, [await getVisibleFloatingIp(ctx.db, callerOf(ctx, request), request.params.id)]);
    return { floatingip: selectFields(f!, requestedFields(request)) };
  });

  app.post('/v2.0/floatingips', async (request, reply) => {
    const [f] = await renderFloatingIps(ctx.db, [await createFloatingIp(ctx.db, callerOf(ctx, request), request.body)]);
    return reply.code(201).send({ floatingip: f });
  });

  app.put<IdParams>('/v2.0/floatingips/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const existing = await getVisibleFloatingIp(ctx.db, caller, request.params.id);
    const [f] = await renderFloatingIps(ctx.db, [await updateFloatingIp(ctx.db, caller, existing, request.body)]);
    return { floatingip: f };
  });

  app.delete<IdParams>('/v2.0/floatingips/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const f = await getVisibleFloatingIp(ctx.db, caller, request.params.id);
    caller.authorize(['delete_floatingip'], floatingIpTarget(f));
    await deleteFloatingIp(ctx.db, f);
    return reply.code(204).send();
  });

  tagRoutes(app, ctx, 'floatingips', async (request, id) => {
    const caller = callerOf(ctx, request);
    const f = await getVisibleFloatingIp(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_floatingip'], floatingIpTarget(f)) };
  });
}
