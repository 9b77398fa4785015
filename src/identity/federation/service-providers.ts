/**
 * /v3/OS-FEDERATION/service_providers/{sp_id}: remote clouds this one can federate into (Keystone to
 * Keystone). Enabled ones are listed in every token response, as Keystone does, so clients can find
 * them without another call.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import * as schemas from '../schemas.js';
import { enforce, listBody, query, type IdentityContext } from '../context.js';
import { queryBool } from '../model.js';
import { bodyBool } from '../resource/service.js';
import type { FederationStore, ServiceProvider } from './store.js';
import { clientChosenId, renderSp } from './render.js';

/** Keystone's [saml] relay_state_prefix default. */
export const DEFAULT_RELAY_STATE_PREFIX = 'ss:mem:';

type TokenEntry = { id: string; auth_url: string; sp_url: string };

/** The relay_state_prefix column holds 256 characters; Keystone's schema sets no limit. */
function relayStatePrefixOf(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string') return fallback;
  if (raw.length > 256) throw new BadRequest("Invalid input for field 'relay_state_prefix': it is longer than 256 characters");
  return raw;
}

/** The enabled service providers as token bodies list them (wired into the token service). */
export async function enabledServiceProviders(store: FederationStore): Promise<TokenEntry[]> {
  return (await store.listSps({ enabled: true })).map((sp) => ({ id: sp.id, auth_url: sp.authUrl, sp_url: sp.spUrl }));
}

export function serviceProviderRoutes(app: FastifyInstance, ctx: IdentityContext, store: FederationStore): void {
  app.put<{ Params: { sp_id: string } }>('/v3/OS-FEDERATION/service_providers/:sp_id', { schema: { body: schemas.serviceProviderCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_service_provider');
    const body = (request.body as { service_provider: Record<string, unknown> }).service_provider;
    const sp = await store.insertSp({
      id: clientChosenId(request.params.sp_id, 'service provider'),
      authUrl: String(body.auth_url),
      spUrl: String(body.sp_url),
      description: typeof body.description === 'string' ? body.description : null,
      enabled: bodyBool(body.enabled, false),
      relayStatePrefix: relayStatePrefixOf(body.relay_state_prefix, DEFAULT_RELAY_STATE_PREFIX),
    });
    return reply.code(201).send({ service_provider: renderSp(ctx, sp) });
  });

  app.get('/v3/OS-FEDERATION/service_providers', async (request) => {
    enforce(ctx, request, 'identity:list_service_providers');
    const q = query(request);
    const sps = await store.listSps({
      ...(q.id !== undefined ? { id: q.id } : {}),
      ...(q.enabled !== undefined ? { enabled: queryBool(q.enabled) } : {}),
    });
    return listBody(ctx, request, 'service_providers', sps.map((sp) => renderSp(ctx, sp)));
  });

  app.get<{ Params: { sp_id: string } }>('/v3/OS-FEDERATION/service_providers/:sp_id', async (request) => {
    enforce(ctx, request, 'identity:get_service_provider');
    return { service_provider: renderSp(ctx, await store.getSp(request.params.sp_id)) };
  });

  app.patch<{ Params: { sp_id: string } }>('/v3/OS-FEDERATION/service_providers/:sp_id', { schema: { body: schemas.serviceProviderUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_service_provider');
    const sp = await store.getSp(request.params.sp_id);
    const body = (request.body as { service_provider: Record<string, unknown> }).service_provider;
    const next: ServiceProvider = {
      ...sp,
      authUrl: typeof body.auth_url === 'string' ? body.auth_url : sp.authUrl,
      spUrl: typeof body.sp_url === 'string' ? body.sp_url : sp.spUrl,
      description: body.description === undefined ? sp.description : typeof body.description === 'string' ? body.description : null,
      enabled: bodyBool(body.enabled, sp.enabled),
      relayStatePrefix: relayStatePrefixOf(body.relay_state_prefix, sp.relayStatePrefix),
    };
    return { service_provider: renderSp(ctx, await store.updateSp(next)) };
  });

  app.delete<{ Params: { sp_id: string } }>('/v3/OS-FEDERATION/service_providers/:sp_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_service_provider');
    await store.getSp(request.params.sp_id);
    await store.deleteSp(request.params.sp_id);
    return reply.code(204).send();
  });

}
