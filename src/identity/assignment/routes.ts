/**
 * Roles, implied roles, grants (project, domain, system, and OS-INHERIT inherited grants) and
 * GET /v3/role_assignments.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import type { ActorKind, Assignment, Role, TargetKind } from '../model.js';
import { extrasOf } from '../resource/service.js';
import { listRoleAssignments } from './listing.js';

/** Keystone's `[assignment] prohibited_implied_role`: roles that may never be implied. */
const PROHIBITED_IMPLIED = new Set(['admin']);
const ROLE_RESERVED = new Set(['id', 'name', 'domain_id', 'description', 'options', 'links']);

export function renderRole(ctx: IdentityContext, r: Role): Record<string, unknown> {
  return {
    ...r.extra,
    id: r.id,
    name: r.name,
    domain_id: r.domainId,
    description: r.description,
    options: r.options,
    links: { self: link(ctx, `roles/${r.id}`) },
  };
}

function roleRef(ctx: IdentityContext, r: Role): Record<string, unknown> {
  return { id: r.id, name: r.name, links: { self: link(ctx, `roles/${r.id}`) } };
}

function validateRoleOptions(raw: unknown, current: Record<string, unknown> = {}): Record<string, unknown> {
  if (raw === undefined) return current;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest("Invalid input for field 'options'");
  const out = { ...current };
  for (const [k, v] of Object.entries(raw)) {
    if (k !== 'immutable') throw new BadRequest(`Invalid input for field 'options': '${k}' is not a valid option`);
    if (v === null) delete out[k];
    else if (typeof v !== 'boolean') throw new BadRequest("Invalid input for field 'immutable': must be a boolean");
    else out[k] = v;
  }
  return out;
}

interface GrantPath {
  actor: ActorKind;
  target: TargetKind;
  inherited: boolean;
  actorId: string;
  targetId: string;
  roleId?: string;
}

