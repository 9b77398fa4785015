/**
 * /os-quota-sets (show, detail, defaults, update, delete; per project and per user) and /limits (absolute
 * limits with usage), with the resources each microversion shows (nova-network ones go at 2.36, the
 * personality ones at 2.57).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { enforce, projectIdOf, queryAll, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import { RESOURCES, type Resource, type Usage } from './service.js';

type IdParams = { id: string };

const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const PERSONALITY = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** The resources a microversion does not show. */
function hidden(request: FastifyRequest): Set<string> {
  const mv = request.microversion;
  if (mv.atLeast('2.57')) return new Set([...NETWORK, ...PERSONALITY]);
  if (mv.atLeast('2.36')) return new Set(NETWORK);
  return new Set();
}

function userIdParam(request: FastifyRequest): string | undefined {
  const q = queryAll(request);
  if (request.microversion.atLeast('2.75')) {
    for (const k of q.keys()) if (k !== 'user_id') throw new BadRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`);
  }
  return q.get('user_id')?.[0];
}

function renderSet(request: FastifyRequest, id: string | null, values: Record<Resource, unknown>): Record<string, unknown> {
  const skip = hidden(request);
  const out: Record<string, unknown> = {};
  if (id !== null) out.id = id;
  for (const r of RESOURCES) if (!skip.has(r)) out[r] = values[r];
  return { quota_set: out };
}

export function quotaRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  app.get<{ Params: IdParams }>('/os-quota-sets/:id', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-quota-sets:show', { project_id: request.params.id });
    const userId = userIdParam(request);
    await ctx.projects.verify(authOf(request).token, request.params.id);
    return renderSet(request, request.params.id, await ctx.quotas.limits(request.params.id, userId));
  });

  app.get<{ Params: IdParams }>('/os-quota-sets/:id/detail', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-quota-sets:detail', { project_id: request.params.id });
    const userId = userIdParam(request);
    await ctx.projects.verify(authOf(request).token, request.params.id);
    const limits = await ctx.quotas.limits(request.params.id, userId);
    const usage: Usage = await ctx.quotas.usage(request.params.id, userId);
    const values = Object.fromEntries(RESOURCES.map((r) => [r, { limit: limits[r], in_use: usage[r], reserved: 0 }])) as Record<Resource, unknown>;
    return renderSet(request, request.params.id, values);
  });

  app.get<{ Params: IdParams }>('/os-quota-sets/:id/defaults', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-quota-sets:defaults', { project_id: request.params.id });
    await ctx.projects.verify(authOf(request).token, request.params.id);
    return renderSet(request, request.params.id, await ctx.quotas.classLimits('default'));
  });

  app.put<{ Params: IdParams }>('/os-quota-sets/:id', async (request) => {
    const mv = request.microversion;
    enforce(ctx, request, 'os_compute_api:os-quota-sets:update', { project_id: request.params.id });
    const userId = userIdParam(request);
    const body = v.requireObject(request.body, 'quota_set');
    const skip = hidden(request);
    const allowed = [...RESOURCES.filter((r) => !skip.has(r) || (!mv.atLeast('2.36') && NETWORK.includes(r))), 'force'];
    v.onlyKeys(body, allowed, 'quota_set');
    await ctx.projects.verify(authOf(request).token, request.params.id);
    const force = body.force === undefined ? false : v.boolLike(body.force, 'force');
    const values: Partial<Record<Resource, number>> = {};
    for (const [k, raw] of Object.entries(body)) {
      if (k === 'force') continue;
      values[k as Resource] = v.intLike(raw, k, -1, 0x7fffffff, true);
    }
    if (!force) {
      const usage = await ctx.quotas.usage(request.params.id, userId);
      for (const [k, limit] of Object.entries(values) as Array<[Resource, number]>) {
        const used = usage[k];
        if (limit !== -1 && limit < used) {
          throw new BadRequest(`Quota limit ${limit} for ${k} must be greater than or equal to already used and reserved ${used}.`);
        }
        if (userId !== undefined) {
          const projectLimit = (await ctx.quotas.limits(request.params.id))[k];
          if (projectLimit !== -1 && (limit === -1 || limit > projectLimit)) {
            throw new BadRequest(`Quota limit ${limit} for ${k} must be less than or equal to ${projectLimit}.`);
          }
        }
      }
    }
    await ctx.quotas.setLimits(request.params.id, userId, values);
    return renderSet(request, null, await ctx.quotas.limits(request.params.id, userId));
  });

  app.delete<{ Params: IdParams }>('/os-quota-sets/:id', async (request, reply) => {
    enforce(ctx, request, 'os_compute_api:os-quota-sets:delete', { project_id: request.params.id });
    const userId = userIdParam(request);
    await ctx.quotas.reset(request.params.id, userId);
    return reply.code(202).send();
  });

  // --- quota classes: the `default` class sets every project's defaults ---

  const classHidden = (request: FastifyRequest): Set<string> => {
    const mv = request.microversion;
    if (mv.atLeast('2.57')) return new Set([...NETWORK, ...PERSONALITY]);
    if (mv.atLeast('2.50')) return new Set(NETWORK);
    return new Set(['server_groups', 'server_group_members']);
  };
  const renderClass = (request: FastifyRequest, id: string | null, values: Record<Resource, number>): Record<string, unknown> => {
    const skip = classHidden(request);
    const out: Record<string, unknown> = id === null ? {} : { id };
    for (const r of RESOURCES) if (!skip.has(r)) out[r] = values[r];
    return { quota_class_set: out };
  };

  app.get<{ Params: IdParams }>('/os-quota-class-sets/:id', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-quota-class-sets:show', {});
    return renderClass(request, request.params.id, await ctx.quotas.classLimits(request.params.id));
  });

  app.put<{ Params: IdParams }>('/os-quota-class-sets/:id', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-quota-class-sets:update', {});
    if (request.params.id.length > 255) throw new BadRequest('quota_class_name has more than 255 characters.');
    const body = v.requireObject(request.body, 'quota_class_set');
    const skip = classHidden(request);
    v.onlyKeys(body, RESOURCES.filter((r) => !skip.has(r)), 'quota_class_set');
    const values: Partial<Record<Resource, number>> = {};
    for (const [k, raw] of Object.entries(body)) values[k as Resource] = v.intLike(raw, k, -1, 0x7fffffff, true);
    await ctx.quotas.setClassLimits(request.params.id, values);
    return renderClass(request, null, await ctx.quotas.classLimits(request.params.id));
  });

  // --- limits ---

  app.get('/limits', async (request) => {
    const mv = request.microversion;
    enforce(ctx, request, 'os_compute_api:limits', {});
    const q = queryAll(request);
    if (mv.atLeast('2.75')) {
      for (const k of q.keys()) if (k !== 'tenant_id') throw new BadRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`);
    }
    let projectId = projectIdOf(authOf(request));
    const other = q.get('tenant_id')?.[0];
    if (other !== undefined) {
      enforce(ctx, request, 'os_compute_api:limits:other_project');
      projectId = other;
    }
    const limits = await ctx.quotas.limits(projectId);
    const usage = await ctx.quotas.usage(projectId);
    const skip = mv.atLeast('2.57') ? new Set([...NETWORK, 'injected_files', 'injected_file_content_bytes'])
      : mv.atLeast('2.36') ? new Set(['floating_ips', 'security_groups', 'security_group_rules']) : new Set<string>();
    const names: ReadonlyArray<[Resource, string]> = [
      ['ram', 'maxTotalRAMSize'], ['instances', 'maxTotalInstances'], ['cores', 'maxTotalCores'], ['key_pairs', 'maxTotalKeypairs'],
      ['floating_ips', 'maxTotalFloatingIps'], ['metadata_items', 'maxServerMeta'], ['metadata_items', 'maxImageMeta'],
      ['injected_files', 'maxPersonality'], ['injected_file_content_bytes', 'maxPersonalitySize'], ['security_groups', 'maxSecurityGroups'],
      ['security_group_rules', 'maxSecurityGroupRules'], ['server_groups', 'maxServerGroups'], ['server_group_members', 'maxServerGroupMembers'],
    ];
    const absolute: Record<string, number> = {};
    for (const [r, name] of names) {
      if (skip.has(r)) continue;
      if (name === 'maxImageMeta' && mv.atLeast('2.39')) continue;
      absolute[name] = limits[r];
    }
    const used: ReadonlyArray<[string, Resource]> = [
      ['totalRAMUsed', 'ram'], ['totalCoresUsed', 'cores'], ['totalInstancesUsed', 'instances'], ['totalFloatingIpsUsed', 'floating_ips'],
      ['totalSecurityGroupsUsed', 'security_groups'], ['totalServerGroupsUsed', 'server_groups'],
    ];
    for (const [name, r] of used) if (!skip.has(r)) absolute[name] = usage[r];
    return { limits: { rate: [], absolute } };
  });
}
