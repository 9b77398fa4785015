/**
 * /v2.0/routers: list, show, create, update, delete, the interface actions and tags.
 */
import type { FastifyInstance } from 'fastify';
import { callerOf, requestBase, type NetworkContext } from '../context.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { tagRoutes } from '../tags.js';
import { getVisibleRouter, renderRouters, routerTarget, visibleRouters } from './store.js';
import { addInterface, createRouter, deleteRouter, removeInterface, updateRouter } from './service.js';

const LIST: ListSpec = {
  filters: {
    id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', status: 'string',
    admin_state_up: 'boolean', revision_number: 'int',
  },
  sortable: new Set(['id', 'name', 'description', 'tenant_id', 'project_id', 'status', 'admin_state_up', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

export function routerRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/routers', async (request) => {
    const caller = callerOf(ctx, request);
    const all = await renderRouters(ctx.db, await visibleRouters(ctx.db, caller));
    const page = listPage(request, requestBase(ctx, request), all, LIST);
    const fields = requestedFields(request);
    return { routers: page.items.map((r) => selectFields(r, fields)), ...(page.links.length > 0 ? { routers_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/routers/:id', async (request) => {
    const [r] = await renderRouters(ctx.db, [await getVisibleRouter(ctx.db, callerOf(ctx, request), request.params.id)]);
    return { router: selectFields(r!, requestedFields(request)) };
  });

  app.post('/v2.0/routers', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const [r] = await renderRouters(ctx.db, [await createRouter(ctx.db, caller, request.body)]);
    return reply.code(201).send({ router: r });
  });

  app.put<IdParams>('/v2.0/routers/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const existing = await getVisibleRouter(ctx.db, caller, request.params.id);
    const [r] = await renderRouters(ctx.db, [await updateRouter(ctx.db, caller, existing, request.body)]);
    return { router: r };
  });

  app.delete<IdParams>('/v2.0/routers/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const r = await getVisibleRouter(ctx.db, caller, request.params.id);
    caller.authorize(['delete_router'], routerTarget(r));
    await deleteRouter(ctx.db, r);
    return reply.code(204).send();
  });

  app.put<IdParams>('/v2.0/routers/:id/add_router_interface', async (request) => {
    const caller = callerOf(ctx, request);
    return addInterface(ctx.db, caller, await getVisibleRouter(ctx.db, caller, request.params.id), request.body);
  });

  app.put<IdParams>('/v2.0/routers/:id/remove_router_interface', async (request) => {
    const caller = callerOf(ctx, request);
    return removeInterface(ctx.db, caller, await getVisibleRouter(ctx.db, caller, request.params.id), request.body);
  });

  tagRoutes(app, ctx, 'routers', async (request, id) => {
    const caller = callerOf(ctx, request);
    const r = await getVisibleRouter(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_router'], routerTarget(r)) };
  });
}
