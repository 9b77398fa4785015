/**
 * /servers/{id}/os-instance-actions: the log of actions on a server, with their events (events to admins,
 * and to everyone from 2.51; deleted servers' logs from 2.21; paging and time filters from 2.58).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { BadRequest, NotFound } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { can, enforce, isAdmin, limitAndMarker, nextLinks, projectIdOf, queryFirst, requestBase, type ComputeContext } from '../context.js';
import { isoMicros } from '../model.js';
import type { ServerAction } from './actions-store.js';
import type { ServerRecord } from './store.js';
import { parseIsoTime } from './list.js';

type IdParams = { id: string };
type ActionParams = { id: string; requestId: string };

async function serverFor(ctx: ComputeContext, request: FastifyRequest, id: string): Promise<ServerRecord> {
  const s = await ctx.servers.find(id);
  const visible = s && (s.projectId === projectIdOf(authOf(request)) || isAdmin(ctx, request));
  // Deleted servers' actions are readable from 2.21.
  if (!s || !visible || (s.deleted && !request.microversion.atLeast('2.21'))) throw new NotFound(`Instance ${id} could not be found.`);
  return s;
}

function renderAction(request: FastifyRequest, a: ServerAction): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: a.action, instance_uuid: a.serverId, request_id: a.requestId, user_id: a.userId, project_id: a.projectId,
    start_time: isoMicros(a.startTime), message: a.message,
  };
  if (request.microversion.atLeast('2.58')) out.updated_at = isoMicros(a.updatedAt);
  return out;
}

export function instanceActionRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  app.get<{ Params: IdParams }>('/servers/:id/os-instance-actions', async (request) => {
    const s = await serverFor(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-instance-actions:list', { project_id: s.projectId });
    let actions = await ctx.actions.list(s.id);
    const mv = request.microversion;
    if (!mv.atLeast('2.58')) return { instanceActions: actions.map((a) => renderAction(request, a)) };
    const q = queryFirst(request);
    const time = (k: string): string | undefined => (q[k] === undefined ? undefined : parseIsoTime(k, q[k]!));
    const since = time('changes-since');
    const before = time('changes-before');
    if (since && before && before < since) throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
    if (since) actions = actions.filter((a) => a.updatedAt >= since);
    if (before) actions = actions.filter((a) => a.updatedAt <= before);
    const { limit, marker } = limitAndMarker(request);
    if (marker !== undefined) {
      const at = actions.findIndex((a) => a.requestId === marker);
      if (at < 0) throw new BadRequest(`Marker ${marker} could not be found.`);
      actions = actions.slice(at + 1);
    }
    actions = actions.slice(0, limit);
    const out: Record<string, unknown> = { instanceActions: actions.map((a) => renderAction(request, a)) };
    const next = nextLinks(requestBase(ctx, request), request, `servers/${s.id}/os-instance-actions`, limit, actions.at(-1)?.requestId, actions.length);
    if (next.length > 0) out.links = next;
    return out;
  });

  app.get<{ Params: ActionParams }>('/servers/:id/os-instance-actions/:requestId', async (request) => {
    const s = await serverFor(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-instance-actions:show', { project_id: s.projectId });
    const action = await ctx.actions.byRequestId(s.id, request.params.requestId);
    if (!action) throw new NotFound(`Action ${request.params.requestId} not found`);
    const mv = request.microversion;
    const out = renderAction(request, action);
    const target = { project_id: s.projectId };
    const privileged = can(ctx, request, 'os_compute_api:os-instance-actions:events', target);
    if (privileged || mv.atLeast('2.51')) {
      const showDetails = mv.atLeast('2.84') && can(ctx, request, 'os_compute_api:os-instance-actions:events:details', target);
      out.events = (await ctx.actions.events(action.id)).map((e) => {
        const ev: Record<string, unknown> = { event: e.event, start_time: isoMicros(e.startTime), finish_time: isoMicros(e.finishTime), result: e.result };
        if (privileged) ev.traceback = e.traceback;
        if (privileged && mv.atLeast('2.62')) ev.host = e.host ?? '';
        if (mv.atLeast('2.62')) ev.hostId = e.host ? createHash('sha224').update(action.projectId + e.host).digest('hex') : '';
        if (showDetails) ev.details = e.details;
        return ev;
      });
    }
    return { instanceAction: out };
  });
}
