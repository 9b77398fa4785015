/**
 * Token routes (`/v3/auth/*`) and the revocation event feed other services poll.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { authTokenRequest } from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { keystoneTime, queryBool } from '../model.js';
import { Authenticator, type AuthRequest } from './authenticate.js';
import type { ValidatedToken } from '../tokens/service.js';
import { renderDomain, renderProject } from '../resource/render.js';

function subjectToken(request: FastifyRequest): string {
  const t = request.headers['x-subject-token'];
  if (typeof t !== 'string' || t === '') throw new BadRequest('X-Subject-Token header is required.');
  return t;
}

export function authRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const authenticator = new Authenticator(ctx);

  app.post('/v3/auth/tokens', { config: { public: true }, schema: { body: authTokenRequest } }, async (request, reply) => {
    const body = request.body as { auth: AuthRequest };
    const issued = await authenticator.authenticate(body.auth, request);
    if ('nocatalog' in query(request)) delete issued.body.catalog;
    return reply.code(201).header('x-subject-token', issued.token).send({ token: issued.body });
  });

  /** Validates the subject token for GET/HEAD; a bad subject is 404, as in Keystone. */
  async function validateSubject(request: FastifyRequest, action: string): Promise<ValidatedToken & { token: string }> {
    const token = subjectToken(request);
    const q = query(request);
    let validated: ValidatedToken;
    try {
      validated = await ctx.tokens.validate(token, {
        includeCatalog: !('nocatalog' in q),
        allowExpired: q.allow_expired !== undefined && queryBool(q.allow_expired),
      });
    } catch (err) {
      // As Keystone: an invalid subject is "not found" before any policy check.
      if (err instanceof Unauthorized) throw new NotFound('Could not find token: the token is invalid, expired or revoked.');
      throw err;
    }
    enforce(ctx, request, action, { token: { user_id: validated.payload.userId } });
    return { ...validated, token };
  }

  app.get('/v3/auth/tokens', { exposeHeadRoute: false }, async (request, reply) => {
    const v = await validateSubject(request, 'identity:validate_token');
    return reply.header('x-subject-token', v.token).send({ token: v.body });
  });

  app.head('/v3/auth/tokens', async (request, reply) => {
    const v = await validateSubject(request, 'identity:check_token');
    return reply.code(200).header('x-subject-token', v.token).send();
  });

  app.delete('/v3/auth/tokens', async (request, reply) => {
    const token = subjectToken(request);
    let payload;
    try {
      payload = (await ctx.tokens.validate(token, { includeCatalog: false })).payload;
    } catch (err) {
      if (err instanceof Unauthorized) throw new NotFound('Could not find token: the token is invalid, expired or revoked.');
      throw err;
    }
    enforce(ctx, request, 'identity:revoke_token', { token: { user_id: payload.userId } });
    // Revoking a token revokes every token rescoped from it: their audit chains contain its audit id.
    await ctx.revocations.revoke({ audit_id: payload.auditIds[0]! });
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (request) => {
    enforce(ctx, request, 'identity:get_auth_catalog');
    const auth = authOf(request);
    if (auth.scope.kind === 'unscoped') throw new Forbidden('A catalog is only available for scoped tokens.');
    const v = await ctx.tokens.validate(auth.token, { includeCatalog: true });
    return { catalog: v.body.catalog ?? [], links: { self: link(ctx, 'auth/catalog'), previous: null, next: null } };
  });

  app.get('/v3/auth/projects', async (request) => {
    enforce(ctx, request, 'identity:get_auth_projects');
    const auth = authOf(request);
    const projects = await projectsWithRoles(ctx, auth.user.id);
    return listBody(ctx, request, 'projects', projects.map((p) => renderProject(ctx, p)));
  });

  app.get('/v3/auth/domains', async (request) => {
    enforce(ctx, request, 'identity:get_auth_domains');
    const auth = authOf(request);
    const domains = await domainsWithRoles(ctx, auth.user.id);
    return listBody(ctx, request, 'domains', domains.map((d) => renderDomain(ctx, d)));
  });

  app.get('/v3/auth/system', async (request) => {
    enforce(ctx, request, 'identity:get_auth_system');
    const auth = authOf(request);
    const roles = await ctx.resolver.effectiveRoleIds(auth.user.id, { kind: 'system' });
    return { system: roles.length > 0 ? [{ all: true }] : [], links: { self: link(ctx, 'auth/system'), previous: null, next: null } };
  });

  app.get('/v3/OS-REVOKE/events', async (request) => {
    enforce(ctx, request, 'identity:list_revoke_events');
    const q = query(request);
    let since: Date | undefined;
    if (q.since !== undefined) {
      since = new Date(q.since);
      if (Number.isNaN(since.getTime())) throw new BadRequest(`Invalid input for field 'since': ${q.since} is not a timestamp.`);
    }
    const events = ctx.revocations.list(since).map((e) => ({ ...e, issued_before: keystoneTime(e.issued_before), revoked_at: keystoneTime(e.revoked_at ?? e.issued_before) }));
    return { events, links: { self: link(ctx, 'OS-REVOKE/events'), previous: null, next: null } };
  });
}

/** Enabled projects (in enabled domains) on which the user has at least one effective role. */
export async function projectsWithRoles(ctx: IdentityContext, userId: string, opts: { includeDisabled?: boolean } = {}) {
  const actorIds = [userId, ...(await ctx.users.groupIdsOf(userId))];
  const assignments = await ctx.assignments.list({ actorIds });
  const candidates = new Set<string>();
  const inheritedFrom = new Set<string>();
  for (const a of assignments) {
    if (a.target === 'system') continue;
    if (!a.inherited && a.target === 'project') candidates.add(a.targetId);
    if (a.inherited) inheritedFrom.add(a.targetId);
  }
  for (const source of inheritedFrom) {
    const below = await ctx.resources.subtree(source);
    for (const p of below) if (!p.isDomain) candidates.add(p.id);
  }
  const projects = await ctx.resources.list({ ids: [...candidates], isDomain: false });
  const out = [];
  for (const p of projects) {
    if (!opts.includeDisabled) {
      if (!p.enabled) continue;
      const domain = await ctx.resources.find(p.domainId);
      if (!domain?.enabled) continue;
    }
    if ((await ctx.resolver.effectiveRoleIds(userId, { kind: 'project', project: p })).length > 0) out.push(p);
  }
  return out;
}

/** Enabled domains on which the user (or one of its groups) has a role. */
export async function domainsWithRoles(ctx: IdentityContext, userId: string) {
  const actorIds = [userId, ...(await ctx.users.groupIdsOf(userId))];
  const assignments = await ctx.assignments.list({ actorIds, target: 'domain', inherited: false });
  const domains = await ctx.resources.list({ ids: [...new Set(assignments.map((a) => a.targetId))], isDomain: true });
  return domains.filter((d) => d.enabled);
}
