/**
 * /v3/users, /v3/groups, group membership and the self-service password change.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, NotFound, Unauthorized } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, inexactMatch, link, listBody, query, type IdentityContext } from '../context.js';
import { keystoneTime, queryBool, type Group, type User } from '../model.js';
import { bodyBool, extrasOf } from '../resource/service.js';
import { callerDomainId } from '../resource/routes.js';
import { renderProject } from '../resource/render.js';
import { projectsWithRoles } from '../auth/routes.js';

const USER_OPTIONS = new Set([
  'ignore_change_password_upon_first_use', 'ignore_password_expiry', 'ignore_lockout_failure_attempts',
  'lock_password', 'ignore_user_inactivity', 'multi_factor_auth_rules', 'multi_factor_auth_enabled',
]);
const USER_RESERVED = new Set(['id', 'name', 'domain_id', 'enabled', 'password', 'default_project_id', 'options', 'links', 'password_expires_at', 'federated']);
const GROUP_RESERVED = new Set(['id', 'name', 'domain_id', 'description', 'links']);

export function renderUser(ctx: IdentityContext, u: User): Record<string, unknown> {
  return {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    password_expires_at: u.passwordExpiresAt ? keystoneTime(u.passwordExpiresAt) : null,
    ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
    options: u.options,
    links: { self: link(ctx, `users/${u.id}`) },
  };
}

export function renderGroup(ctx: IdentityContext, g: Group): Record<string, unknown> {
  return { ...g.extra, id: g.id, name: g.name, domain_id: g.domainId, description: g.description, links: { self: link(ctx, `groups/${g.id}`) } };
}

function validateOptions(raw: unknown, current: Record<string, unknown> = {}): Record<string, unknown> {
  if (raw === undefined) return current;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest("Invalid input for field 'options': must be an object");
  const out = { ...current };
  for (const [k, v] of Object.entries(raw)) {
    if (!USER_OPTIONS.has(k)) throw new BadRequest(`Invalid input for field 'options': '${k}' is not a valid option`);
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Password filter: `password_expires_at=lt:2026-01-01T00:00:00Z` (lt, lte, gt, gte, eq, neq). */
function passwordExpiryFilter(raw: string | undefined): ((u: User) => boolean) | undefined {
  if (raw === undefined) return undefined;
  const m = /^(?:(lt|lte|gt|gte|eq|neq):)?(.+)$/.exec(raw);
  const when = m ? Date.parse(m[2]!) : NaN;
  if (!m || Number.isNaN(when)) throw new BadRequest(`Invalid input for field 'password_expires_at': ${raw}`);
  const op = m[1] ?? 'eq';
  return (u) => {
    if (!u.passwordExpiresAt) return false;
    const t = Date.parse(u.passwordExpiresAt);
    switch (op) {
      case 'lt': return t < when;
      case 'lte': return t <= when;
      case 'gt': return t > when;
      case 'gte': return t >= when;
      case 'neq': return t !== when;
      default: return t === when;
    }
  };
}

