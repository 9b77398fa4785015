/**
 * Unified limits: /v3/registered_limits, /v3/limits and /v3/limits/model. Keystone's `flat` model:
 * a project's limit is not checked against its parents or children. Flotilla stores these for
 * services to enforce (oslo.limit style); nothing here counts usage.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { authOf } from '../../platform/auth/middleware.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { renderDomain, renderProject } from '../resource/render.js';
import { missingAttribute } from '../credential/rules.js';
import { LimitStore, type Limit, type LimitFilter, type RegisteredLimit, type RegisteredLimitFilter } from './store.js';

/** The enforcement model, as GET /v3/limits/model reports it. */
const MODEL = {
  name: 'flat',
  description: 'Limit enforcement and validation does not take project hierarchy into consideration.',
} as const;

function renderRegistered(ctx: IdentityContext, r: RegisteredLimit): Record<string, unknown> {
  return {
    id: r.id, service_id: r.serviceId, region_id: r.regionId, resource_name: r.resourceName,
    default_limit: r.defaultLimit, description: r.description, links: { self: link(ctx, `registered_limits/${r.id}`) },
  };
}

function renderLimit(ctx: IdentityContext, l: Limit): Record<string, unknown> {
  return {
    id: l.id, project_id: l.projectId, domain_id: l.domainId, service_id: l.serviceId, region_id: l.regionId,
    resource_name: l.resourceName, resource_limit: l.resourceLimit, description: l.description,
    links: { self: link(ctx, `limits/${l.id}`) },
  };
}

/** oslo's is_uuid_like, which Keystone's `format: uuid` on service_id applies: 32 hex digits, dashes optional. */
function assertUuidLike(field: string, value: string): void {
  const bare = value.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '');
  if (!/^[0-9a-f]{32}$/.test(bare)) throw new BadRequest(`Invalid input for field '${field}': '${value}' is not a 'uuid'`);
}

type RegisteredBody = { service_id?: string; region_id?: string | null; resource_name?: string; default_limit?: number; description?: string | null };
type LimitBody = { project_id?: string | null; domain_id?: string | null; service_id: string; region_id?: string | null; resource_name: string; resource_limit: number; description?: string | null };

