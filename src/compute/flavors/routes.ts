/**
 * /flavors, extra specs (/flavors/{id}/os-extra_specs) and flavor access (/flavors/{id}/os-flavor-access,
 * addTenantAccess/removeTenantAccess actions), as Nova serves them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { can, enforce, isAdmin, limitAndMarker, links, nextLinks, projectIdOf, queryAll, requestBase, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import type { Flavor } from './store.js';

type IdParams = { id: string };
type SpecParams = { id: string; key: string };

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name',
  'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];
const LIST_PARAMS = ['limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir'];

/** Nova's flavor representation at the request's microversion. */
export function renderFlavor(request: FastifyRequest, base: string, f: Flavor, detail: boolean, showExtraSpecs: boolean): Record<string, unknown> {
  const mv = request.microversion;
  const out: Record<string, unknown> = { id: f.flavorid, name: f.name };
  if (detail) {
    Object.assign(out, {
      ram: f.memoryMb,
      disk: f.rootGb,
      swap: mv.atLeast('2.75') ? f.swap : (f.swap || ''),
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb,
      'OS-FLV-DISABLED:disabled': f.disabled,
      vcpus: f.vcpus,
      'os-flavor-access:is_public': f.isPublic,
      rxtx_factor: f.rxtxFactor || '',
    });
  }
  out.links = links(base, 'flavors', f.flavorid);
  if (mv.atLeast('2.55')) out.description = f.description;
  if (detail && showExtraSpecs) out.extra_specs = f.extraSpecs;
  return out;
}

function sortValue(f: Flavor, key: string): string | number {
  switch (key) {
    case 'flavorid': return f.flavorid;
    case 'id': return f.internalId;
    case 'name': return f.name;
    case 'memory_mb': return f.memoryMb;
    case 'root_gb': return f.rootGb;
    case 'ephemeral_gb': return f.ephemeralGb;
    case 'swap': return f.swap;
    case 'vcpus': return f.vcpus;
    case 'rxtx_factor': return f.rxtxFactor;
    case 'is_public': return f.isPublic ? 1 : 0;
    case 'disabled': return f.disabled ? 1 : 0;
    case 'description': return f.description ?? '';
    case 'created_at': return f.createdAt;
    case 'updated_at': return f.updatedAt ?? '';
    default: return f.internalId;
  }
}

/** The visibility filter of Nova's flavor list: public (default), private, or all (`is_public=none`, admins). */
function parseIsPublic(raw: string | undefined): boolean | null {
  if (raw === undefined) return true;
  if (raw.toLowerCase() === 'none') return null;
  const v = raw.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw new BadRequest(`Invalid is_public filter [${raw}]`);
}

async function listFlavors(ctx: ComputeContext, request: FastifyRequest): Promise<Flavor[]> {
  const q = queryAll(request);
  if (request.microversion.atLeast('2.75')) {
    for (const k of q.keys()) if (!LIST_PARAMS.includes(k)) throw new BadRequest(`Invalid input for query parameters ${k}. Value: ${q.get(k)![0]}. Additional properties are not allowed ('${k}' was unexpected)`);
  }
  const sortKey = q.get('sort_key')?.[0] || 'flavorid';
  const sortDir = q.get('sort_dir')?.[0] || 'asc';
  if (!SORT_KEYS.includes(sortKey)) throw new BadRequest(`Invalid input for query parameters sort_key. Value: ${sortKey}. '${sortKey}' is not one of ${JSON.stringify(SORT_KEYS)}`);
  if (sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequest(`Invalid input for query parameters sort_dir. Value: ${sortDir}. '${sortDir}' is not one of ['asc', 'desc']`);
  const { limit, marker } = limitAndMarker(request);
  const admin = isAdmin(ctx, request);
  const projectId = projectIdOf(authOf(request));
  const isPublic = admin ? parseIsPublic(q.get('is_public')?.[0]) : true;
  const intParam = (name: string): number | undefined => {
    const raw = q.get(name)?.[0];
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw.trim())) throw new BadRequest(`Invalid ${name} filter [${raw}]`);
    return Number(raw);
  };
  const minRam = intParam('minRam');
  const minDisk = intParam('minDisk');
  const shared = await ctx.flavors.sharedWith(projectId);
  const visible = (f: Flavor): boolean => admin || f.isPublic || shared.has(f.flavorid);
  let flavors = (await ctx.flavors.all()).filter((f) => visible(f)
    && (admin || !f.disabled)
    && (minRam === undefined || f.memoryMb >= minRam)
    && (minDisk === undefined || f.rootGb >= minDisk)
    && (isPublic === null || (isPublic ? (f.isPublic || (projectId !== '' && shared.has(f.flavorid))) : !f.isPublic)));
  const dir = sortDir === 'asc' ? 1 : -1;
  flavors.sort((a, b) => {
    const x = sortValue(a, sortKey);
    const y = sortValue(b, sortKey);
    if (x < y) return -dir;
    if (x > y) return dir;
    return (a.internalId - b.internalId) * dir;
  });
  if (marker !== undefined) {
    const at = flavors.findIndex((f) => f.flavorid === marker);
    if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
    flavors = flavors.slice(at + 1);
  }
  return flavors.slice(0, limit);
}