export function userRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  async function checkDefaultProject(id: unknown): Promise<string | null> {
    if (id === undefined || id === null) return null;
    if (typeof id !== 'string') throw new BadRequest("Invalid input for field 'default_project_id'");
    const p = await ctx.resources.find(id);
    if (p?.isDomain) throw new BadRequest('The default project can not be a domain.');
    return id;
  }

  app.get('/v3/users', async (request) => {
    const q = query(request);
    enforce(ctx, request, 'identity:list_users', q.domain_id !== undefined ? { domain_id: q.domain_id } : {});
    const expiry = passwordExpiryFilter(q.password_expires_at);
    const users = (await ctx.users.list({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
      ...(q.enabled !== undefined ? { enabled: queryBool(q.enabled) } : {}),
    })).filter((u) => inexactMatch(q, 'name', u.name) && (!expiry || expiry(u)));
    // Federated filters match no local user.
    const federated = q.idp_id !== undefined || q.protocol_id !== undefined || q.unique_id !== undefined;
    return listBody(ctx, request, 'users', federated ? [] : users.map((u) => renderUser(ctx, u)));
  });

  app.post('/v3/users', { schema: { body: schemas.userCreate } }, async (request, reply) => {
    const body = (request.body as { user: Record<string, unknown> }).user;
    const domainId = typeof body.domain_id === 'string' ? body.domain_id : callerDomainId(request);
    enforce(ctx, request, 'identity:create_user', { user: { domain_id: domainId } });
    const domain = await ctx.resources.find(domainId);
    if (!domain?.isDomain) throw new NotFound(`Could not find domain: ${domainId}.`);
    const now = new Date().toISOString();
    const password = typeof body.password === 'string' ? body.password : null;
    if (password !== null) ctx.passwordPolicy.checkFormat(password);
    const options = validateOptions(body.options);
    const user: User = {
      id: newHexId(),
      name: String(body.name),
      domainId,
      enabled: bodyBool(body.enabled, true),
      defaultProjectId: await checkDefaultProject(body.default_project_id),
      extra: extrasOf(body, USER_RESERVED),
      options,
      createdAt: now,
      lastActiveAt: null,
      passwordHash: password === null ? null : await ctx.hasher.hash(password),
      passwordCreatedAt: password === null ? null : now,
      passwordExpiresAt: password === null ? null : ctx.passwordPolicy.expiryFor(options, true),
      failedAuthCount: 0,
      failedAuthAt: null,
    };
    await ctx.users.insert(user);
    return reply.code(201).send({ user: renderUser(ctx, user) });
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id', async (request) => {
    const user = await ctx.users.find(request.params.user_id);
    if (!user) throw new NotFound(`Could not find user: ${request.params.user_id}.`);
    enforce(ctx, request, 'identity:get_user', { user: { id: request.params.user_id, domain_id: user.domainId } });
    return { user: renderUser(ctx, user) };
  });

  app.patch<{ Params: { user_id: string } }>('/v3/users/:user_id', { schema: { body: schemas.userUpdate } }, async (request) => {
    const current = await ctx.users.find(request.params.user_id);
    if (!current) throw new NotFound(`Could not find user: ${request.params.user_id}.`);
    enforce(ctx, request, 'identity:update_user', { user: { id: request.params.user_id, domain_id: current.domainId } });
    const body = (request.body as { user: Record<string, unknown> }).user;
    if (body.domain_id !== undefined && body.domain_id !== current.domainId) throw new BadRequest('Cannot change Domain ID');
    if (body.id !== undefined && body.id !== current.id) throw new BadRequest('Cannot change user ID');
    const password = typeof body.password === 'string' ? body.password : undefined;
    if (password !== undefined) ctx.passwordPolicy.checkFormat(password);
    const now = new Date().toISOString();
    const options = validateOptions(body.options, current.options);
    const enabling = !current.enabled && bodyBool(body.enabled, current.enabled);
    const next: User = {
      ...current,
      name: typeof body.name === 'string' ? body.name : current.name,
      enabled: bodyBool(body.enabled, current.enabled),
      defaultProjectId: body.default_project_id === undefined ? current.defaultProjectId : await checkDefaultProject(body.default_project_id),
      extra: { ...current.extra, ...extrasOf(body, USER_RESERVED) },
      options,
      ...(password !== undefined ? { passwordHash: await ctx.hasher.hash(password), passwordCreatedAt: now, passwordExpiresAt: ctx.passwordPolicy.expiryFor(options, true) } : {}),
      // An admin enabling a user (or resetting its password) lifts a lockout.
      ...(enabling || password !== undefined ? { failedAuthCount: 0, failedAuthAt: null } : {}),
    };
    await ctx.users.update(next, password !== undefined);
    if (password !== undefined || (current.enabled && !next.enabled)) await ctx.revocations.revoke({ user_id: current.id });
    return { user: renderUser(ctx, next) };
  });

  app.delete<{ Params: { user_id: string } }>('/v3/users/:user_id', async (request, reply) => {
    const user = await ctx.users.find(request.params.user_id);
    if (!user) throw new NotFound(`Could not find user: ${request.params.user_id}.`);
    enforce(ctx, request, 'identity:delete_user', { user: { id: request.params.user_id, domain_id: user.domainId } });
    const trustIds = await ctx.trusts.idsInvolving(user.id);
    await ctx.db.transaction().execute(async (tx) => {
      await ctx.assignments.deleteForActor(user.id, tx);
      await tx.deleteFrom('application_credential').where('user_id', '=', user.id).execute();
      await tx.deleteFrom('access_rule').where('user_id', '=', user.id).execute();
      await tx.deleteFrom('credential').where('user_id', '=', user.id).execute();
      await tx.updateTable('trust').set({ deleted_at: new Date().toISOString() }).where('id', 'in', trustIds.length ? trustIds : ['']).execute();
      await ctx.users.delete(user.id, tx);
    });
    await ctx.revocations.revoke({ user_id: user.id });
    return reply.code(204).send();
  });

  // Self-service password change: needs no token (an expired password must still be changeable); the
  // original password is the proof.
  app.post<{ Params: { user_id: string } }>('/v3/users/:user_id/password', { config: { public: true }, schema: { body: schemas.userPasswordChange } }, async (request, reply) => {
    const body = (request.body as { user: { password: string; original_password: string } }).user;
    const user = await ctx.users.find(request.params.user_id);
    const ok = await ctx.hasher.verify(body.original_password, user?.passwordHash);
    if (!user || !ok || !user.enabled) throw new Unauthorized('Error when changing user password: The request you have made requires authentication.');
    if (user.options.lock_password === true) throw new BadRequest('You are not allowed to change the password of this user.');
    ctx.passwordPolicy.checkFormat(body.password);
    await ctx.passwordPolicy.checkSelfServiceChange(user, body.password);
    const now = new Date().toISOString();
    await ctx.users.update({
      ...user, passwordHash: await ctx.hasher.hash(body.password), passwordCreatedAt: now,
      passwordExpiresAt: ctx.passwordPolicy.expiryFor(user.options, false), failedAuthCount: 0, failedAuthAt: null,
    }, true);
    await ctx.revocations.revoke({ user_id: user.id });
    return reply.code(204).send();
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/groups', async (request) => {
    const user = await ctx.users.find(request.params.user_id);
    if (!user) throw new NotFound(`Could not find user: ${request.params.user_id}.`);
    enforce(ctx, request, 'identity:list_groups_for_user', { user: { id: request.params.user_id, domain_id: user.domainId } });
    const q = query(request);
    const groups = (await ctx.users.listGroups({ ids: await ctx.users.groupIdsOf(user.id) }))
      .filter((g) => (q.name === undefined || g.name === q.name) && inexactMatch(q, 'name', g.name));
    return listBody(ctx, request, 'groups', groups.map((g) => renderGroup(ctx, g)));
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/projects', async (request) => {
    const user = await ctx.users.find(request.params.user_id);
    if (!user) throw new NotFound(`Could not find user: ${request.params.user_id}.`);
    enforce(ctx, request, 'identity:list_user_projects', { user: { id: request.params.user_id, domain_id: user.domainId } });
    const q = query(request);
    const projects = (await projectsWithRoles(ctx, user.id, { includeDisabled: true }))
      .filter((p) => (q.name === undefined || p.name === q.name) && (q.enabled === undefined || p.enabled === queryBool(q.enabled)));
    return listBody(ctx, request, 'projects', projects.map((p) => renderProject(ctx, p)));
  });

  // --- groups ---

  app.get('/v3/groups', async (request) => {
    const q = query(request);
    enforce(ctx, request, 'identity:list_groups', q.domain_id !== undefined ? { group: { domain_id: q.domain_id } } : {});
    const groups = (await ctx.users.listGroups({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
    })).filter((g) => inexactMatch(q, 'name', g.name));
    return listBody(ctx, request, 'groups', groups.map((g) => renderGroup(ctx, g)));
  });

  app.post('/v3/groups', { schema: { body: schemas.groupCreate } }, async (request, reply) => {
    const body = (request.body as { group: Record<string, unknown> }).group;
    const domainId = typeof body.domain_id === 'string' ? body.domain_id : callerDomainId(request);
    enforce(ctx, request, 'identity:create_group', { group: { domain_id: domainId } });
    const domain = await ctx.resources.find(domainId);
    if (!domain?.isDomain) throw new NotFound(`Could not find domain: ${domainId}.`);
    const group: Group = {
      id: newHexId(),
      name: String(body.name),
      domainId,
      description: typeof body.description === 'string' ? body.description : '',
      extra: extrasOf(body, GROUP_RESERVED),
    };
    await ctx.users.insertGroup(group);
    return reply.code(201).send({ group: renderGroup(ctx, group) });
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id', async (request) => {
    const group = await ctx.users.findGroup(request.params.id);
    if (!group) throw new NotFound(`Could not find group: ${request.params.id}.`);
    enforce(ctx, request, 'identity:get_group', { group: { id: request.params.id, domain_id: group.domainId } });
    return { group: renderGroup(ctx, group) };
  });

  app.patch<{ Params: { id: string } }>('/v3/groups/:id', { schema: { body: schemas.groupUpdate } }, async (request) => {
    const group = await ctx.users.findGroup(request.params.id);
    if (!group) throw new NotFound(`Could not find group: ${request.params.id}.`);
    enforce(ctx, request, 'identity:update_group', { group: { id: request.params.id, domain_id: group.domainId } });
    const body = (request.body as { group: Record<string, unknown> }).group;
    if (body.domain_id !== undefined && body.domain_id !== group.domainId) throw new BadRequest('Cannot change Domain ID');
    const next: Group = {
      ...group,
      name: typeof body.name === 'string' ? body.name : group.name,
      description: typeof body.description === 'string' ? body.description : body.description === null ? '' : group.description,
      extra: { ...group.extra, ...extrasOf(body, GROUP_RESERVED) },
    };
    await ctx.users.updateGroup(next);
    return { group: renderGroup(ctx, next) };
  });

  app.delete<{ Params: { id: string } }>('/v3/groups/:id', async (request, reply) => {
    const group = await ctx.users.findGroup(request.params.id);
    if (!group) throw new NotFound(`Could not find group: ${request.params.id}.`);
    enforce(ctx, request, 'identity:delete_group', { group: { id: request.params.id, domain_id: group.domainId } });
    await ctx.db.transaction().execute(async (tx) => {
      await ctx.assignments.deleteForActor(group.id, tx);
      await ctx.users.deleteGroup(group.id, tx);
    });
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id/users', async (request) => {
    const group = await ctx.users.findGroup(request.params.id);
    if (!group) throw new NotFound(`Could not find group: ${request.params.id}.`);
    enforce(ctx, request, 'identity:list_users_in_group', { group: { id: request.params.id, domain_id: group.domainId } });
    const q = query(request);
    const expiry = passwordExpiryFilter(q.password_expires_at);
    const users = (await ctx.users.list({ ids: await ctx.users.memberIdsOf(group.id) })).filter((u) => !expiry || expiry(u));
    return listBody(ctx, request, 'users', users.map((u) => renderUser(ctx, u)));
  });

  type MemberParams = { id: string; userId: string };
  async function membership(request: { params: MemberParams }, action: string, req: Parameters<typeof enforce>[1]): Promise<{ group: Group; user: User }> {
    const group = await ctx.users.findGroup(request.params.id);
    const user = await ctx.users.find(request.params.userId);
    if (!group) throw new NotFound(`Could not find group: ${request.params.id}.`);
    if (!user) throw new NotFound(`Could not find user: ${request.params.userId}.`);
    enforce(ctx, req, action, {
      group: { id: group.id, domain_id: group.domainId },
      user: { id: user.id, domain_id: user.domainId },
    });
    return { group, user };
  }

  app.put<{ Params: MemberParams }>('/v3/groups/:id/users/:userId', async (request, reply) => {
    const { group, user } = await membership(request, 'identity:add_user_to_group', request);
    await ctx.users.addMember(group.id, user.id);
    return reply.code(204).send();
  });

  const checkMember = async (request: import('fastify').FastifyRequest<{ Params: MemberParams }>, reply: import('fastify').FastifyReply) => {
    const { group, user } = await membership(request, 'identity:check_user_in_group', request);
    if (!(await ctx.users.isMember(group.id, user.id))) throw new NotFound(`User ${user.id} is not a member of group ${group.id}.`);
    return reply.code(204).send();
  };
  app.head<{ Params: MemberParams }>('/v3/groups/:id/users/:userId', checkMember);
  app.get<{ Params: MemberParams }>('/v3/groups/:id/users/:userId', { exposeHeadRoute: false }, checkMember);

  app.delete<{ Params: MemberParams }>('/v3/groups/:id/users/:userId', async (request, reply) => {
    const { group, user } = await membership(request, 'identity:remove_user_from_group', request);
    if (!(await ctx.users.removeMember(group.id, user.id))) throw new NotFound(`User ${user.id} is not a member of group ${group.id}.`);
    return reply.code(204).send();
  });
}