export function limitRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new LimitStore(ctx.db);

  /** Keystone's _assert_resource_exist: every referenced service, region, project and domain must exist (400 otherwise). */
  async function assertReferences(target: 'registered_limit' | 'limit', ref: { service_id?: string | undefined; region_id?: string | null | undefined }): Promise<void> {
    if (ref.service_id !== undefined) {
      assertUuidLike('service_id', ref.service_id);
      if (!(await ctx.catalog.findService(ref.service_id))) throw missingAttribute('service_id', target);
    }
    if (ref.region_id !== undefined && ref.region_id !== null && !(await ctx.catalog.findRegion(ref.region_id))) throw missingAttribute('region_id', target);
  }

  /** The owner of a new limit; a project id that names a domain makes it a domain limit, as in Keystone. */
  async function ownerOf(body: LimitBody): Promise<{ projectId: string | null; domainId: string | null }> {
    if (typeof body.project_id === 'string') {
      const p = await ctx.resources.find(body.project_id);
      if (!p) throw missingAttribute('project_id', 'limit');
      return p.isDomain ? { projectId: null, domainId: p.id } : { projectId: p.id, domainId: null };
    }
    const d = typeof body.domain_id === 'string' ? await ctx.resources.find(body.domain_id) : undefined;
    if (!d || !d.isDomain) throw missingAttribute('domain_id', 'limit');
    return { projectId: null, domainId: d.id };
  }

  // --- registered limits ---

  app.get('/v3/registered_limits', async (request) => {
    enforce(ctx, request, 'identity:list_registered_limits');
    const q = query(request);
    const filter: RegisteredLimitFilter = {
      ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
      ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
      ...(q.resource_name !== undefined ? { resourceName: q.resource_name } : {}),
    };
    return listBody(ctx, request, 'registered_limits', (await store.listRegistered(filter)).map((r) => renderRegistered(ctx, r)));
  });

  app.post('/v3/registered_limits', { schema: { body: schemas.registeredLimitsCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_registered_limits');
    const items = (request.body as { registered_limits: Array<Required<Pick<RegisteredBody, 'service_id' | 'resource_name' | 'default_limit'>> & RegisteredBody> }).registered_limits;
    const created: RegisteredLimit[] = [];
    for (const b of items) {
      await assertReferences('registered_limit', b);
      created.push({
        id: newHexId(), serviceId: b.service_id, regionId: b.region_id ?? null, resourceName: b.resource_name,
        defaultLimit: b.default_limit, description: b.description ?? null,
      });
    }
    await store.insertRegistered(created);
    return reply.code(201).send({ registered_limits: created.map((r) => renderRegistered(ctx, r)) });
  });

  app.get<{ Params: { registered_limit_id: string } }>('/v3/registered_limits/:registered_limit_id', async (request) => {
    enforce(ctx, request, 'identity:get_registered_limit');
    return { registered_limit: renderRegistered(ctx, await store.getRegistered(request.params.registered_limit_id)) };
  });

  const referenced = (id: string): Forbidden =>
    new Forbidden(`Unable to update or delete registered limit ${id} because there are project limits associated with it.`);

  app.patch<{ Params: { registered_limit_id: string } }>('/v3/registered_limits/:registered_limit_id', { schema: { body: schemas.registeredLimitUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_registered_limit');
    const body = (request.body as { registered_limit: RegisteredBody }).registered_limit;
    await assertReferences('registered_limit', body);
    const current = await store.getRegistered(request.params.registered_limit_id);
    // Limits name their registered limit by its key, so a referenced one stays as it is.
    if (await store.isReferenced(current)) throw referenced(current.id);
    const next: RegisteredLimit = {
      ...current,
      serviceId: body.service_id ?? current.serviceId,
      regionId: body.region_id === undefined ? current.regionId : body.region_id,
      resourceName: body.resource_name ?? current.resourceName,
      defaultLimit: body.default_limit ?? current.defaultLimit,
      description: body.description === undefined ? current.description : body.description,
    };
    return { registered_limit: renderRegistered(ctx, await store.updateRegistered(next)) };
  });

  app.delete<{ Params: { registered_limit_id: string } }>('/v3/registered_limits/:registered_limit_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_registered_limit');
    const current = await store.getRegistered(request.params.registered_limit_id);
    if (await store.isReferenced(current)) throw referenced(current.id);
    await store.deleteRegistered(current.id);
    return reply.code(204).send();
  });

  // --- limits ---

  app.get('/v3/limits/model', async (request) => {
    enforce(ctx, request, 'identity:get_limit_model');
    return { model: MODEL };
  });

  app.get('/v3/limits', async (request) => {
    enforce(ctx, request, 'identity:list_limits');
    const q = query(request);
    const filter: LimitFilter = {
      ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
      ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
      ...(q.resource_name !== undefined ? { resourceName: q.resource_name } : {}),
      ...(q.project_id !== undefined ? { projectId: q.project_id } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
    };
    return listBody(ctx, request, 'limits', (await visibleLimits(request, filter)).map((l) => renderLimit(ctx, l)));
  });

  /**
   * Anyone may list limits, but sees only those that concern them: everything for system, admin and
   * service callers; a domain's own and its projects' limits for a domain token; a project's own for a
   * project token; nothing when unscoped.
   */
  async function visibleLimits(request: FastifyRequest, filter: LimitFilter): Promise<Limit[]> {
    const auth = authOf(request);
    const roles = auth.roles.map((r) => r.name.toLowerCase());
    if (auth.scope.kind === 'system' || roles.includes('admin') || roles.includes('service')) return store.listLimits(filter);
    if (auth.scope.kind === 'domain') {
      const domainId = auth.scope.domain.id;
      const projectIds = new Set((await ctx.resources.list({ domainId })).filter((p) => !p.isDomain).map((p) => p.id));
      return (await store.listLimits(filter)).filter((l) => (l.projectId !== null ? projectIds.has(l.projectId) : l.domainId === domainId));
    }
    if (auth.scope.kind === 'project') {
      const own = auth.scope.project.id;
      if (filter.projectId !== undefined && filter.projectId !== own) return [];
      return store.listLimits({ ...filter, projectId: own });
    }
    return [];
  }

  app.post('/v3/limits', { schema: { body: schemas.limitsCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_limits');
    const items = (request.body as { limits: LimitBody[] }).limits;
    const created: Limit[] = [];
    for (const b of items) {
      await assertReferences('limit', b);
      const owner = await ownerOf(b);
      const regionId = b.region_id ?? null;
      const registered = await store.listRegistered({ serviceId: b.service_id, regionId, resourceName: b.resource_name });
      if (registered.length === 0) throw new Forbidden('Unable to create a limit that has no corresponding registered limit.');
      created.push({
        id: newHexId(), ...owner, serviceId: b.service_id, regionId, resourceName: b.resource_name,
        resourceLimit: b.resource_limit, description: b.description ?? null,
      });
    }
    await store.insertLimits(created);
    return reply.code(201).send({ limits: created.map((l) => renderLimit(ctx, l)) });
  });

  app.get<{ Params: { limit_id: string } }>('/v3/limits/:limit_id', async (request) => {
    const limit = await store.findLimit(request.params.limit_id);
    enforce(ctx, request, 'identity:get_limit', limit ? { limit: await limitTarget(limit) } : {});
    return { limit: renderLimit(ctx, await store.getLimit(request.params.limit_id)) };
  });

  /** The policy target Keystone builds: the limit with its project or domain inlined. */
  async function limitTarget(l: Limit): Promise<Record<string, unknown>> {
    const target: Record<string, unknown> = { ...renderLimit(ctx, l) };
    if (l.projectId !== null) {
      const p = await ctx.resources.find(l.projectId);
      if (p) target.project = renderProject(ctx, p);
    } else if (l.domainId !== null) {
      const d = await ctx.resources.find(l.domainId);
      if (d) target.domain = renderDomain(ctx, d);
    }
    return target;
  }

  app.patch<{ Params: { limit_id: string } }>('/v3/limits/:limit_id', { schema: { body: schemas.limitUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_limit');
    const body = (request.body as { limit: { resource_limit?: number; description?: string | null } }).limit;
    const current = await store.getLimit(request.params.limit_id);
    const next: Limit = {
      ...current,
      resourceLimit: body.resource_limit ?? current.resourceLimit,
      description: body.description === undefined ? current.description : body.description,
    };
    return { limit: renderLimit(ctx, await store.updateLimit(next)) };
  });

  app.delete<{ Params: { limit_id: string } }>('/v3/limits/:limit_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_limit');
    await store.getLimit(request.params.limit_id);
    await store.deleteLimit(request.params.limit_id);
    return reply.code(204).send();
  });
}
