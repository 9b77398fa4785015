/**
 * /v3/regions, /v3/services and /v3/endpoints.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, Forbidden } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import type { Endpoint, Interface, Region, Service } from '../model.js';
import { extrasOf } from '../resource/service.js';

const REGION_RESERVED = new Set(['id', 'description', 'parent_region_id', 'links']);
const SERVICE_RESERVED = new Set(['id', 'type', 'enabled', 'links']);
const ENDPOINT_RESERVED = new Set(['id', 'service_id', 'region_id', 'region', 'interface', 'url', 'enabled', 'links', 'legacy_endpoint_id']);

export function renderRegion(ctx: IdentityContext, r: Region): Record<string, unknown> {
  return { ...r.extra, id: r.id, description: r.description, parent_region_id: r.parentRegionId, links: { self: link(ctx, `regions/${r.id}`) } };
}
export function renderService(ctx: IdentityContext, s: Service): Record<string, unknown> {
  return { ...s.extra, id: s.id, type: s.type, enabled: s.enabled, links: { self: link(ctx, `services/${s.id}`) } };
}
export function renderEndpoint(ctx: IdentityContext, e: Endpoint): Record<string, unknown> {
  return {
    ...e.extra,
    id: e.id,
    interface: e.interface,
    region_id: e.regionId,
    region: e.regionId,
    service_id: e.serviceId,
    url: e.url,
    enabled: e.enabled,
    links: { self: link(ctx, `endpoints/${e.id}`) },
  };
}

export function catalogRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  // --- regions ---

  async function checkParent(regionId: string, parentId: string | null): Promise<void> {
    if (parentId === null) return;
    if (parentId === regionId) throw new BadRequest(`The specified parent region ${parentId} would create a circular region hierarchy.`);
    let cursor: string | null = parentId;
    for (let depth = 0; cursor !== null && depth < 64; depth++) {
      const parent = await ctx.catalog.findRegion(cursor);
      if (!parent) throw new BadRequest(`The specified parent region ${cursor} could not be found.`);
      if (parent.parentRegionId === regionId) throw new BadRequest(`The specified parent region ${parentId} would create a circular region hierarchy.`);
      cursor = parent.parentRegionId;
    }
  }

  async function createRegion(id: string, body: Record<string, unknown>): Promise<Region> {
    const parentId = typeof body.parent_region_id === 'string' ? body.parent_region_id : null;
    await checkParent(id, parentId);
    const region: Region = { id, description: typeof body.description === 'string' ? body.description : '', parentRegionId: parentId, extra: extrasOf(body, REGION_RESERVED) };
    return ctx.catalog.insertRegion(region);
  }

  app.get('/v3/regions', async (request) => {
    enforce(ctx, request, 'identity:list_regions');
    const q = query(request);
    const regions = await ctx.catalog.listRegions(q.parent_region_id !== undefined ? { parentRegionId: q.parent_region_id } : {});
    return listBody(ctx, request, 'regions', regions.map((r) => renderRegion(ctx, r)));
  });

  app.post('/v3/regions', { schema: { body: schemas.regionCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_region');
    const body = (request.body as { region: Record<string, unknown> }).region;
    const id = typeof body.id === 'string' && body.id !== '' ? body.id : newHexId();
    return reply.code(201).send({ region: renderRegion(ctx, await createRegion(id, body)) });
  });

  app.put<{ Params: { id: string } }>('/v3/regions/:id', { schema: { body: schemas.regionCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_region');
    const body = (request.body as { region: Record<string, unknown> }).region;
    if (body.id !== undefined && body.id !== request.params.id) throw new BadRequest('The region id in the body does not match the URL.');
    return reply.code(201).send({ region: renderRegion(ctx, await createRegion(request.params.id, body)) });
  });

  app.get<{ Params: { id: string } }>('/v3/regions/:id', async (request) => {
    enforce(ctx, request, 'identity:get_region');
    return { region: renderRegion(ctx, await ctx.catalog.getRegion(request.params.id)) };
  });

  app.patch<{ Params: { id: string } }>('/v3/regions/:id', { schema: { body: schemas.regionUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_region');
    const region = await ctx.catalog.getRegion(request.params.id);
    const body = (request.body as { region: Record<string, unknown> }).region;
    if (body.id !== undefined && body.id !== region.id) throw new BadRequest('Update of `id` is not allowed.');
    const parentId = body.parent_region_id === undefined ? region.parentRegionId : (typeof body.parent_region_id === 'string' ? body.parent_region_id : null);
    await checkParent(region.id, parentId);
    const next: Region = {
      ...region,
      description: typeof body.description === 'string' ? body.description : region.description,
      parentRegionId: parentId,
      extra: { ...region.extra, ...extrasOf(body, REGION_RESERVED) },
    };
    return { region: renderRegion(ctx, await ctx.catalog.updateRegion(next)) };
  });

  app.delete<{ Params: { id: string } }>('/v3/regions/:id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_region');
    const region = await ctx.catalog.getRegion(request.params.id);
    if ((await ctx.catalog.listRegions({ parentRegionId: region.id })).length > 0 || (await ctx.catalog.listEndpoints({ regionId: region.id })).length > 0) {
      throw new Forbidden(`Unable to delete region ${region.id} because it or its child regions have associated endpoints.`);
    }
    await ctx.catalog.deleteRegion(region.id);
    return reply.code(204).send();
  });

  // --- services ---

  app.get('/v3/services', async (request) => {
    enforce(ctx, request, 'identity:list_services');
    const q = query(request);
    const services = (await ctx.catalog.listServices(q.type !== undefined ? { type: q.type } : {}))
      .filter((s) => q.name === undefined || s.extra.name === q.name);
    return listBody(ctx, request, 'services', services.map((s) => renderService(ctx, s)));
  });

  app.post('/v3/services', { schema: { body: schemas.serviceCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_service');
    const body = (request.body as { service: Record<string, unknown> }).service;
    const service: Service = { id: newHexId(), type: String(body.type), enabled: body.enabled === undefined ? true : body.enabled === true, extra: extrasOf(body, SERVICE_RESERVED) };
    return reply.code(201).send({ service: renderService(ctx, await ctx.catalog.insertService(service)) });
  });

  app.get<{ Params: { id: string } }>('/v3/services/:id', async (request) => {
    enforce(ctx, request, 'identity:get_service');
    return { service: renderService(ctx, await ctx.catalog.getService(request.params.id)) };
  });

  app.patch<{ Params: { id: string } }>('/v3/services/:id', { schema: { body: schemas.serviceUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_service');
    const s = await ctx.catalog.getService(request.params.id);
    const body = (request.body as { service: Record<string, unknown> }).service;
    const next: Service = {
      ...s,
      type: typeof body.type === 'string' ? body.type : s.type,
      enabled: typeof body.enabled === 'boolean' ? body.enabled : s.enabled,
      extra: { ...s.extra, ...extrasOf(body, SERVICE_RESERVED) },
    };
    return { service: renderService(ctx, await ctx.catalog.updateService(next)) };
  });

  app.delete<{ Params: { id: string } }>('/v3/services/:id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_service');
    await ctx.catalog.getService(request.params.id);
    await ctx.catalog.deleteService(request.params.id);
    return reply.code(204).send();
  });

  // --- endpoints ---

  /**
   * The legacy `region` attribute names a region that Keystone creates when it does not exist yet;
   * `region_id` must name an existing one.
   */
  async function ensureLegacyRegion(body: Record<string, unknown>): Promise<void> {
    if (body.region_id !== undefined || typeof body.region !== 'string') return;
    if (!(await ctx.catalog.findRegion(body.region))) {
      await ctx.catalog.insertRegion({ id: body.region, description: '', parentRegionId: null, extra: {} });
    }
  }

  async function checkEndpointRefs(serviceId: string, regionId: string | null): Promise<void> {
    if (!(await ctx.catalog.findService(serviceId))) throw new BadRequest(`Could not find service: ${serviceId}.`);
    if (regionId !== null && !(await ctx.catalog.findRegion(regionId))) throw new BadRequest(`Could not find region: ${regionId}.`);
  }

  app.get('/v3/endpoints', async (request) => {
    enforce(ctx, request, 'identity:list_endpoints');
    const q = query(request);
    const endpoints = await ctx.catalog.listEndpoints({
      ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
      ...(q.interface !== undefined ? { interface: q.interface } : {}),
      ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
    });
    return listBody(ctx, request, 'endpoints', endpoints.map((e) => renderEndpoint(ctx, e)));
  });

  app.post('/v3/endpoints', { schema: { body: schemas.endpointCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_endpoint');
    const body = (request.body as { endpoint: Record<string, unknown> }).endpoint;
    const regionId = typeof body.region_id === 'string' ? body.region_id : typeof body.region === 'string' ? body.region : null;
    await ensureLegacyRegion(body);
    await checkEndpointRefs(String(body.service_id), regionId);
    const endpoint: Endpoint = {
      id: newHexId(),
      serviceId: String(body.service_id),
      regionId,
      interface: body.interface as Interface,
      url: String(body.url),
      enabled: body.enabled === undefined ? true : body.enabled === true,
      extra: extrasOf(body, ENDPOINT_RESERVED),
    };
    return reply.code(201).send({ endpoint: renderEndpoint(ctx, await ctx.catalog.insertEndpoint(endpoint)) });
  });

  app.get<{ Params: { id: string } }>('/v3/endpoints/:id', async (request) => {
    enforce(ctx, request, 'identity:get_endpoint');
    return { endpoint: renderEndpoint(ctx, await ctx.catalog.getEndpoint(request.params.id)) };
  });

  app.patch<{ Params: { id: string } }>('/v3/endpoints/:id', { schema: { body: schemas.endpointUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_endpoint');
    const e = await ctx.catalog.getEndpoint(request.params.id);
    const body = (request.body as { endpoint: Record<string, unknown> }).endpoint;
    const regionId = body.region_id !== undefined ? (typeof body.region_id === 'string' ? body.region_id : null)
      : body.region !== undefined ? (typeof body.region === 'string' ? body.region : null) : e.regionId;
    await ensureLegacyRegion(body);
    const next: Endpoint = {
      ...e,
      serviceId: typeof body.service_id === 'string' ? body.service_id : e.serviceId,
      regionId,
      interface: typeof body.interface === 'string' ? (body.interface as Interface) : e.interface,
      url: typeof body.url === 'string' ? body.url : e.url,
      enabled: typeof body.enabled === 'boolean' ? body.enabled : e.enabled,
      extra: { ...e.extra, ...extrasOf(body, ENDPOINT_RESERVED) },
    };
    await checkEndpointRefs(next.serviceId, next.regionId);
    return { endpoint: renderEndpoint(ctx, await ctx.catalog.updateEndpoint(next)) };
  });

  app.delete<{ Params: { id: string } }>('/v3/endpoints/:id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_endpoint');
    await ctx.catalog.getEndpoint(request.params.id);
    await ctx.catalog.deleteEndpoint(request.params.id);
    return reply.code(204).send();
  });

}