/** A flavor the caller may see (admins: any), or 404. */
async function visibleFlavor(ctx: ComputeContext, request: FastifyRequest, id: string): Promise<Flavor> {
  return ctx.flavors.visible(id, { admin: isAdmin(ctx, request), projectId: projectIdOf(authOf(request)) });
}

function showExtraSpecs(ctx: ComputeContext, request: FastifyRequest): boolean {
  return request.microversion.atLeast('2.61') && can(ctx, request, 'os_compute_api:os-flavor-extra-specs:index');
}

/** Parses a flavor create body at the request's microversion. */
function parseCreate(request: FastifyRequest): Parameters<ComputeContext['flavors']['create']>[0] {
  const body = v.requireObject(request.body, 'flavor');
  const allowed = ['name', 'id', 'ram', 'vcpus', 'disk', 'OS-FLV-EXT-DATA:ephemeral', 'swap', 'rxtx_factor', 'os-flavor-access:is_public'];
  if (request.microversion.atLeast('2.55')) allowed.push('description');
  v.onlyKeys(body, allowed, 'flavor');
  v.required(body, ['name', 'ram', 'vcpus', 'disk'], 'flavor');
  const name = v.name(body.name, 'name').trim();
  let flavorid: string;
  const rawId = body.id;
  if (rawId === undefined || rawId === null || rawId === '') flavorid = randomUUID();
  else if (typeof rawId === 'number') flavorid = String(rawId);
  else if (typeof rawId === 'string') {
    if (rawId.length > 255 || !/^(?! )[a-zA-Z0-9. _-]+(?<! )$/.test(rawId)) throw v.invalid('id', rawId, `'${rawId}' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'`);
    flavorid = rawId;
  } else throw v.invalid('id', rawId, `${JSON.stringify(rawId)} is not of type 'string', 'number', 'null'`);
  let rxtx = 1;
  if (body.rxtx_factor !== undefined) {
    const r = body.rxtx_factor;
    const n = typeof r === 'number' ? r : typeof r === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(r) ? Number(r) : NaN;
    if (!Number.isFinite(n) || n <= 0 || n > 3.40282e+38) throw v.invalid('rxtx_factor', r, `${JSON.stringify(r)} is not valid`);
    rxtx = n;
  }
  return {
    flavorid, name,
    memoryMb: v.intLike(body.ram, 'ram', 1),
    vcpus: v.intLike(body.vcpus, 'vcpus', 1),
    rootGb: v.intLike(body.disk, 'disk', 0),
    ephemeralGb: body['OS-FLV-EXT-DATA:ephemeral'] === undefined ? 0 : v.intLike(body['OS-FLV-EXT-DATA:ephemeral'], 'OS-FLV-EXT-DATA:ephemeral', 0),
    swap: body.swap === undefined ? 0 : v.intLike(body.swap, 'swap', 0),
    rxtxFactor: rxtx,
    isPublic: body['os-flavor-access:is_public'] === undefined ? true : v.boolLike(body['os-flavor-access:is_public'], 'os-flavor-access:is_public'),
    description: body.description === undefined ? null : v.description(body.description, 'description', 65535),
  };
}

function renderAccess(flavorid: string, projects: string[]): Record<string, unknown> {
  return { flavor_access: projects.map((p) => ({ flavor_id: flavorid, tenant_id: p })) };
}

