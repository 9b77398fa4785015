/**
 * OS-TRUST: /v3/OS-TRUST/trusts. Trust-scoped tokens are issued by POST /v3/auth/tokens.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { keystoneTime, parseTimestamp, type Role, type Trust } from '../model.js';
import { renderRole } from '../assignment/routes.js';

function renderTrust(ctx: IdentityContext, t: Trust, roles: Role[] | undefined): Record<string, unknown> {
  return {
    ...t.extra,
    id: t.id,
    trustor_user_id: t.trustorUserId,
    trustee_user_id: t.trusteeUserId,
    project_id: t.projectId,
    impersonation: t.impersonation,
    expires_at: t.expiresAt ? keystoneTime(t.expiresAt) : null,
    remaining_uses: t.remainingUses,
    redelegated_trust_id: t.redelegatedTrustId,
    redelegation_count: t.redelegationCount ?? 0,
    allow_redelegation: (t.redelegationCount ?? 0) > 0,
    ...(roles ? { roles: roles.map((r) => renderRole(ctx, r)), roles_links: { self: link(ctx, `OS-TRUST/trusts/${t.id}/roles`), previous: null, next: null } } : {}),
    links: { self: link(ctx, `OS-TRUST/trusts/${t.id}`) },
  };
}

/** Keystone's `[trust] max_redelegation_count`: how deep a chain of redelegated trusts may go. */
export const MAX_REDELEGATION_COUNT = 3;

/** Keystone accepts ISO-8601 timestamps; anything else is a 400. */
function parseExpiry(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const t = parseTimestamp(raw);
  if (t === undefined) throw new BadRequest(`Invalid input for field 'expires_at': ${JSON.stringify(raw)} is not a valid timestamp`);
  return t;
}