export function assignmentRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  // --- roles ---

  const roleAction = (r: { domainId: string | null } | undefined, verb: string): string =>
    r?.domainId ? `identity:${verb}_domain_role` : `identity:${verb}_role`;

  app.get('/v3/roles', async (request) => {
    const q = query(request);
    enforce(ctx, request, q.domain_id ? 'identity:list_domain_roles' : 'identity:list_roles', q.domain_id !== undefined ? { domain_id: q.domain_id } : {});
    const roles = await ctx.assignments.listRoles({ domainId: q.domain_id ?? null, ...(q.name !== undefined ? { name: q.name } : {}) });
    return listBody(ctx, request, 'roles', roles.map((r) => renderRole(ctx, r)));
  });

  app.post('/v3/roles', { schema: { body: schemas.roleCreate } }, async (request, reply) => {
    const body = (request.body as { role: Record<string, unknown> }).role;
    const domainId = typeof body.domain_id === 'string' ? body.domain_id : null;
    enforce(ctx, request, domainId ? 'identity:create_domain_role' : 'identity:create_role', { role: { domain_id: domainId } });
    if (domainId) {
      const d = await ctx.resources.find(domainId);
      if (!d?.isDomain) throw new NotFound(`Could not find domain: ${domainId}.`);
    }
    const role: Role = {
      id: newHexId(),
      name: String(body.name),
      domainId,
      description: typeof body.description === 'string' ? body.description : null,
      options: validateRoleOptions(body.options),
      extra: extrasOf(body, ROLE_RESERVED),
    };
    await ctx.assignments.insertRole(role);
    return reply.code(201).send({ role: renderRole(ctx, role) });
  });

  app.get<{ Params: { id: string } }>('/v3/roles/:id', async (request) => {
    const role = await ctx.assignments.findRole(request.params.id);
    if (!role) throw new NotFound(`Could not find role: ${request.params.id}.`);
    enforce(ctx, request, roleAction(role, 'get'), { role: { id: request.params.id, name: role.name, domain_id: role.domainId } });
    return { role: renderRole(ctx, role) };
  });

  app.patch<{ Params: { id: string } }>('/v3/roles/:id', { schema: { body: schemas.roleUpdate } }, async (request) => {
    const role = await ctx.assignments.findRole(request.params.id);
    if (!role) throw new NotFound(`Could not find role: ${request.params.id}.`);
    enforce(ctx, request, roleAction(role, 'update'), { role: { id: request.params.id, domain_id: role.domainId } });
    const body = (request.body as { role: Record<string, unknown> }).role;
    const options = validateRoleOptions(body.options, role.options);
    // An immutable role may only be changed to drop its immutability.
    if (role.options.immutable === true && !(Object.keys(body).length === 1 && body.options && options.immutable !== true)) {
      throw new Forbidden(`Role ${role.id} is immutable and cannot be modified.`);
    }
    if (body.domain_id !== undefined && body.domain_id !== role.domainId) throw new BadRequest('Update of `domain_id` is not allowed.');
    const next: Role = {
      ...role,
      name: typeof body.name === 'string' ? body.name : role.name,
      description: body.description === undefined ? role.description : (typeof body.description === 'string' ? body.description : null),
      options,
      extra: { ...role.extra, ...extrasOf(body, ROLE_RESERVED) },
    };
    await ctx.assignments.updateRole(next);
    return { role: renderRole(ctx, next) };
  });

  app.delete<{ Params: { id: string } }>('/v3/roles/:id', async (request, reply) => {
    const role = await ctx.assignments.findRole(request.params.id);
    if (!role) throw new NotFound(`Could not find role: ${request.params.id}.`);
    enforce(ctx, request, roleAction(role, 'delete'), { role: { id: request.params.id, domain_id: role.domainId } });
    if (role.options.immutable === true) throw new Forbidden(`Role ${role.id} is immutable and cannot be deleted.`);
    await ctx.db.transaction().execute((tx) => ctx.assignments.deleteRole(role.id, tx));
    await ctx.revocations.revoke({ role_id: role.id });
    return reply.code(204).send();
  });

  // --- implied roles ---

  type PairParams = { prior: string; implied: string };
  async function pair(request: FastifyRequest<{ Params: PairParams }>, action: string): Promise<{ prior: Role; implied: Role }> {
    enforce(ctx, request, action);
    const prior = await ctx.assignments.getRole(request.params.prior);
    const implied = await ctx.assignments.getRole(request.params.implied);
    return { prior, implied };
  }
  const inference = (prior: Role, implies: Role | Role[]) => ({
    prior_role: roleRef(ctx, prior),
    implies: Array.isArray(implies) ? implies.map((r) => roleRef(ctx, r)) : roleRef(ctx, implies),
  });

  app.put<{ Params: PairParams }>('/v3/roles/:prior/implies/:implied', async (request, reply) => {
    const { prior, implied } = await pair(request, 'identity:create_implied_role');
    if (PROHIBITED_IMPLIED.has(implied.name)) throw new Forbidden(`${implied.id} is not permitted to be an implied role.`);
    if (prior.domainId === null && implied.domainId !== null) throw new Forbidden('Global role cannot imply a domain-specific role.');
    if (prior.id === implied.id || (await impliesTransitively(implied.id, prior.id))) {
      throw new Forbidden(`Creating an implied role from ${prior.id} to ${implied.id} would make a cycle.`);
    }
    await ctx.assignments.addImplication(prior.id, implied.id);
    return reply.code(201).send({ role_inference: inference(prior, implied), links: { self: link(ctx, `roles/${prior.id}/implies/${implied.id}`) } });
  });

  async function impliesTransitively(from: string, to: string): Promise<boolean> {
    const rules = await ctx.assignments.listImplications();
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (id === to) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const r of rules) if (r.priorRoleId === id) stack.push(r.impliedRoleId);
    }
    return false;
  }

  app.get<{ Params: PairParams }>('/v3/roles/:prior/implies/:implied', { exposeHeadRoute: false }, async (request) => {
    const { prior, implied } = await pair(request, 'identity:get_implied_role');
    if (!(await ctx.assignments.hasImplication(prior.id, implied.id))) throw new NotFound(`${prior.id} does not imply ${implied.id}.`);
    return { role_inference: inference(prior, implied), links: { self: link(ctx, `roles/${prior.id}/implies/${implied.id}`) } };
  });

  app.head<{ Params: PairParams }>('/v3/roles/:prior/implies/:implied', async (request, reply) => {
    const { prior, implied } = await pair(request, 'identity:check_implied_role');
    if (!(await ctx.assignments.hasImplication(prior.id, implied.id))) throw new NotFound(`${prior.id} does not imply ${implied.id}.`);
    return reply.code(204).send();
  });

  app.delete<{ Params: PairParams }>('/v3/roles/:prior/implies/:implied', async (request, reply) => {
    const { prior, implied } = await pair(request, 'identity:delete_implied_role');
    if (!(await ctx.assignments.removeImplication(prior.id, implied.id))) throw new NotFound(`${prior.id} does not imply ${implied.id}.`);
    await ctx.revocations.revoke({ role_id: prior.id });
    return reply.code(204).send();
  });

  app.get<{ Params: { prior: string } }>('/v3/roles/:prior/implies', async (request) => {
    enforce(ctx, request, 'identity:list_implied_roles');
    const prior = await ctx.assignments.getRole(request.params.prior);
    const implied = await ctx.assignments.listRoles({ ids: (await ctx.assignments.listImplications(prior.id)).map((r) => r.impliedRoleId) });
    return { role_inference: inference(prior, implied), links: { self: link(ctx, `roles/${prior.id}/implies`) } };
  });

  app.get('/v3/role_inferences', async (request) => {
    enforce(ctx, request, 'identity:list_role_inference_rules');
    const rules = await ctx.assignments.listImplications();
    const roles = new Map((await ctx.assignments.listRoles({ ids: [...new Set(rules.flatMap((r) => [r.priorRoleId, r.impliedRoleId]))] })).map((r) => [r.id, r]));
    const byPrior = new Map<string, Role[]>();
    for (const r of rules) {
      const implied = roles.get(r.impliedRoleId);
      if (implied) byPrior.set(r.priorRoleId, [...(byPrior.get(r.priorRoleId) ?? []), implied]);
    }
    const out = [...byPrior].flatMap(([priorId, implied]) => {
      const prior = roles.get(priorId);
      return prior ? [inference(prior, implied)] : [];
    });
    return { role_inferences: out, links: { self: link(ctx, 'role_inferences'), previous: null, next: null } };
  });

  // --- grants ---

  /**
   * Loads everything a grant route names and checks the policy with Keystone's target. As in Keystone,
   * unknown entities are 404 before the policy check, except when revoking (`allowMissing`), where the
   * target holds what exists and the 404 comes after.
   */
  async function resolveGrant(request: FastifyRequest, path: GrantPath, action: string, allowMissing = false): Promise<Assignment | undefined> {
    const actor = path.actor === 'user' ? await ctx.users.find(path.actorId) : await ctx.users.findGroup(path.actorId);
    const target = path.target === 'system' ? undefined : await ctx.resources.find(path.targetId);
    const role = path.roleId !== undefined ? await ctx.assignments.findRole(path.roleId) : undefined;
    const missing = (): void => {
      if (!actor) throw new NotFound(`Could not find ${path.actor}: ${path.actorId}.`);
      if (path.target === 'project' && (!target || target.isDomain)) throw new NotFound(`Could not find project: ${path.targetId}.`);
      if (path.target === 'domain' && !target?.isDomain) throw new NotFound(`Could not find domain: ${path.targetId}.`);
      if (path.roleId !== undefined && !role) throw new NotFound(`Could not find role: ${path.roleId}.`);
    };
    if (!allowMissing) missing();
    const policyTarget: Record<string, unknown> = {};
    if (actor) policyTarget[path.actor] = { id: actor.id, domain_id: actor.domainId };
    if (role) policyTarget.role = { id: role.id, name: role.name, domain_id: role.domainId };
    if (path.target === 'project' && target) policyTarget.project = { id: target.id, domain_id: target.domainId };
    if (path.target === 'domain') policyTarget.domain = { id: path.targetId };
    enforce(ctx, request, action, policyTarget);
    missing();
    if (path.roleId === undefined || !role) return undefined;
    if (role.domainId !== null) {
      const targetDomain = path.target === 'project' ? target!.domainId : path.target === 'domain' ? target!.id : null;
      if (targetDomain !== role.domainId) {
        throw new Forbidden(`Domain-specific role ${role.id} cannot be assigned outside its domain ${role.domainId}.`);
      }
    }
    return { actor: path.actor, actorId: path.actorId, target: path.target, targetId: path.target === 'system' ? 'all' : path.targetId, roleId: path.roleId, inherited: path.inherited };
  }

  const systemAction = (path: GrantPath, verb: 'create' | 'check' | 'revoke' | 'list'): string =>
    path.target === 'system'
      ? `identity:${verb === 'list' ? 'list' : verb}_system_grant${verb === 'list' ? 's' : ''}_for_${path.actor}`
      : `identity:${verb === 'list' ? 'list_grants' : `${verb}_grant`}`;

  async function revokeTokensFor(a: Assignment): Promise<void> {
    const userIds = a.actor === 'user' ? [a.actorId] : await ctx.users.memberIdsOf(a.actorId);
    for (const userId of userIds) {
      if (a.target === 'project' && !a.inherited) await ctx.revocations.revoke({ user_id: userId, project_id: a.targetId });
      else if (a.target === 'domain' && !a.inherited) await ctx.revocations.revoke({ user_id: userId, domain_id: a.targetId });
      else await ctx.revocations.revoke({ user_id: userId, role_id: a.roleId });
    }
  }

  function registerGrantRoutes(prefix: string, suffix: string, make: (p: Record<string, string>) => GrantPath): void {
    const one = `${prefix}/roles/:roleId${suffix}`;
    app.put(one, async (request: FastifyRequest, reply: FastifyReply) => {
      const path = make(request.params as Record<string, string>);
      const a = (await resolveGrant(request, path, systemAction(path, 'create')))!;
      await ctx.assignments.grant(a);
      return reply.code(204).send();
    });
    const check = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = make(request.params as Record<string, string>);
      const a = (await resolveGrant(request, path, systemAction(path, 'check')))!;
      if (!(await ctx.assignments.exists(a))) throw new NotFound(`Could not find role assignment with role: ${a.roleId}, ${a.actor}: ${a.actorId}, ${a.target}: ${a.targetId}.`);
      return reply.code(204).send();
    };
    app.head(one, check);
    app.get(one, { exposeHeadRoute: false }, check);
    app.delete(one, async (request: FastifyRequest, reply: FastifyReply) => {
      const path = make(request.params as Record<string, string>);
      const a = (await resolveGrant(request, path, systemAction(path, 'revoke'), true))!;
      if (!(await ctx.assignments.revoke(a))) throw new NotFound(`Could not find role assignment with role: ${a.roleId}, ${a.actor}: ${a.actorId}, ${a.target}: ${a.targetId}.`);
      await revokeTokensFor(a);
      return reply.code(204).send();
    });
    app.get(`${prefix}/roles${suffix}`, async (request: FastifyRequest) => {
      const path = make({ ...(request.params as Record<string, string>) });
      delete path.roleId;
      await resolveGrant(request, path, systemAction(path, 'list'));
      const grants = await ctx.assignments.list({
        actor: path.actor, actorIds: [path.actorId], target: path.target, targetIds: [path.target === 'system' ? 'all' : path.targetId], inherited: path.inherited,
      });
      const roles = await ctx.assignments.listRoles({ ids: grants.map((g) => g.roleId) });
      return listBody(ctx, request, 'roles', roles.map((r) => renderRole(ctx, r)));
    });
  }

  for (const actor of ['user', 'group'] as const) {
    const seg = actor === 'user' ? 'users' : 'groups';
    for (const target of ['project', 'domain'] as const) {
      const tseg = target === 'project' ? 'projects' : 'domains';
      registerGrantRoutes(`/v3/${tseg}/:targetId/${seg}/:actorId`, '', (p) => ({ actor, target, inherited: false, actorId: p.actorId!, targetId: p.targetId!, roleId: p.roleId }));
      registerGrantRoutes(`/v3/OS-INHERIT/${tseg}/:targetId/${seg}/:actorId`, '/inherited_to_projects', (p) => ({ actor, target, inherited: true, actorId: p.actorId!, targetId: p.targetId!, roleId: p.roleId }));
    }
    registerGrantRoutes(`/v3/system/${seg}/:actorId`, '', (p) => ({ actor, target: 'system', inherited: false, actorId: p.actorId!, targetId: 'all', roleId: p.roleId }));
  }

  // --- role assignments ---

  app.get('/v3/role_assignments', async (request) => {
    const q = query(request);
    const subtree = q.include_subtree !== undefined && q.include_subtree !== 'false' && q.include_subtree !== '0';
    if (subtree && q['scope.project.id'] === undefined) throw new BadRequest('scope.project.id needs to be specified if include_subtree is also specified.');
    let domainId: string | undefined = q['scope.domain.id'];
    if (q['scope.project.id'] !== undefined) domainId = (await ctx.resources.find(q['scope.project.id']))?.domainId;
    enforce(ctx, request, subtree ? 'identity:list_role_assignments_for_tree' : 'identity:list_role_assignments',
      domainId !== undefined ? { domain_id: domainId, project: { domain_id: domainId } } : {});
    const assignments = await listRoleAssignments(ctx, q, subtree);
    return listBody(ctx, request, 'role_assignments', assignments);
  });
}
