/**
 * /servers: list, detail, show, create, update, delete, addresses (/ips), metadata and tags. Actions
 * (POST /servers/{id}/action) live in actions.ts, instance actions in instance-actions.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { enforce, isAdmin, nextLinks, projectIdOf, requestBase, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import { COMPUTE_BINARY } from '../hosts/store.js';
import type { Caller } from './service.js';
import type { ServerRecord } from './store.js';
import { deriveState, type DerivedState, type HostView } from './status.js';
import { addressesOf, basicView, FULL_VIEW, showView, updateView, type RenderInputs, type ShowOptions } from './render.js';
import { listServers } from './list.js';
import { createServers, parseCreate, resolveCreate } from './create.js';

type IdParams = { id: string };
type KeyParams = { id: string; key: string };
type TagParams = { id: string; tag: string };
type NetParams = { id: string; network: string };

export function callerOf(ctx: ComputeContext, request: FastifyRequest): Caller {
  const auth = authOf(request);
  return { userId: auth.user.id, projectId: projectIdOf(auth), requestId: request.id, admin: isAdmin(ctx, request) };
}

/** A live server the caller may see: their project's, or any for admins; 404 otherwise. */
export async function visibleServer(ctx: ComputeContext, request: FastifyRequest, id: string): Promise<ServerRecord> {
  const s = await ctx.servers.find(id);
  if (!s || s.deleted || (s.projectId !== projectIdOf(authOf(request)) && !isAdmin(ctx, request))) throw new NotFound(`Instance ${id} could not be found.`);
  return s;
}

/** What rendering a set of servers needs: host liveness and services. */
export async function renderContext(ctx: ComputeContext, servers: readonly ServerRecord[]): Promise<{ views: Map<string, HostView>; inputs: (s: ServerRecord) => RenderInputs; derive: (s: ServerRecord) => DerivedState }> {
  const views = await ctx.serverService.hostViews();
  const services = new Map((await ctx.hosts.services({ binary: COMPUTE_BINARY })).map((s) => [s.host, s]));
  const derive = (s: ServerRecord): DerivedState => deriveState(s, s.host ? views.get(s.host) ?? { up: false, silentForMs: Infinity } : undefined);
  return {
    views, derive,
    inputs: (s) => ({ state: derive(s), service: s.host ? services.get(s.host) : undefined }),
  };
}

/** The detailed view of one server, freshly loaded. */
export async function renderServer(ctx: ComputeContext, request: FastifyRequest, s: ServerRecord, opts: ShowOptions = FULL_VIEW): Promise<Record<string, unknown>> {
  const rc = await renderContext(ctx, [s]);
  return showView(ctx, request, requestBase(ctx, request), s, rc.inputs(s), opts);
}

function requireTagsVersion(request: FastifyRequest): void {
  if (!request.microversion.atLeast('2.26')) throw new NotFound('The resource could not be found.');
}

/** Tags and metadata change only in Nova's steady states. */
function checkEditable(s: ServerRecord, d: DerivedState, action: string): void {
  if (!['active', 'paused', 'stopped'].includes(d.vmState)) throw new Conflict(`Cannot '${action}' instance ${s.id} while it is in vm_state ${d.vmState}`);
}

