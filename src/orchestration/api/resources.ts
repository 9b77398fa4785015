/**
 * …/stacks/{name}/{id}/resources and …/events: resource list (with nested_depth, filters, with_detail),
 * show, metadata, signal, mark unhealthy; stack and resource events with filters, sorting and paging.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf, queryBool, queryInt, queryList, queryOne, requestBase, type OrchestrationContext } from '../context.js';
import { badRequest, eventNotFound, resourceNotFound } from '../errors.js';
import type { Resource, Stack, StackEvent } from '../model.js';
import { childStacks, stackEvents, stackResources } from '../store.js';
import { currentRow, currentRows } from '../engine/run.js';
import { canonicalStack } from './lookup.js';
import { eventView, requiredBy, resourceView } from './render.js';
import { asBody } from './bodies.js';

type StackParams = { Params: { tenant: string; name: string; id: string } };
type ResourceParams = { Params: { tenant: string; name: string; id: string; resource: string } };
type EventParams = { Params: { tenant: string; name: string; id: string; resource: string; event: string } };

/** The stack and its nested stacks down to `depth` levels, each with its rows. */
async function withNested(ctx: OrchestrationContext, root: Stack, depth: number): Promise<Array<{ stack: Stack; rows: Resource[]; parentResource: string | null }>> {
  const out: Array<{ stack: Stack; rows: Resource[]; parentResource: string | null }> = [];
  let level: Stack[] = [root];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: Stack[] = [];
    for (const s of level) {
      out.push({ stack: s, rows: await stackResources(ctx.db, s.id), parentResource: s.ownerResource });
      if (d < depth) next.push(...await childStacks(ctx.db, s.id));
    }
    level = next;
  }
  return out;
}

/** The live nested stacks of a stack, by id, for resources' `nested` links. */
async function childrenOf(ctx: OrchestrationContext, stack: Stack): Promise<Map<string, Stack>> {
  return new Map((await childStacks(ctx.db, stack.id)).map((c) => [c.id, c] as const));
}

function nestedOf(children: ReadonlyMap<string, Stack>, r: Resource): Stack | undefined {
  return typeof r.data.childId === 'string' ? children.get(r.data.childId) : undefined;
}

const EVENT_SORT = new Set(['event_time', 'resource_type', 'created_at', 'resource_name', 'resource_status']);