export function trustRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  async function loadTrust(request: FastifyRequest<{ Params: { id: string } }>, action: string): Promise<Trust> {
    const trust = await ctx.trusts.find(request.params.id);
    if (!trust || (trust.expiresAt && Date.parse(trust.expiresAt) <= Date.now())) throw new NotFound(`Could not find trust: ${request.params.id}.`);
    enforce(ctx, request, action, { trust: { trustor_user_id: trust.trustorUserId, trustee_user_id: trust.trusteeUserId } });
    return trust;
  }

  app.post('/v3/OS-TRUST/trusts', { schema: { body: schemas.trustCreate } }, async (request, reply) => {
    const body = (request.body as { trust: Record<string, unknown> }).trust;
    const auth = enforce(ctx, request, 'identity:create_trust', { trust: { trustor_user_id: body.trustor_user_id } });
    if (auth.user.id !== body.trustor_user_id) throw new Forbidden('The authenticated user should match the trustor.');
    // A trust-scoped token may delegate further only what its own trust lets it (Keystone's redelegation).
    const parent = auth.trust ? await ctx.trusts.find(auth.trust.id) : undefined;
    if (auth.trust && !parent) throw new Forbidden('Redelegation allowed for delegated by trust only.');
    if (auth.applicationCredential?.restricted) throw new Forbidden('A restricted application credential cannot create trusts.');
    if (auth.oauth1) throw new Forbidden('OAuth1-delegated tokens cannot create trusts.');
    const trustee = await ctx.users.find(String(body.trustee_user_id));
    if (!trustee) throw new NotFound(`Could not find user: ${String(body.trustee_user_id)}.`);
    const projectId = typeof body.project_id === 'string' ? body.project_id : null;
    const roleRefs = Array.isArray(body.roles) ? (body.roles as Array<{ id?: string; name?: string }>) : [];
    if (projectId === null && roleRefs.length > 0) throw new Forbidden('A trust without a project cannot delegate roles.');
    if (projectId !== null && roleRefs.length === 0) throw new Forbidden('At least one role should be specified.');
    const remaining = body.remaining_uses === undefined || body.remaining_uses === null ? null : Number(body.remaining_uses);
    if (remaining !== null && (!Number.isInteger(remaining) || remaining <= 0)) throw new BadRequest("Invalid input for field 'remaining_uses': must be a positive integer or null");
    let expiresAt = parseExpiry(body.expires_at);
    const redelegatable = body.allow_redelegation === true && body.redelegation_count !== 0;
    const requestedCount = typeof body.redelegation_count === 'number' ? body.redelegation_count : null;
    if (redelegatable) {
      if (requestedCount !== null && requestedCount > MAX_REDELEGATION_COUNT) throw new Forbidden(`Requested redelegation depth of ${requestedCount} is greater than allowed ${MAX_REDELEGATION_COUNT}.`);
      if (remaining !== null) throw new BadRequest('remaining_uses must not be set if redelegation is allowed.');
    }
    let redelegationCount = redelegatable ? requestedCount ?? MAX_REDELEGATION_COUNT : 0;
    if (parent) {
      const depth = parent.redelegationCount ?? 0;
      if (!(depth > 0 && depth <= MAX_REDELEGATION_COUNT)) throw new Forbidden(`Remaining redelegation depth of ${depth} out of allowed range of [0..${MAX_REDELEGATION_COUNT}].`);
      if (remaining !== null) throw new Forbidden(`Field "remaining_uses" is set to ${remaining} while it must not be set in order to redelegate a trust.`);
      if (redelegatable && requestedCount !== null && requestedCount !== depth - 1) throw new Forbidden('Modifying "redelegation_count" upon redelegation is forbidden. Omitting this parameter is advised.');
      if (projectId !== parent.projectId) throw new Forbidden('A redelegated trust must be on the project of the trust it comes from.');
      if (parent.expiresAt && expiresAt && Date.parse(expiresAt) > Date.parse(parent.expiresAt)) throw new Forbidden('Requested expiration time is more than redelegated trust can provide.');
      expiresAt ??= parent.expiresAt;
      if (!parent.impersonation && body.impersonation === true) throw new Forbidden(`Impersonation is not allowed because redelegated trust does not specify impersonation. Redelegated trust id: ${parent.id}`);
      redelegationCount = redelegatable ? depth - 1 : 0;
    }

    const roles: Role[] = [];
    if (projectId !== null) {
      const project = await ctx.resources.find(projectId);
      if (!project || project.isDomain) throw new NotFound(`Could not find project: ${projectId}.`);
      const held = new Set(await ctx.resolver.effectiveRoleIds(auth.user.id, { kind: 'project', project }));
      for (const ref of roleRefs) {
        const role = ref.id !== undefined ? await ctx.assignments.findRole(ref.id)
          : ref.name !== undefined ? await ctx.assignments.findRoleByName(ref.name, null) : undefined;
        if (!role) throw new NotFound(`Could not find role: ${ref.id ?? ref.name ?? ''}.`);
        // Keystone answers a role the trustor does not hold like an unknown one.
        if (!held.has(role.id)) throw new NotFound(`Could not find role: ${role.id} (the trustor does not hold it on project ${projectId}).`);
        if (!roles.some((r) => r.id === role.id)) roles.push(role);
      }
      if (parent && !roles.every((r) => parent.roleIds.includes(r.id))) throw new Forbidden('Some of requested roles are not in redelegated trust.');
    }
    const trust: Trust = {
      id: newHexId(),
      trustorUserId: auth.user.id,
      trusteeUserId: trustee.id,
      projectId,
      impersonation: body.impersonation === true,
      expiresAt,
      remainingUses: remaining,
      redelegatedTrustId: parent?.id ?? null,
      redelegationCount,
      roleIds: roles.map((r) => r.id),
      extra: {},
    };
    await ctx.trusts.insert(trust);
    return reply.code(201).send({ trust: renderTrust(ctx, trust, roles) });
  });

  app.get('/v3/OS-TRUST/trusts', async (request) => {
    const q = query(request);
    let trusts: Trust[];
    if (q.trustor_user_id !== undefined) {
      enforce(ctx, request, 'identity:list_trusts_for_trustor', { trust: { trustor_user_id: q.trustor_user_id } });
      trusts = await ctx.trusts.list({ trustorUserId: q.trustor_user_id, ...(q.trustee_user_id !== undefined ? { trusteeUserId: q.trustee_user_id } : {}) });
    } else if (q.trustee_user_id !== undefined) {
      enforce(ctx, request, 'identity:list_trusts_for_trustee', { trust: { trustee_user_id: q.trustee_user_id } });
      trusts = await ctx.trusts.list({ trusteeUserId: q.trustee_user_id });
    } else {
      enforce(ctx, request, 'identity:list_trusts');
      trusts = await ctx.trusts.list();
    }
    const live = trusts.filter((t) => !t.expiresAt || Date.parse(t.expiresAt) > Date.now());
    return listBody(ctx, request, 'trusts', live.map((t) => renderTrust(ctx, t, undefined)));
  });

  app.get<{ Params: { id: string } }>('/v3/OS-TRUST/trusts/:id', async (request) => {
    const trust = await loadTrust(request, 'identity:get_trust');
    return { trust: renderTrust(ctx, trust, await ctx.assignments.listRoles({ ids: trust.roleIds })) };
  });

  app.delete<{ Params: { id: string } }>('/v3/OS-TRUST/trusts/:id', async (request, reply) => {
    const trust = await loadTrust(request, 'identity:delete_trust');
    // The trusts redelegated from it go with it (and theirs), as in Keystone.
    const at = new Date().toISOString();
    const doomed = [trust.id];
    for (let i = 0; i < doomed.length; i++) {
      for (const child of await ctx.trusts.list({ trustorUserId: trust.trustorUserId })) {
        if (child.redelegatedTrustId === doomed[i] && !doomed.includes(child.id)) doomed.push(child.id);
      }
    }
    for (const id of doomed) {
      await ctx.trusts.softDelete(id, at);
      await ctx.revocations.revoke({ trust_id: id });
    }
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v3/OS-TRUST/trusts/:id/roles', async (request) => {
    const trust = await loadTrust(request, 'identity:list_roles_for_trust');
    const roles = await ctx.assignments.listRoles({ ids: trust.roleIds });
    return listBody(ctx, request, 'roles', roles.map((r) => renderRole(ctx, r)));
  });

  const oneRole = async (request: FastifyRequest<{ Params: { id: string; roleId: string } }>) => {
    const trust = await loadTrust(request, 'identity:get_role_for_trust');
    if (!trust.roleIds.includes(request.params.roleId)) throw new NotFound(`Could not find role: ${request.params.roleId}.`);
    return trust;
  };
  app.get<{ Params: { id: string; roleId: string } }>('/v3/OS-TRUST/trusts/:id/roles/:roleId', { exposeHeadRoute: false }, async (request) => {
    await oneRole(request);
    return { role: renderRole(ctx, await ctx.assignments.getRole(request.params.roleId)) };
  });
  app.head<{ Params: { id: string; roleId: string } }>('/v3/OS-TRUST/trusts/:id/roles/:roleId', async (request, reply) => {
    await oneRole(request);
    return reply.code(200).send();
  });
}