export function flavorRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const base = requestBase(ctx, request);
    const { limit } = limitAndMarker(request);
    const flavors = await listFlavors(ctx, request);
    const extra = detail && showExtraSpecs(ctx, request);
    const out: Record<string, unknown> = { flavors: flavors.map((f) => renderFlavor(request, base, f, detail, extra)) };
    const next = nextLinks(base, request, detail ? 'flavors/detail' : 'flavors', limit, flavors.at(-1)?.flavorid, flavors.length);
    if (next.length > 0) out.flavors_links = next;
    return out;
  };
  app.get('/flavors', list(false));
  app.get('/flavors/detail', list(true));

  app.get<{ Params: IdParams }>('/flavors/:id', async (request) => {
    const f = await visibleFlavor(ctx, request, request.params.id);
    return { flavor: renderFlavor(request, requestBase(ctx, request), f, true, showExtraSpecs(ctx, request)) };
  });

  app.post('/flavors', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-manage:create', {});
    const f = await ctx.flavors.create(parseCreate(request));
    return { flavor: renderFlavor(request, requestBase(ctx, request), f, true, showExtraSpecs(ctx, request)) };
  });

  app.put<{ Params: IdParams }>('/flavors/:id', async (request) => {
    if (!request.microversion.atLeast('2.55')) throw new NotFound('The resource could not be found.');
    enforce(ctx, request, 'os_compute_api:os-flavor-manage:update', {});
    const body = v.requireObject(request.body, 'flavor');
    v.onlyKeys(body, ['description'], 'flavor');
    v.required(body, ['description'], 'flavor');
    const description = v.description(body.description, 'description', 65535);
    const f = await ctx.flavors.find(request.params.id);
    if (!f) throw new NotFound(`Flavor ${request.params.id} could not be found.`);
    await ctx.flavors.updateDescription(f.flavorid, description);
    return { flavor: renderFlavor(request, requestBase(ctx, request), (await ctx.flavors.find(f.flavorid))!, true, showExtraSpecs(ctx, request)) };
  });

  app.delete<{ Params: IdParams }>('/flavors/:id', async (request, reply) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-manage:delete', {});
    await ctx.flavors.delete(request.params.id);
    return reply.code(202).send();
  });

  // --- flavor access ---

  app.get<{ Params: IdParams }>('/flavors/:id/os-flavor-access', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-access');
    const f = await visibleFlavor(ctx, request, request.params.id);
    if (f.isPublic) throw new NotFound('Access list not available for public flavors.');
    return renderAccess(f.flavorid, await ctx.flavors.accessList(f.flavorid));
  });

  app.post<{ Params: IdParams }>('/flavors/:id/action', async (request) => {
    const body = request.body;
    if (!v.isObject(body) || Object.keys(body).length !== 1) throw new BadRequest('Malformed request body');
    const [action] = Object.keys(body) as [string];
    if (action !== 'addTenantAccess' && action !== 'removeTenantAccess') throw new BadRequest(`There is no such action: ${action}`);
    enforce(ctx, request, action === 'addTenantAccess' ? 'os_compute_api:os-flavor-access:add_tenant_access' : 'os_compute_api:os-flavor-access:remove_tenant_access', {});
    const inner = v.requireObject(body, action);
    v.onlyKeys(inner, ['tenant'], action);
    v.required(inner, ['tenant'], action);
    const tenant = v.str(inner.tenant, 'tenant', 1, 255);
    await ctx.projects.verify(authOf(request).token, tenant);
    const f = await visibleFlavor(ctx, request, request.params.id);
    if (action === 'addTenantAccess') {
      if (request.microversion.atLeast('2.7') && f.isPublic) throw new Conflict('Can not add access to a public flavor.');
      await ctx.flavors.addAccess(f.flavorid, tenant);
    } else {
      await ctx.flavors.removeAccess(f.flavorid, tenant);
    }
    return renderAccess(f.flavorid, await ctx.flavors.accessList(f.flavorid));
  });

  // --- extra specs ---

  app.get<{ Params: IdParams }>('/flavors/:id/os-extra_specs', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-extra-specs:index');
    const f = await visibleFlavor(ctx, request, request.params.id);
    return { extra_specs: f.extraSpecs };
  });

  app.post<{ Params: IdParams }>('/flavors/:id/os-extra_specs', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-extra-specs:create', {});
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['extra_specs'], 'extra_specs');
    if (body.extra_specs === undefined) throw v.invalid('extra_specs', body, "'extra_specs' is a required property");
    const specs = v.metadata(body.extra_specs, 'extra_specs', { allowNumbers: true });
    const f = await visibleFlavor(ctx, request, request.params.id);
    await ctx.flavors.setExtraSpecs(f.flavorid, specs);
    return { extra_specs: specs };
  });

  app.get<{ Params: SpecParams }>('/flavors/:id/os-extra_specs/:key', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-extra-specs:show');
    const f = await visibleFlavor(ctx, request, request.params.id);
    const value = f.extraSpecs[request.params.key];
    if (value === undefined) throw new NotFound(`Flavor ${f.flavorid} has no extra specs with key ${request.params.key}.`);
    return { [request.params.key]: value };
  });

  app.put<{ Params: SpecParams }>('/flavors/:id/os-extra_specs/:key', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-extra-specs:update', {});
    const specs = v.metadata(request.body as v.Json, 'extra_specs', { allowNumbers: true });
    if (Object.keys(specs).length !== 1) throw v.invalid('extra_specs', request.body, 'must have exactly one property');
    if (specs[request.params.key] === undefined) throw new BadRequest('Request body and URI mismatch');
    const f = await visibleFlavor(ctx, request, request.params.id);
    await ctx.flavors.setExtraSpecs(f.flavorid, specs);
    return specs;
  });

  app.delete<{ Params: SpecParams }>('/flavors/:id/os-extra_specs/:key', async (request, reply) => {
    enforce(ctx, request, 'os_compute_api:os-flavor-extra-specs:delete', {});
    const f = await visibleFlavor(ctx, request, request.params.id);
    await ctx.flavors.deleteExtraSpec(f.flavorid, request.params.key);
    // Nova answers 200 with no body here.
    return reply.code(200).send();
  });
}
