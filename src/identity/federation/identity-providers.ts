/**
 * /v3/OS-FEDERATION/identity_providers/{idp_id} and its protocols/{protocol_id}. An IdP lives in a
 * domain; when none is named, one is created for it in the same transaction, as Keystone does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, listBody, query, type IdentityContext } from '../context.js';
import { ROOT_DOMAIN_ID, queryBool, type Project } from '../model.js';
import { bodyBool } from '../resource/service.js';
import type { FederationStore, IdentityProvider, Protocol } from './store.js';
import { clientChosenId, renderIdp, renderProtocol } from './render.js';

type IdpParams = { idp_id: string };

/** Keystone reads a missing body as `{}` here, so validate an absent body as an empty object. */
async function absentBodyIsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
type ProtocolParams = { idp_id: string; protocol_id: string };

/** Largest authorization_ttl the integer column holds (the schema sets no upper bound). */
const MAX_TTL = 2147483647;

function ttlOf(raw: unknown, fallback: number | null): number | null {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number') return null;
  if (raw > MAX_TTL) throw new BadRequest(`Invalid input for field 'authorization_ttl': ${raw} is greater than the maximum of ${MAX_TTL}`);
  return raw;
}

function remoteIdsOf(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : [];
}

export function identityProviderRoutes(app: FastifyInstance, ctx: IdentityContext, store: FederationStore): void {
  app.put<{ Params: IdpParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id', { preValidation: absentBodyIsEmpty, schema: { body: schemas.identityProviderCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_identity_provider');
    const id = clientChosenId(request.params.idp_id, 'identity provider');
    const body = (request.body as { identity_provider?: Record<string, unknown> } | undefined)?.identity_provider ?? {};
    const named = typeof body.domain_id === 'string' && body.domain_id !== '' ? body.domain_id : null;
    const idp = await ctx.db.transaction().execute(async (trx) => {
      let domainId: string;
      if (named !== null) {
        const domain = await ctx.resources.find(named, trx);
        if (!domain?.isDomain) throw new NotFound(`Could not find domain: ${named}.`);
        domainId = domain.id;
      } else {
        // Federated users need a home; Keystone gives each such IdP a domain of its own.
        domainId = newHexId();
        const domain: Project = {
          id: domainId, name: domainId, description: `Auto generated federated domain for Identity Provider: ${id}`,
          enabled: true, domainId: ROOT_DOMAIN_ID, parentId: null, isDomain: true, tags: [], extra: {},
        };
        await ctx.resources.insert(domain, trx);
      }
      return store.insertIdp({
        id,
        domainId,
        enabled: bodyBool(body.enabled, false),
        description: typeof body.description === 'string' ? body.description : null,
        remoteIds: remoteIdsOf(body.remote_ids),
        authorizationTtl: ttlOf(body.authorization_ttl, null),
      }, trx);
    });
    return reply.code(201).send({ identity_provider: renderIdp(ctx, idp) });
  });

  app.get('/v3/OS-FEDERATION/identity_providers', async (request) => {
    enforce(ctx, request, 'identity:list_identity_providers');
    const q = query(request);
    const idps = await store.listIdps({
      ...(q.id !== undefined ? { id: q.id } : {}),
      ...(q.enabled !== undefined ? { enabled: queryBool(q.enabled) } : {}),
    });
    return listBody(ctx, request, 'identity_providers', idps.map((i) => renderIdp(ctx, i)));
  });

  app.get<{ Params: IdpParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id', async (request) => {
    enforce(ctx, request, 'identity:get_identity_provider');
    return { identity_provider: renderIdp(ctx, await store.getIdp(request.params.idp_id)) };
  });

  app.patch<{ Params: IdpParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id', { schema: { body: schemas.identityProviderUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_identity_provider');
    const idp = await store.getIdp(request.params.idp_id);
    const body = (request.body as { identity_provider: Record<string, unknown> }).identity_provider;
    const next: IdentityProvider = {
      ...idp,
      enabled: bodyBool(body.enabled, idp.enabled),
      description: body.description === undefined ? idp.description : typeof body.description === 'string' ? body.description : null,
      remoteIds: body.remote_ids === undefined ? idp.remoteIds : remoteIdsOf(body.remote_ids),
      authorizationTtl: ttlOf(body.authorization_ttl, idp.authorizationTtl),
    };
    return { identity_provider: renderIdp(ctx, await store.updateIdp(next)) };
  });

  app.delete<{ Params: IdpParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_identity_provider');
    await store.getIdp(request.params.idp_id);
    await store.deleteIdp(request.params.idp_id);
    return reply.code(204).send();
  });

  // --- protocols ---

  async function checkMapping(mappingId: string): Promise<void> {
    if (!(await store.findMapping(mappingId))) throw new BadRequest(`Invalid mapping id: ${mappingId}`);
  }

  app.put<{ Params: ProtocolParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id/protocols/:protocol_id', { schema: { body: schemas.protocolCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_protocol');
    const id = clientChosenId(request.params.protocol_id, 'protocol');
    const body = (request.body as { protocol: { mapping_id: string; remote_id_attribute?: string | null } }).protocol;
    await checkMapping(body.mapping_id);
    const idp = await store.getIdp(request.params.idp_id);
    const protocol = await store.insertProtocol({ id, idpId: idp.id, mappingId: body.mapping_id, remoteIdAttribute: body.remote_id_attribute ?? null });
    return reply.code(201).send({ protocol: renderProtocol(ctx, protocol, 'member') });
  });

  app.get<{ Params: IdpParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id/protocols', async (request) => {
    enforce(ctx, request, 'identity:list_protocols');
    const idp = await store.getIdp(request.params.idp_id);
    const protocols = await store.listProtocols(idp.id);
    return listBody(ctx, request, 'protocols', protocols.map((p) => renderProtocol(ctx, p, 'list')));
  });

  app.get<{ Params: ProtocolParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id/protocols/:protocol_id', async (request) => {
    enforce(ctx, request, 'identity:get_protocol');
    return { protocol: renderProtocol(ctx, await store.getProtocol(request.params.idp_id, request.params.protocol_id), 'member') };
  });

  app.patch<{ Params: ProtocolParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id/protocols/:protocol_id', { schema: { body: schemas.protocolUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_protocol');
    const body = (request.body as { protocol: { mapping_id: string; remote_id_attribute?: string } }).protocol;
    await checkMapping(body.mapping_id);
    const protocol = await store.getProtocol(request.params.idp_id, request.params.protocol_id);
    const next: Protocol = { ...protocol, mappingId: body.mapping_id, remoteIdAttribute: body.remote_id_attribute ?? protocol.remoteIdAttribute };
    return { protocol: renderProtocol(ctx, await store.updateProtocol(next), 'member') };
  });

  app.delete<{ Params: ProtocolParams }>('/v3/OS-FEDERATION/identity_providers/:idp_id/protocols/:protocol_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_protocol');
    await store.getProtocol(request.params.idp_id, request.params.protocol_id);
    await store.deleteProtocol(request.params.idp_id, request.params.protocol_id);
    return reply.code(204).send();
  });
}
