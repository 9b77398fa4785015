/**
 * /v2.0/auto-allocated-topology/{project_id}: GET makes (or finds) the project's topology and answers its
 * network id; `?fields=dry-run` only checks the cloud could; DELETE removes it. Nova calls GET when a
 * server is booted with `networks: auto` and the project has no network of its own (compute/ports.ts).
 */
import type { FastifyInstance } from 'fastify';
import { callerOf, type NetworkContext } from '../context.js';
import { requestedFields } from '../listing.js';
import { AutoAllocation } from './service.js';

type Params = { Params: { project_id: string } };

export function autoAllocationRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  const auto = new AutoAllocation(ctx.db, ctx.autoPool);
  app.get<Params>('/v2.0/auto-allocated-topology/:project_id', async (request) => {
    const caller = callerOf(ctx, request);
    const project = request.params.project_id;
    caller.authorize(['get_auto_allocated_topology'], { project_id: project, tenant_id: project });
    const dryRun = requestedFields(request)?.includes('dry-run') ?? false;
    return { auto_allocated_topology: dryRun ? await auto.check(project) : await auto.get(caller, project) };
  });
  app.delete<Params>('/v2.0/auto-allocated-topology/:project_id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const project = request.params.project_id;
    caller.authorize(['delete_auto_allocated_topology'], { project_id: project, tenant_id: project });
    await auto.delete(caller, project);
    return reply.code(204).send();
  });
}
