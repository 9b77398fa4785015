/**
 * /v3/policies (opaque policy blobs that services may fetch) and OS-ENDPOINT-POLICY, which says which
 * blob applies to an endpoint, a service, or a service in a region.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { extrasOf } from '../resource/service.js';
import { renderEndpoint } from '../catalog/routes.js';
import { PolicyStore, type Policy, type PolicyTarget } from './store.js';
import { endpointsForPolicy, policyForEndpoint } from './resolution.js';

const RESERVED = new Set(['id', 'type', 'blob', 'links']);

function renderPolicy(ctx: IdentityContext, p: Policy): Record<string, unknown> {
  return { ...p.extra, id: p.id, type: p.type, blob: p.blob, links: { self: link(ctx, `policies/${p.id}`) } };
}

type AssocParams = { policy_id: string; endpoint_id?: string; service_id?: string; region_id?: string };

export function policyRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new PolicyStore(ctx.db);

  app.get('/v3/policies', async (request) => {
    enforce(ctx, request, 'identity:list_policies');
    const q = query(request);
    const policies = await store.list(q.type !== undefined ? { type: q.type } : {});
    return listBody(ctx, request, 'policies', policies.map((p) => renderPolicy(ctx, p)));
  });

  app.post('/v3/policies', { schema: { body: schemas.policyCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_policy');
    const body = (request.body as { policy: Record<string, unknown> }).policy;
    const policy: Policy = { id: newHexId(), type: String(body.type), blob: String(body.blob), extra: extrasOf(body, RESERVED) };
    await store.insert(policy);
    return reply.code(201).send({ policy: renderPolicy(ctx, policy) });
  });

  app.get<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', async (request) => {
    enforce(ctx, request, 'identity:get_policy');
    return { policy: renderPolicy(ctx, await store.get(request.params.policy_id)) };
  });

  app.patch<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', { schema: { body: schemas.policyUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_policy');
    const body = (request.body as { policy: Record<string, unknown> }).policy;
    if (body.id !== undefined && body.id !== request.params.policy_id) throw new BadRequest('Cannot change policy ID');
    const current = await store.get(request.params.policy_id);
    const next: Policy = {
      ...current,
      type: typeof body.type === 'string' ? body.type : current.type,
      blob: typeof body.blob === 'string' ? body.blob : current.blob,
      extra: { ...current.extra, ...extrasOf(body, RESERVED) },
    };
    return { policy: renderPolicy(ctx, await store.update(next)) };
  });

  app.delete<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_policy');
    await store.get(request.params.policy_id);
    await store.delete(request.params.policy_id);
    return reply.code(204).send();
  });

  // --- OS-ENDPOINT-POLICY ---

  /** Checks that the policy and the target named in the URL exist (404 otherwise) and returns the target. */
  async function resolveTarget(params: AssocParams): Promise<PolicyTarget> {
    await store.get(params.policy_id);
    if (params.endpoint_id !== undefined) {
      await ctx.catalog.getEndpoint(params.endpoint_id);
      return { kind: 'endpoint', endpointId: params.endpoint_id };
    }
    const serviceId = params.service_id ?? '';
    await ctx.catalog.getService(serviceId);
    if (params.region_id === undefined) return { kind: 'service', serviceId };
    await ctx.catalog.getRegion(params.region_id);
    return { kind: 'region', serviceId, regionId: params.region_id };
  }

  const associationPaths: Array<[string, string]> = [
    ['/v3/policies/:policy_id/OS-ENDPOINT-POLICY/endpoints/:endpoint_id', 'endpoint'],
    ['/v3/policies/:policy_id/OS-ENDPOINT-POLICY/services/:service_id', 'service'],
    ['/v3/policies/:policy_id/OS-ENDPOINT-POLICY/services/:service_id/regions/:region_id', 'region_and_service'],
  ];
  for (const [path, kind] of associationPaths) {
    app.put<{ Params: AssocParams }>(path, async (request, reply) => {
      enforce(ctx, request, `identity:create_policy_association_for_${kind}`);
      await store.associate(request.params.policy_id, await resolveTarget(request.params));
      return reply.code(204).send();
    });
    app.get<{ Params: AssocParams }>(path, async (request: FastifyRequest<{ Params: AssocParams }>, reply: FastifyReply) => {
      enforce(ctx, request, `identity:check_policy_association_for_${kind}`);
      const target = await resolveTarget(request.params);
      if ((await store.policyFor(target)) !== request.params.policy_id) throw new NotFound('Could not find policy association.');
      return reply.code(204).send();
    });
    app.delete<{ Params: AssocParams }>(path, async (request, reply) => {
      enforce(ctx, request, `identity:delete_policy_association_for_${kind}`);
      await store.dissociate(request.params.policy_id, await resolveTarget(request.params));
      return reply.code(204).send();
    });
  }

  app.get<{ Params: { policy_id: string } }>('/v3/policies/:policy_id/OS-ENDPOINT-POLICY/endpoints', async (request) => {
    enforce(ctx, request, 'identity:list_endpoints_for_policy');
    await store.get(request.params.policy_id);
    const endpoints = await endpointsForPolicy(store, ctx.catalog, request.params.policy_id);
    return listBody(ctx, request, 'endpoints', endpoints.map((e) => renderEndpoint(ctx, e)));
  });

  app.get<{ Params: { endpoint_id: string } }>('/v3/endpoints/:endpoint_id/OS-ENDPOINT-POLICY/policy', async (request) => {
    enforce(ctx, request, 'identity:get_policy_for_endpoint');
    const endpoint = await ctx.catalog.getEndpoint(request.params.endpoint_id);
    return { policy: renderPolicy(ctx, await policyForEndpoint(store, ctx.catalog, endpoint)) };
  });
}