function filterEvents(request: FastifyRequest, events: StackEvent[]): StackEvent[] {
  let out = events;
  const match = (key: string, get: (e: StackEvent) => string): void => {
    const want = queryList(request, key);
    if (want.length > 0) out = out.filter((e) => want.includes(get(e)));
  };
  match('resource_action', (e) => e.action);
  const statuses = queryList(request, 'resource_status');
  // Heat filters on the status column (COMPLETE); the combined CREATE_COMPLETE that clients show is taken too.
  if (statuses.length > 0) out = out.filter((e) => statuses.includes(e.status) || statuses.includes(`${e.action}_${e.status}`));
  match('resource_name', (e) => e.resourceName);
  match('resource_type', (e) => e.resourceType);
  match('id', (e) => e.id);
  const keys = queryList(request, 'sort_keys');
  for (const k of keys) if (!EVENT_SORT.has(k)) throw badRequest(`Sort key "${k}" not allowed`);
  const dir = queryOne(request, 'sort_dir') ?? 'asc';
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Unknown sort direction "${dir}", must be "desc" or "asc"`);
  const key = keys[0] ?? 'created_at';
  const value = (e: StackEvent): string | number => (key === 'resource_type' ? e.resourceType : key === 'resource_name' ? e.resourceName : key === 'resource_status' ? `${e.action}_${e.status}` : e.seq);
  out = [...out].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = x === y ? a.seq - b.seq : x < y ? -1 : 1;
    return dir === 'asc' ? c : -c;
  });
  const marker = queryOne(request, 'marker');
  if (marker) {
    const at = out.findIndex((e) => e.id === marker);
    if (at < 0) throw badRequest(`Invalid marker "${marker}"`);
    out = out.slice(at + 1);
  }
  const limit = queryInt(request, 'limit');
  return limit === undefined ? out : out.slice(0, limit);
}

export function resourceRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  const load = async (request: FastifyRequest<StackParams>, action: 'resource:index' | 'resource:show' | 'resource:metadata' | 'resource:signal' | 'resource:mark_unhealthy' | 'events:index' | 'events:show') => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize(action);
    return canonicalStack(ctx, caller, request.params.name, request.params.id);
  };
  const liveRow = async (stack: Stack, name: string): Promise<{ row: Resource; rows: Resource[] }> => {
    const rows = await stackResources(ctx.db, stack.id);
    const row = currentRow(rows, name);
    if (!row) throw resourceNotFound(name, stack.name);
    return { row, rows };
  };

  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/resources', async (request) => {
    const stack = await load(request, 'resource:index');
    const depth = queryInt(request, 'nested_depth') ?? 0;
    const detail = queryBool(request, 'with_detail');
    const base = requestBase(ctx, request);
    const names = queryList(request, 'name');
    const types = queryList(request, 'type');
    const statuses = queryList(request, 'status');
    const actions = queryList(request, 'action');
    const ids = queryList(request, 'id');
    const out: Array<Record<string, unknown>> = [];
    for (const { stack: s, rows, parentResource } of await withNested(ctx, stack, depth)) {
      const live = currentRows(rows);
      const reqBy = requiredBy(live);
      const children = await childrenOf(ctx, s);
      for (const r of live) {
        if (names.length > 0 && !names.includes(r.name)) continue;
        if (types.length > 0 && !types.includes(r.type)) continue;
        if (statuses.length > 0 && !statuses.includes(r.status) && !statuses.includes(`${r.action}_${r.status}`)) continue;
        if (actions.length > 0 && !actions.includes(r.action)) continue;
        if (ids.length > 0 && !ids.includes(r.physicalId ?? '')) continue;
        out.push(resourceView(base, s, r, reqBy, { detail, nested: nestedOf(children, r), parentResource: s.id === stack.id ? null : parentResource }));
      }
    }
    return { resources: out };
  });

  app.get<ResourceParams>('/v1/:tenant/stacks/:name/:id/resources/:resource', async (request) => {
    const stack = await load(request, 'resource:show');
    const { row, rows } = await liveRow(stack, request.params.resource);
    const view = resourceView(requestBase(ctx, request), stack, row, requiredBy(currentRows(rows)), { detail: true, nested: nestedOf(await childrenOf(ctx, stack), row) });
    return { resource: view };
  });

  app.get<ResourceParams>('/v1/:tenant/stacks/:name/:id/resources/:resource/metadata', async (request) => {
    const stack = await load(request, 'resource:metadata');
    return { metadata: (await liveRow(stack, request.params.resource)).row.metadata ?? {} };
  });

  app.post<ResourceParams>('/v1/:tenant/stacks/:name/:id/resources/:resource/signal', async (request, reply) => {
    const stack = await load(request, 'resource:signal');
    const { row } = await liveRow(stack, request.params.resource);
    await ctx.engine.signal(stack, row, request.body ?? null);
    return reply.code(200).send();
  });

  app.patch<ResourceParams>('/v1/:tenant/stacks/:name/:id/resources/:resource', async (request, reply) => {
    const stack = await load(request, 'resource:mark_unhealthy');
    const { row } = await liveRow(stack, request.params.resource);
    const body = asBody(request.body);
    // Heat's order (ResourceController.mark_unhealthy): unknown keys first, so the 400 names them.
    const extra = Object.keys(body).filter((k) => k !== 'mark_unhealthy' && k !== 'resource_status_reason');
    if (extra.length > 0) throw badRequest(`Invalid keys in resource mark unhealthy: ${extra.join(', ')}`);
    const mark = body.mark_unhealthy;
    if (typeof mark !== 'boolean') throw badRequest('"mark_unhealthy" must be a boolean.');
    const reason = typeof body.resource_status_reason === 'string' ? body.resource_status_reason : '';
    await ctx.engine.markUnhealthy(stack, row, mark, reason);
    return reply.code(200).send();
  });

  const listEvents = async (request: FastifyRequest<ResourceParams>, resource?: string) => {
    const stack = await load(request, 'events:index');
    const depth = queryInt(request, 'nested_depth') ?? 0;
    const tree = await withNested(ctx, stack, depth);
    const byId = new Map(tree.map((t) => [t.stack.id, t.stack] as const));
    let events = await stackEvents(ctx.db, [...byId.keys()]);
    if (resource !== undefined) {
      const rows = await stackResources(ctx.db, stack.id);
      if (!rows.some((r) => r.name === resource)) throw resourceNotFound(resource, stack.name);
      events = events.filter((e) => e.resourceName === resource && e.stackId === stack.id);
    }
    const base = requestBase(ctx, request);
    return { events: filterEvents(request, events).map((e) => eventView(base, byId.get(e.stackId)!, e, false)) };
  };
  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/events', (request) => listEvents(request as FastifyRequest<ResourceParams>));
  app.get<ResourceParams>('/v1/:tenant/stacks/:name/:id/resources/:resource/events', (request) => listEvents(request, request.params.resource));

  app.get<EventParams>('/v1/:tenant/stacks/:name/:id/resources/:resource/events/:event', async (request) => {
    const stack = await load(request, 'events:show');
    const events = await stackEvents(ctx.db, [stack.id]);
    const e = events.find((x) => x.id === request.params.event && x.resourceName === request.params.resource);
    if (!e) throw eventNotFound(request.params.event);
    return { event: eventView(requestBase(ctx, request), stack, e, true) };
  });
}
