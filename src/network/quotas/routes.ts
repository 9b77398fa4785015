/**
 * /v2.0/quotas (Neutron's `quotas` and `quota_details` extensions): show, update and reset a project's
 * limits, the defaults, usage details, and the admin's list of projects with limits set.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf, type NetworkContext } from '../context.js';
import { httpBadRequest, invalidAttribute, NeutronFault } from '../errors.js';
import { toInt, py } from '../attributes.js';
import { DEFAULT_QUOTAS, isQuotaResource, limitsOf, QUOTA_RESOURCES, usageOf, type QuotaResource } from './service.js';

/** Largest limit a column holds (Neutron's DB_INTEGER_MAX_VALUE). */
const MAX_LIMIT = 2 ** 31 - 1;

type IdParams = { Params: { id: string } };

/** Neutron lets a project read its own quotas; anyone else's needs admin (AdminRequired, 403). */
function authorizeRead(ctx: NetworkContext, request: FastifyRequest, projectId: string): void {
  const caller = callerOf(ctx, request);
  if (projectId !== caller.projectId && !caller.isAdmin) {
    throw new NeutronFault(403, 'AdminRequired', 'User does not have admin privileges: Only admin is authorized to access quotas for another tenant.');
  }
  caller.authorize(['get_quota'], { project_id: projectId });
}

function parseLimits(body: unknown): Partial<Record<QuotaResource, number>> {
  const inner = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).quota : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw httpBadRequest("Unable to find 'quota' in request body");
  const unknown = Object.keys(inner).filter((k) => !isQuotaResource(k));
  if (unknown.length > 0) throw httpBadRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Partial<Record<QuotaResource, number>> = {};
  for (const [k, v] of Object.entries(inner as Record<string, unknown>)) {
    const n = toInt(v);
    if (n < -1) throw invalidAttribute(k, `'${py(v)}' is too small - must be at least '-1'`);
    if (n > MAX_LIMIT) throw invalidAttribute(k, `'${py(v)}' is too large - must be no larger than '${MAX_LIMIT}'`);
    out[k as QuotaResource] = n;
  }
  return out;
}

export function quotaRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/quotas', async (request) => {
    callerOf(ctx, request).authorize(['update_quota'], {});
    const rows = await ctx.db.selectFrom('quota').select('project_id').distinct().execute();
    const quotas = [];
    for (const { project_id } of rows) quotas.push({ ...(await limitsOf(ctx.db, project_id)), project_id, tenant_id: project_id });
    return { quotas };
  });

  app.get('/v2.0/quotas/tenant', async (request) => ({ tenant: { tenant_id: callerOf(ctx, request).projectId } }));
  app.get('/v2.0/quotas/project', async (request) => ({ project: { project_id: callerOf(ctx, request).projectId } }));

  app.get<IdParams>('/v2.0/quotas/:id', async (request) => {
    authorizeRead(ctx, request, request.params.id);
    return { quota: await limitsOf(ctx.db, request.params.id) };
  });

  app.get<IdParams>('/v2.0/quotas/:id/default', async (request) => {
    authorizeRead(ctx, request, request.params.id);
    return { quota: { ...DEFAULT_QUOTAS } };
  });

  const details = async (request: FastifyRequest<IdParams>): Promise<unknown> => {
    authorizeRead(ctx, request, request.params.id);
    const [limits, used] = await Promise.all([limitsOf(ctx.db, request.params.id), usageOf(ctx.db, request.params.id)]);
    const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const r of QUOTA_RESOURCES) quota[r] = { limit: limits[r], used: used[r], reserved: 0 };
    return { quota };
  };
  app.get<IdParams>('/v2.0/quotas/:id/details', details);
  app.get<IdParams>('/v2.0/quotas/:id/details.json', details);

  app.put<IdParams>('/v2.0/quotas/:id', async (request) => {
    callerOf(ctx, request).authorize(['update_quota'], { project_id: request.params.id });
    const limits = parseLimits(request.body);
    await ctx.db.transaction().execute(async (tx) => {
      for (const [resource, hard_limit] of Object.entries(limits)) {
        await tx.insertInto('quota').values({ project_id: request.params.id, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit })).execute();
      }
    });
    return { quota: await limitsOf(ctx.db, request.params.id) };
  });

  app.delete<IdParams>('/v2.0/quotas/:id', async (request, reply) => {
    callerOf(ctx, request).authorize(['delete_quota'], { project_id: request.params.id });
    await ctx.db.deleteFrom('quota').where('project_id', '=', request.params.id).execute();
    return reply.code(204).send();
  });
}
