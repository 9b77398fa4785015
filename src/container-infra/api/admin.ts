/**
 * /v1/quotas (the `Cluster` resource; admin CRUD, project readers read their own; 20 when unset),
 * /v1/stats (≥1.4) and /v1/mservices (admin; one magnum-conductor row per host, up while its heartbeat is
 * fresh).
 */
import type { FastifyInstance } from 'fastify';
import { callerOf, requestBase, type ContainerInfraContext } from '../context.js';
import { QuotaExists, type Quota } from '../store.js';
import { conflict, invalid, MagnumFault } from '../errors.js';
import { nextLink, pageQuery, queryBool, queryOne, readBody, type FieldSpec, type Json } from './common.js';
import { DEFAULT_CLUSTER_QUOTA } from './clusters.js';
import { requireVersion } from './versions.js';

type QuotaParams = { Params: { project: string; resource: string } };

/** Magnum's `service_down_time`: a conductor silent longer is down. */
export const SERVICE_DOWN_SECONDS = 180;

const QUOTA_FIELDS: Readonly<Record<string, FieldSpec>> = {
  project_id: { type: 'string', min: 1, max: 255 }, resource: { type: 'string', enum: ['Cluster'] }, hard_limit: { type: 'int', min: 0, max: 2 ** 31 - 1 },
};

const quotaJson = (q: Quota | { projectId: string; resource: string; hardLimit: number }): Json => ({
  id: 'id' in q ? q.id : null, project_id: q.projectId, resource: q.resource, hard_limit: q.hardLimit,
  created_at: 'createdAt' in q ? q.createdAt : null, updated_at: 'updatedAt' in q ? q.updatedAt : null,
});

function checkResource(resource: string): void {
  if (resource !== 'Cluster') throw invalid(`Invalid resource ${resource.slice(0, 50)}: the only quota resource is Cluster.`);
}

export function adminRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  app.get('/v1/quotas', async (request) => {
    const caller = callerOf(ctx, request);
    caller.authorize('quota:get_all');
    const all = queryBool(request, 'all_tenants');
    const page = pageQuery(request, ['id', 'project_id', 'resource', 'hard_limit', 'created_at', 'updated_at']);
    const items = await ctx.store.listQuotas({ projectId: all && caller.isAdmin ? null : caller.projectId }, page);
    return { quotas: items.map(quotaJson), ...nextLink(requestBase(ctx, request), 'quotas', page, items, (q) => String(q.id)) };
  });
  app.get<QuotaParams>('/v1/quotas/:project/:resource', async (request) => {
    const caller = callerOf(ctx, request);
    const { project, resource } = request.params;
    caller.authorize('quota:get', { project_id: project });
    checkResource(resource);
    const q = await ctx.store.getQuota(project, resource);
    return quotaJson(q ?? { projectId: project, resource, hardLimit: DEFAULT_CLUSTER_QUOTA });
  });
  app.post('/v1/quotas', async (request, reply) => {
    const caller = callerOf(ctx, request);
    caller.authorize('quota:create');
    const d = readBody(request.body, 'quota', QUOTA_FIELDS, ['id', 'created_at', 'updated_at']);
    if (d.project_id === undefined) throw invalid('Invalid input for field/attribute project_id. Value: None. Mandatory field missing.');
    const project = d.project_id as string;
    if (!(await ctx.projectExists(caller.auth.token, project))) throw new MagnumFault(404, 'ProjectNotFound', `Project ${project} could not be found.`);
    try {
      const q = await ctx.store.createQuota(project, (d.resource as string | undefined) ?? 'Cluster', (d.hard_limit as number | undefined) ?? 1);
      return reply.code(201).send(quotaJson(q));
    } catch (err) {
      if (err instanceof QuotaExists) throw conflict('QuotaAlreadyExists', `Quota for project ${project} already exists for resource ${err.resource}.`);
      throw err;
    }
  });
  app.patch<QuotaParams>('/v1/quotas/:project/:resource', async (request, reply) => {
    const caller = callerOf(ctx, request);
    caller.authorize('quota:update');
    const { project, resource } = request.params;
    checkResource(resource);
    const d = readBody(request.body, 'quota', QUOTA_FIELDS, ['id', 'created_at', 'updated_at']);
    if (d.hard_limit === undefined) throw invalid('Invalid input for field/attribute hard_limit. Value: None. Mandatory field missing.');
    if (!(await ctx.store.getQuota(project, resource))) throw new MagnumFault(404, 'QuotaNotFound', `Quota ${project}/${resource} could not be found.`);
    const q = await ctx.store.updateQuota(project, resource, d.hard_limit as number);
    return reply.code(202).send(quotaJson(q!));
  });
  app.delete<QuotaParams>('/v1/quotas/:project/:resource', async (request, reply) => {
    const caller = callerOf(ctx, request);
    caller.authorize('quota:delete');
    const { project, resource } = request.params;
    checkResource(resource);
    if (!(await ctx.store.deleteQuota(project, resource))) throw new MagnumFault(404, 'QuotaNotFound', `Quota ${project}/${resource} could not be found.`);
    return reply.code(204).send();
  });

  app.get('/v1/stats', async (request) => {
    requireVersion(request, 4, 'stats');
    const caller = callerOf(ctx, request);
    const type = queryOne(request, 'type');
    if (type !== undefined && type !== 'cluster') throw invalid(`Invalid type ${type.slice(0, 50)}: only 'cluster' is supported.`);
    const project = queryOne(request, 'project_id');
    if (project !== undefined && project !== caller.projectId && !caller.isAdmin) {
      throw new MagnumFault(403, 'PolicyNotAuthorized', "Policy doesn't allow stats:get_all to be performed.");
    }
    caller.authorize('stats:get_all', { project_id: project ?? caller.projectId });
    return ctx.store.stats({ projectId: project ?? (caller.isAdmin ? null : caller.projectId) });
  });

  app.get('/v1/mservices', async (request) => {
    const caller = callerOf(ctx, request);
    caller.authorize('magnum-service:get_all');
    const now = Date.now();
    return {
      mservices: (await ctx.store.listServices()).map((s) => ({
        id: s.id, host: s.host, binary: s.binary,
        state: s.updatedAt !== null && now - Date.parse(s.updatedAt) <= SERVICE_DOWN_SECONDS * 1000 ? 'up' : 'down',
        report_count: s.reportCount, disabled: s.disabled, disabled_reason: s.disabledReason, created_at: s.createdAt, updated_at: s.updatedAt,
      })),
    };
  });
}


