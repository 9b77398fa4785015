/**
 * Finding the stack a path names. `/stacks/{name_or_id}` (and its sub-paths) answer 302 with the
 * canonical `/stacks/{name}/{id}` as Heat's lookup does, whatever the method; a canonical path whose name
 * and id disagree, or a stack of another project, is a 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf, requestBase, type Caller, type OrchestrationContext } from '../context.js';
import { stackNotFound } from '../errors.js';
import type { Stack } from '../model.js';
import { findStackByName, getStack } from '../store.js';
import { stackUrl } from './render.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The live stack a name or id names in the caller's project (any project for admins' global views). */
export async function lookupStack(ctx: OrchestrationContext, caller: Caller, nameOrId: string): Promise<Stack> {
  let s = UUID.test(nameOrId) ? await getStack(ctx.db, nameOrId) : undefined;
  if (!s) s = await findStackByName(ctx.db, caller.projectId, nameOrId);
  if (!s || s.projectId !== caller.projectId) throw stackNotFound(nameOrId);
  return s;
}

/** The stack of a canonical `/stacks/{name}/{id}` path; deleted stacks are found by id (show_deleted semantics). */
export async function canonicalStack(ctx: OrchestrationContext, caller: Caller, name: string, id: string): Promise<Stack> {
  const s = await getStack(ctx.db, id, { withDeleted: true });
  if (!s || s.projectId !== caller.projectId || (s.name !== name && s.id !== name)) throw stackNotFound(name);
  return s;
}

type LookupParams = { Params: { tenant: string; name: string; '*'?: string; sub?: string } };

/** Sub-paths a lookup redirects (heat/api/openstack/v1/__init__.py's stack_lookup_subpath, plus outputs and export). */
const SUBPATHS = ['resources', 'events', 'template', 'environment', 'files', 'outputs', 'actions', 'export', 'abandon', 'snapshots'];

async function redirect(ctx: OrchestrationContext, request: FastifyRequest<LookupParams>, reply: FastifyReply, rest: string): Promise<FastifyReply> {
  const caller = callerOf(ctx, request, request.params.tenant);
  caller.authorize('stacks:lookup');
  const s = await lookupStack(ctx, caller, request.params.name);
  const raw = request.raw.url ?? '';
  const query = raw.includes('?') ? raw.slice(raw.indexOf('?')) : '';
  const location = `${stackUrl(requestBase(ctx, request), s)}${rest}${query}`;
  return reply.code(302).header('location', location).send({ location });
}

export function lookupRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  app.route<LookupParams>({ method: [...methods], url: '/v1/:tenant/stacks/:name', handler: (req, reply) => redirect(ctx, req, reply, '') });
  for (const sub of SUBPATHS) {
    app.route<LookupParams>({ method: [...methods], url: `/v1/:tenant/stacks/:name/${sub}`, handler: (req, reply) => redirect(ctx, req, reply, `/${sub}`) });
    app.route<LookupParams>({ method: [...methods], url: `/v1/:tenant/stacks/:name/${sub}/*`, handler: (req, reply) => redirect(ctx, req, reply, `/${sub}/${req.params['*'] ?? ''}`) });
  }
}
