/**
 * …/stacks/{name}/{id}/snapshots: Flotilla takes no stack snapshots yet. The list answers empty, taking
 * one is Heat's NotSupported, and a named snapshot is not found, so `openstack stack snapshot …` says
 * what is true instead of "Stack not found".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf, type OrchestrationContext } from '../context.js';
import { HeatFault, notSupported } from '../errors.js';
import { canonicalStack } from './lookup.js';

type StackParams = { Params: { tenant: string; name: string; id: string } };
type SnapshotParams = { Params: { tenant: string; name: string; id: string; snapshot: string } };

const snapshotNotFound = (id: string): HeatFault => new HeatFault(404, 'NotFound', `The Snapshot (${id}) could not be found.`);

export function snapshotRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  const load = async (request: FastifyRequest<StackParams>, write: boolean): Promise<void> => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize(write ? 'actions:action' : 'stacks:show');
    await canonicalStack(ctx, caller, request.params.name, request.params.id);
  };
  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/snapshots', async (request) => {
    await load(request, false);
    return { snapshots: [] };
  });
  app.post<StackParams>('/v1/:tenant/stacks/:name/:id/snapshots', async (request) => {
    await load(request, true);
    throw notSupported('Stack snapshot');
  });
  app.route<SnapshotParams>({
    method: ['GET', 'DELETE'], url: '/v1/:tenant/stacks/:name/:id/snapshots/:snapshot',
    handler: async (request) => { await load(request, request.method !== 'GET'); throw snapshotNotFound(request.params.snapshot); },
  });
  app.post<SnapshotParams>('/v1/:tenant/stacks/:name/:id/snapshots/:snapshot/restore', async (request) => {
    await load(request, true);
    throw snapshotNotFound(request.params.snapshot);
  });
}
