/**
 * Application credentials (/v3/users/{id}/application_credentials) and their access rules
 * (/v3/users/{id}/access_rules).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import { newHexId, randomToken } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { keystoneTime, parseTimestamp, type AccessRule, type ApplicationCredential, type Role } from '../model.js';

type Params = { user_id: string; id: string };

function renderAccessRule(ctx: IdentityContext, r: AccessRule): Record<string, unknown> {
  return { id: r.id, service: r.service, path: r.path, method: r.method, links: { self: link(ctx, `users/${r.userId}/access_rules/${r.id}`) } };
}

async function render(ctx: IdentityContext, a: ApplicationCredential, secret?: string): Promise<Record<string, unknown>> {
  const roles = await ctx.assignments.listRoles({ ids: a.roleIds });
  const rules = await ctx.appCreds.listAccessRules(a.userId, a.accessRuleIds);
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    user_id: a.userId,
    project_id: a.projectId,
    system: a.system,
    // Keystone returns application credentials' expiry without a zone, microseconds kept.
    expires_at: a.expiresAt ? keystoneTime(a.expiresAt).replace(/Z$/, '') : null,
    unrestricted: a.unrestricted,
    roles: roles.map((r: Role) => ({ id: r.id, name: r.name, domain_id: r.domainId })),
    access_rules: rules.map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method })),
    ...(secret !== undefined ? { secret } : {}),
    links: { self: link(ctx, `users/${a.userId}/application_credentials/${a.id}`) },
  };
}

function parseExpiry(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const t = parseTimestamp(raw);
  if (t === undefined) throw new BadRequest(`Invalid input for field 'expires_at': ${JSON.stringify(raw)} is not a valid timestamp`);
  return t;
}

export function appCredRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  app.post<{ Params: { user_id: string } }>('/v3/users/:user_id/application_credentials', { schema: { body: schemas.applicationCredentialCreate } }, async (request, reply) => {
    const auth = enforce(ctx, request, 'identity:create_application_credential');
    if (auth.scope.kind !== 'project') throw new Forbidden('Application credentials must be created with a project-scoped token.');
    if (auth.trust) throw new Forbidden('Trust-scoped tokens cannot create application credentials.');
    if (auth.applicationCredential?.restricted) throw new Forbidden('A restricted application credential cannot create application credentials.');
    if (auth.oauth1) throw new Forbidden('OAuth1-delegated tokens cannot create application credentials.');
    const body = (request.body as { application_credential: Record<string, unknown> }).application_credential;
    const projectId = auth.scope.project.id;
    const tokenRoles = auth.roles;
    let roleIds: string[];
    if (Array.isArray(body.roles) && body.roles.length > 0) {
      roleIds = [];
      for (const ref of body.roles as Array<{ id?: string; name?: string; domain_id?: string | null }>) {
        const held = tokenRoles.find((r) => (ref.id !== undefined ? r.id === ref.id : r.name === ref.name));
        if (!held) throw new BadRequest(`Invalid application credential: the user does not hold role ${ref.id ?? ref.name ?? ''} on project ${projectId}.`);
        if (!roleIds.includes(held.id)) roleIds.push(held.id);
      }
    } else {
      roleIds = tokenRoles.map((r) => r.id);
    }
    const userId = auth.user.id;
    const existingRules = await ctx.appCreds.listAccessRules(userId);
    const newRules: AccessRule[] = [];
    const ruleIds: string[] = [];
    for (const raw of Array.isArray(body.access_rules) ? (body.access_rules as Array<Record<string, unknown>>) : []) {
      if (typeof raw.id === 'string' && raw.service === undefined) {
        if (!existingRules.some((r) => r.id === raw.id)) throw new BadRequest(`Access rule ${raw.id} does not exist.`);
        ruleIds.push(raw.id);
        continue;
      }
      const rule = { service: String(raw.service), path: String(raw.path), method: String(raw.method) };
      const found = [...existingRules, ...newRules].find((r) => r.service === rule.service && r.path === rule.path && r.method === rule.method);
      if (found) { ruleIds.push(found.id); continue; }
      const created: AccessRule = { id: typeof raw.id === 'string' ? raw.id : newHexId(), userId, ...rule };
      newRules.push(created);
      ruleIds.push(created.id);
    }
    const secret = typeof body.secret === 'string' && body.secret !== '' ? body.secret : randomToken(64);
    const cred: ApplicationCredential = {
      id: newHexId(),
      name: String(body.name),
      secretHash: await ctx.hasher.hash(secret),
      description: typeof body.description === 'string' ? body.description : null,
      userId,
      projectId,
      system: null,
      expiresAt: parseExpiry(body.expires_at),
      unrestricted: body.unrestricted === true,
      roleIds,
      accessRuleIds: [...new Set(ruleIds)],
      createdAt: new Date().toISOString(),
    };
    await ctx.appCreds.insert(cred, newRules);
    return reply.code(201).send({ application_credential: await render(ctx, cred, secret) });
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/application_credentials', async (request) => {
    enforce(ctx, request, 'identity:list_application_credentials');
    const q = query(request);
    const creds = await ctx.appCreds.list(request.params.user_id, q.name !== undefined ? { name: q.name } : {});
    return listBody(ctx, request, 'application_credentials', await Promise.all(creds.map((c) => render(ctx, c))));
  });

  app.get<{ Params: Params }>('/v3/users/:user_id/application_credentials/:id', async (request) => {
    enforce(ctx, request, 'identity:get_application_credential');
    return { application_credential: await render(ctx, await ctx.appCreds.get(request.params.user_id, request.params.id)) };
  });

  app.delete<{ Params: Params }>('/v3/users/:user_id/application_credentials/:id', async (request, reply) => {
    const auth = enforce(ctx, request, 'identity:delete_application_credential');
    if (auth.applicationCredential?.restricted) throw new Forbidden('A restricted application credential cannot delete application credentials.');
    const cred = await ctx.appCreds.get(request.params.user_id, request.params.id);
    await ctx.appCreds.delete(cred.id);
    return reply.code(204).send();
  });

  // --- access rules ---

  async function ruleTarget(request: FastifyRequest<{ Params: { user_id: string } }>, action: string): Promise<void> {
    enforce(ctx, request, action, { user: { id: request.params.user_id } });
  }

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/access_rules', async (request) => {
    await ruleTarget(request, 'identity:list_access_rules');
    const q = query(request);
    const rules = (await ctx.appCreds.listAccessRules(request.params.user_id))
      .filter((r) => (q.service === undefined || r.service === q.service) && (q.path === undefined || r.path === q.path) && (q.method === undefined || r.method === q.method));
    return listBody(ctx, request, 'access_rules', rules.map((r) => renderAccessRule(ctx, r)));
  });

  app.get<{ Params: Params }>('/v3/users/:user_id/access_rules/:id', async (request) => {
    await ruleTarget(request, 'identity:get_access_rule');
    const rule = (await ctx.appCreds.listAccessRules(request.params.user_id, [request.params.id]))[0];
    if (!rule) throw new NotFound(`Could not find access rule: ${request.params.id}.`);
    return { access_rule: renderAccessRule(ctx, rule) };
  });

  app.delete<{ Params: Params }>('/v3/users/:user_id/access_rules/:id', async (request, reply) => {
    await ruleTarget(request, 'identity:delete_access_rule');
    const rule = (await ctx.appCreds.listAccessRules(request.params.user_id, [request.params.id]))[0];
    if (!rule) throw new NotFound(`Could not find access rule: ${request.params.id}.`);
    if (await ctx.appCreds.accessRuleInUse(rule.id)) throw new Forbidden(`Access rule ${rule.id} is in use by an application credential and cannot be deleted.`);
    await ctx.appCreds.deleteAccessRule(rule.id);
    return reply.code(204).send();
  });
}
