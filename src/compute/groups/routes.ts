/**
 * /os-server-groups: list (own project, or all for admins with all_projects), show, create (policies
 * before 2.64, policy and rules from it; soft policies from 2.15), delete.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { can, enforce, isAdmin, projectIdOf, queryAll, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import type { GroupPolicy } from '../scheduler.js';
import type { ServerGroup } from './store.js';

type IdParams = { id: string };

function render(request: FastifyRequest, g: ServerGroup): Record<string, unknown> {
  const mv = request.microversion;
  const out: Record<string, unknown> = { id: g.id, name: g.name };
  if (mv.atLeast('2.64')) {
    out.policy = g.policy;
    out.rules = g.rules;
  } else {
    out.policies = [g.policy];
    out.metadata = {};
  }
  out.members = g.members;
  if (mv.atLeast('2.13')) {
    out.project_id = g.projectId;
    out.user_id = g.userId;
  }
  return out;
}

function parseCreate(request: FastifyRequest): { name: string; policy: GroupPolicy; rules: { max_server_per_host?: number } } {
  const mv = request.microversion;
  const body = v.requireObject(request.body, 'server_group');
  const policies: GroupPolicy[] = mv.atLeast('2.15') ? ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] : ['anti-affinity', 'affinity'];
  if (mv.atLeast('2.64')) {
    v.onlyKeys(body, ['name', 'policy', 'rules'], 'server_group');
    v.required(body, ['name', 'policy'], 'server_group');
    const name = v.name(body.name, 'name');
    if (!policies.includes(body.policy as GroupPolicy)) throw v.invalid('policy', body.policy, `is not one of ${JSON.stringify(policies)}`);
    const policy = body.policy as GroupPolicy;
    const rules: { max_server_per_host?: number } = {};
    if (body.rules !== undefined) {
      if (!v.isObject(body.rules)) throw v.invalid('rules', body.rules, "is not of type 'object'");
      v.onlyKeys(body.rules, ['max_server_per_host'], 'rules');
      if (body.rules.max_server_per_host !== undefined) rules.max_server_per_host = v.intLike(body.rules.max_server_per_host, 'max_server_per_host', 1);
    }
    if (policy !== 'anti-affinity' && Object.keys(rules).length > 0) throw new BadRequest('Only anti-affinity policy supports rules.');
    return { name, policy, rules };
  }
  v.onlyKeys(body, ['name', 'policies'], 'server_group');
  v.required(body, ['name', 'policies'], 'server_group');
  const name = v.name(body.name, 'name');
  const list = body.policies;
  if (!Array.isArray(list) || list.length !== 1) throw v.invalid('policies', list ?? null, 'must be a list of exactly one policy');
  if (!policies.includes(list[0] as GroupPolicy)) throw v.invalid('policies', list, `${JSON.stringify(list[0])} is not one of ${JSON.stringify(policies)}`);
  return { name, policy: list[0] as GroupPolicy, rules: {} };
}

export function groupRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  app.get('/os-server-groups', async (request) => {
    const projectId = projectIdOf(authOf(request));
    enforce(ctx, request, 'os_compute_api:os-server-groups:index', { project_id: projectId });
    const q = queryAll(request);
    if (request.microversion.atLeast('2.75')) {
      for (const k of q.keys()) if (!['all_projects', 'limit', 'offset'].includes(k)) throw new BadRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`);
    }
    const all = q.has('all_projects') && isAdmin(ctx, request) && can(ctx, request, 'os_compute_api:os-server-groups:index:all_projects', { project_id: projectId });
    let groups = await ctx.groups.list(all ? undefined : projectId);
    const num = (k: string): number | undefined => {
      const raw = q.get(k)?.[0];
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) throw new BadRequest(`Invalid input for query parameters ${k}. Value: ${raw}.`);
      return Number(raw);
    };
    const offset = num('offset') ?? 0;
    const limit = num('limit') || 1000;
    groups = groups.slice(offset, offset + Math.min(limit, 1000));
    return { server_groups: groups.map((g) => render(request, g)) };
  });

  app.get<{ Params: IdParams }>('/os-server-groups/:id', async (request) => {
    const g = await ctx.groups.get(request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-groups:show', { project_id: g.projectId });
    return { server_group: render(request, g) };
  });

  app.post('/os-server-groups', async (request) => {
    const auth = authOf(request);
    const projectId = projectIdOf(auth);
    enforce(ctx, request, 'os_compute_api:os-server-groups:create', { project_id: projectId });
    const { name, policy, rules } = parseCreate(request);
    const g = await ctx.groups.create({ name, policy, rules, projectId, userId: auth.user.id }, (tx) => ctx.quotas.checkServerGroup(tx, projectId, auth.user.id));
    return { server_group: render(request, g) };
  });

  app.delete<{ Params: IdParams }>('/os-server-groups/:id', async (request, reply) => {
    const g = await ctx.groups.get(request.params.id);
    enforce(ctx, request, 'os_compute_api:os-server-groups:delete', { project_id: g.projectId });
    await ctx.groups.delete(g.id);
    return reply.code(204).send();
  });
}