export function serverRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const base = requestBase(ctx, request);
    const rc = await renderContext(ctx, []);
    const result = await listServers(ctx, request, detail, rc.derive);
    const records = result.servers.map((r) => r.server);
    const rcFull = await renderContext(ctx, records);
    const opts: ShowOptions = { ...FULL_VIEW };
    const out: Record<string, unknown> = {
      servers: records.map((s) => (detail ? showView(ctx, request, base, s, rcFull.inputs(s), opts) : basicView(base, s))),
    };
    const next = nextLinks(base, request, detail ? 'servers/detail' : 'servers', result.limit, records.at(-1)?.id, records.length);
    if (next.length > 0) out.servers_links = next;
    return out;
  };
  app.get('/servers', list(false));
  app.get('/servers/detail', list(true));

  app.get<{ Params: IdParams }>('/servers/:id', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:servers:show', { project_id: s.projectId });
    return { server: await renderServer(ctx, request, s, { ...FULL_VIEW, showServerGroups: request.microversion.atLeast('2.71') }) };
  });

  app.post('/servers', async (request, reply) => {
    const parsed = await parseCreate(ctx, request);
    const plan = await resolveCreate(ctx, request, parsed);
    const { servers, reservationId } = await createServers(ctx, callerOf(ctx, request), plan);
    if (plan.returnReservationId) return reply.code(202).send({ reservation_id: reservationId });
    const base = requestBase(ctx, request);
    const first = servers[0]!;
    const server = {
      id: first.id,
      links: basicView(base, first).links,
      'OS-DCF:diskConfig': 'MANUAL',
      security_groups: plan.securityGroups,
      adminPass: plan.adminPass,
    };
    return reply.code(202).header('location', `${base}/v2.1/servers/${first.id}`).send({ server });
  });

  app.put<{ Params: IdParams }>('/servers/:id', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:servers:update', { user_id: s.userId, project_id: s.projectId });
    const body = v.requireObject(request.body, 'server');
    const allowed = ['name', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', ...(request.microversion.atLeast('2.19') ? ['description'] : [])];
    v.onlyKeys(body, allowed, 'server');
    const set: Record<string, unknown> = {};
    if (body.name !== undefined) set.name = v.name(body.name, 'name').trim();
    if (body.description !== undefined) set.description = v.description(body.description, 'description');
    if (body.accessIPv4 !== undefined) set.access_ipv4 = v.ipv4(body.accessIPv4, 'accessIPv4');
    if (body.accessIPv6 !== undefined) set.access_ipv6 = v.ipv6(body.accessIPv6, 'accessIPv6');
    if (body['OS-DCF:diskConfig'] !== undefined && !['AUTO', 'MANUAL'].includes(body['OS-DCF:diskConfig'] as string)) {
      throw v.invalid('OS-DCF:diskConfig', body['OS-DCF:diskConfig'], "is not one of ['AUTO', 'MANUAL']");
    }
    if (Object.keys(set).length > 0) await ctx.servers.update(ctx.db, s.id, set);
    const fresh = await ctx.servers.get(s.id);
    return { server: await renderServer(ctx, request, fresh, updateView(request, false, true)) };
  });

  app.delete<{ Params: IdParams }>('/servers/:id', async (request, reply) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:servers:delete', { user_id: s.userId, project_id: s.projectId });
    await ctx.serverService.delete(callerOf(ctx, request), s.id);
    return reply.code(204).send();
  });

  // --- addresses ---

  app.get<{ Params: IdParams }>('/servers/:id/ips', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:ips:index', { project_id: s.projectId });
    const rc = await renderContext(ctx, [s]);
    const i = rc.inputs(s);
    return { addresses: addressesOf(s, { ...i.state, vmState: 'active' }, false) };
  });

  app.get<{ Params: NetParams }>('/servers/:id/ips/:network', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:ips:show', { project_id: s.projectId });
    const rc = await renderContext(ctx, [s]);
    const i = rc.inputs(s);
    const all = addressesOf(s, { ...i.state, vmState: 'active' }, false);
    const net = all[request.params.network];
    if (!net) throw new NotFound('Instance is not a member of specified network');
    return { [request.params.network]: net };
  });

  // --- password (Nova's metadata-service password; containers get none, so it is always empty) ---

  app.get<{ Params: IdParams }>('/servers/:id/os-server-password', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-password:show', { project_id: s.projectId });
    return { password: '' };
  });

  app.delete<{ Params: IdParams }>('/servers/:id/os-server-password', async (request, reply) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-password:clear', { project_id: s.projectId });
    return reply.code(204).send();
  });

  // --- metadata ---

  const metadataChange = async (request: FastifyRequest, s: ServerRecord, meta: Record<string, string>, merge: boolean, action: string): Promise<void> => {
    const count = merge ? Object.keys({ ...s.metadata, ...meta }).length : Object.keys(meta).length;
    await ctx.quotas.checkMetadata(s.projectId, count);
    await ctx.serverService.transition(callerOf(ctx, request), s.id, {
      action, record: false, vmStates: ['active', 'paused', 'stopped', 'resized', 'error', 'building'],
      change: async (cur, _d, tx) => {
        await ctx.servers.setMetadata(tx, cur.id, meta, merge);
        return { set: {}, task: null };
      },
    });
  };

  app.get<{ Params: IdParams }>('/servers/:id/metadata', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:index', { project_id: s.projectId });
    return { metadata: s.metadata };
  });

  app.post<{ Params: IdParams }>('/servers/:id/metadata', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:create', { project_id: s.projectId });
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['metadata'], 'body');
    const meta = v.metadata(body.metadata ?? (() => { throw v.invalid('metadata', body, "'metadata' is a required property"); })(), 'metadata');
    await metadataChange(request, s, meta, true, 'update metadata');
    return { metadata: (await ctx.servers.get(s.id)).metadata };
  });

  app.put<{ Params: IdParams }>('/servers/:id/metadata', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:update_all', { project_id: s.projectId });
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['metadata'], 'body');
    const meta = v.metadata(body.metadata ?? (() => { throw v.invalid('metadata', body, "'metadata' is a required property"); })(), 'metadata');
    await metadataChange(request, s, meta, false, 'update metadata');
    return { metadata: meta };
  });

  app.get<{ Params: KeyParams }>('/servers/:id/metadata/:key', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:show', { project_id: s.projectId });
    const value = s.metadata[request.params.key];
    if (value === undefined) throw new NotFound('Metadata item was not found');
    return { meta: { [request.params.key]: value } };
  });

  app.put<{ Params: KeyParams }>('/servers/:id/metadata/:key', async (request) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:update', { project_id: s.projectId });
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['meta'], 'body');
    if (body.meta === undefined) throw v.invalid('meta', body, "'meta' is a required property");
    const meta = v.metadata(body.meta, 'meta');
    if (Object.keys(meta).length !== 1) throw v.invalid('meta', body.meta, 'must have exactly one property');
    if (meta[request.params.key] === undefined) throw new BadRequest('Request body and URI mismatch');
    await metadataChange(request, s, meta, true, 'update metadata');
    return { meta };
  });

  app.delete<{ Params: KeyParams }>('/servers/:id/metadata/:key', async (request, reply) => {
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:server-metadata:delete', { project_id: s.projectId });
    if (s.metadata[request.params.key] === undefined) throw new NotFound('Metadata item was not found');
    await ctx.serverService.transition(callerOf(ctx, request), s.id, {
      action: 'delete metadata', record: false, vmStates: ['active', 'paused', 'stopped', 'resized', 'error', 'building'],
      change: async (cur, _d, tx) => {
        await ctx.servers.deleteMetadataKey(tx, cur.id, request.params.key);
        return { set: {}, task: null };
      },
    });
    return reply.code(204).send();
  });

  // --- tags (2.26) ---

  app.get<{ Params: IdParams }>('/servers/:id/tags', async (request) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:index', { project_id: s.projectId });
    return { tags: s.tags };
  });

  app.get<{ Params: TagParams }>('/servers/:id/tags/:tag', async (request, reply) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:show', { project_id: s.projectId });
    if (!s.tags.includes(request.params.tag)) throw new NotFound(`Server ${s.id} has no tag '${request.params.tag}'`);
    return reply.code(204).send();
  });

  app.put<{ Params: IdParams }>('/servers/:id/tags', async (request) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:update_all', { project_id: s.projectId });
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['tags'], 'body');
    if (!Array.isArray(body.tags)) throw v.invalid('tags', body.tags ?? null, "is not of type 'array'");
    if (body.tags.length > 50) throw v.invalid('tags', body.tags, 'is too long');
    const tags = body.tags.map((t) => v.tag(t, 'tags'));
    checkEditable(s, (await renderContext(ctx, [s])).derive(s), 'update tags');
    await ctx.servers.setTags(ctx.db, s.id, tags);
    return { tags: [...new Set(tags)].sort() };
  });

  app.put<{ Params: TagParams }>('/servers/:id/tags/:tag', async (request, reply) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:update', { project_id: s.projectId });
    const tag = request.params.tag;
    if (tag.length === 0 || tag.length > 60 || /[,/]/.test(tag)) {
      throw new BadRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','`);
    }
    checkEditable(s, (await renderContext(ctx, [s])).derive(s), 'update tag');
    if (s.tags.includes(tag)) return reply.code(204).send();
    if (s.tags.length >= 50) throw new BadRequest('The number of tags exceeded the per-server limit 50');
    await ctx.servers.addTag(ctx.db, s.id, tag);
    return reply.code(201).header('location', `${requestBase(ctx, request)}/v2.1/servers/${s.id}/tags/${encodeURIComponent(tag)}`).send();
  });

  app.delete<{ Params: IdParams }>('/servers/:id/tags', async (request, reply) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:delete_all', { project_id: s.projectId });
    checkEditable(s, (await renderContext(ctx, [s])).derive(s), 'delete tags');
    await ctx.servers.setTags(ctx.db, s.id, []);
    return reply.code(204).send();
  });

  app.delete<{ Params: TagParams }>('/servers/:id/tags/:tag', async (request, reply) => {
    requireTagsVersion(request);
    const s = await visibleServer(ctx, request, request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-tags:delete', { project_id: s.projectId });
    checkEditable(s, (await renderContext(ctx, [s])).derive(s), 'delete tag');
    if (!(await ctx.servers.deleteTag(ctx.db, s.id, request.params.tag))) throw new NotFound(`Server ${s.id} has no tag '${request.params.tag}'`);
    return reply.code(204).send();
  });
}
