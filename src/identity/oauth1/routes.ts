/**
 * OS-OAUTH1 (Keystone's delegated-authorization extension): /v3/OS-OAUTH1/consumers, request_token,
 * authorize/{request_token_id} and access_token, plus the user's access tokens under
 * /v3/users/{user_id}/OS-OAUTH1/access_tokens. Tokens signed with an access token are issued by
 * POST /v3/auth/tokens with the oauth1 method (auth/authenticate.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, type IdentityContext } from '../context.js';
import { renderRole } from '../assignment/routes.js';
import { extrasOf } from '../resource/service.js';
import type { Consumer, AccessToken } from './store.js';
import { OAuth1Service, refuseDelegatedCaller, type RoleRef } from './service.js';
import { oauthRequestOf } from './request.js';

const CONSUMER_RESERVED = new Set(['id', 'description', 'secret', 'links']);
const FORM = 'application/x-www-form-urlencoded';

function renderConsumer(ctx: IdentityContext, c: Consumer, withSecret = false): Record<string, unknown> {
  return {
    ...c.extra,
    id: c.id,
    description: c.description,
    ...(withSecret ? { secret: c.secret } : {}),
    links: { self: link(ctx, `OS-OAUTH1/consumers/${c.id}`) },
  };
}

function renderAccessToken(ctx: IdentityContext, t: AccessToken): Record<string, unknown> {
  const self = link(ctx, `users/${t.authorizingUserId}/OS-OAUTH1/access_tokens/${t.id}`);
  return {
    id: t.id,
    consumer_id: t.consumerId,
    project_id: t.projectId,
    authorizing_user_id: t.authorizingUserId,
    expires_at: t.expiresAt,
    links: { self, roles: `${self}/roles` },
  };
}

/** OAuth token endpoints answer form-encoded text, as RFC 5849 2.1 and 2.3 specify. */
function formBody(id: string, secret: string, expiresAt: string | null): string {
  return `oauth_token=${id}&oauth_token_secret=${secret}${expiresAt ? `&oauth_expires_at=${expiresAt}` : ''}`;
}

type AccessTokenParams = { user_id: string; access_token_id: string };

/** Keystone reads a missing body as `{}` for these, so validate an absent body as an empty object. */
async function absentBodyIsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

export function oauth1Routes(app: FastifyInstance, ctx: IdentityContext): void {
  const oauth = OAuth1Service.of(ctx);

  // A child scope, so the form-body parser below applies to these routes only: OAuth clients may send
  // their signed parameters as a form body, which the service-wide JSON parser would refuse.
  void app.register(async (scope) => {
    scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    registerConsumerRoutes(scope, ctx, oauth);
    registerFlowRoutes(scope, ctx, oauth);
    registerAccessTokenRoutes(scope, ctx, oauth);
  });
}

function registerConsumerRoutes(app: FastifyInstance, ctx: IdentityContext, oauth: OAuth1Service): void {
  app.post('/v3/OS-OAUTH1/consumers', { preValidation: absentBodyIsEmpty, schema: { body: schemas.consumerCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_consumer');
    const body = (request.body as { consumer?: Record<string, unknown> } | undefined)?.consumer ?? {};
    const consumer = await oauth.store.insertConsumer({
      id: newHexId(),
      description: typeof body.description === 'string' ? body.description : null,
      secret: newHexId(),
      extra: extrasOf(body, CONSUMER_RESERVED),
    });
    return reply.code(201).send({ consumer: renderConsumer(ctx, consumer, true) });
  });

  app.get('/v3/OS-OAUTH1/consumers', async (request) => {
    enforce(ctx, request, 'identity:list_consumers');
    const consumers = await oauth.store.listConsumers();
    return listBody(ctx, request, 'consumers', consumers.map((c) => renderConsumer(ctx, c)));
  });

  app.get<{ Params: { consumer_id: string } }>('/v3/OS-OAUTH1/consumers/:consumer_id', async (request) => {
    enforce(ctx, request, 'identity:get_consumer');
    return { consumer: renderConsumer(ctx, await oauth.store.getConsumer(request.params.consumer_id)) };
  });

  app.patch<{ Params: { consumer_id: string } }>('/v3/OS-OAUTH1/consumers/:consumer_id', { schema: { body: schemas.consumerUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_consumer');
    const consumer = await oauth.store.getConsumer(request.params.consumer_id);
    const body = (request.body as { consumer: Record<string, unknown> }).consumer;
    if (body.id !== undefined && body.id !== consumer.id) throw new BadRequest('Cannot change consumer ID');
    const next: Consumer = {
      ...consumer,
      description: body.description === undefined ? consumer.description : typeof body.description === 'string' ? body.description : null,
      extra: { ...consumer.extra, ...extrasOf(body, CONSUMER_RESERVED) },
    };
    return { consumer: renderConsumer(ctx, await oauth.store.updateConsumer(next)) };
  });

  app.delete<{ Params: { consumer_id: string } }>('/v3/OS-OAUTH1/consumers/:consumer_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_consumer');
    await oauth.deleteConsumer(request.params.consumer_id);
    return reply.code(204).send();
  });
}

function registerFlowRoutes(app: FastifyInstance, ctx: IdentityContext, oauth: OAuth1Service): void {
  // Consumers authenticate these two by signature, not with an X-Auth-Token.
  app.post('/v3/OS-OAUTH1/request_token', { config: { public: true } }, async (request, reply) => {
    const header = request.headers['requested-project-id'];
    const token = await oauth.createRequestToken(oauthRequestOf(request, ctx.baseUrl), typeof header === 'string' ? header : undefined);
    return reply.code(201).type(FORM).send(formBody(token.id, token.secret, token.expiresAt));
  });

  app.post('/v3/OS-OAUTH1/access_token', { config: { public: true } }, async (request, reply) => {
    const token = await oauth.createAccessToken(oauthRequestOf(request, ctx.baseUrl));
    return reply.code(201).type(FORM).send(formBody(token.id, token.secret, token.expiresAt));
  });

  app.put<{ Params: { request_token_id: string } }>('/v3/OS-OAUTH1/authorize/:request_token_id', { preValidation: absentBodyIsEmpty, schema: { body: schemas.requestTokenAuthorize } }, async (request) => {
    const auth = enforce(ctx, request, 'identity:authorize_request_token');
    refuseDelegatedCaller(auth, 'authorize a request token');
    const roles = (request.body as { roles?: RoleRef[] } | undefined)?.roles ?? [];
    const verifier = await oauth.authorizeRequestToken(request.params.request_token_id, auth.user.id, roles);
    return { token: { oauth_verifier: verifier } };
  });
}

function registerAccessTokenRoutes(app: FastifyInstance, ctx: IdentityContext, oauth: OAuth1Service): void {
  async function load(request: FastifyRequest<{ Params: AccessTokenParams }>, action: string): Promise<AccessToken> {
    const auth = enforce(ctx, request, action);
    refuseDelegatedCaller(auth, 'manage OAuth access tokens');
    const token = await oauth.store.findAccessToken(request.params.access_token_id);
    if (!token || token.authorizingUserId !== request.params.user_id) throw new NotFound(`Could not find access token: ${request.params.access_token_id}.`);
    return token;
  }

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/OS-OAUTH1/access_tokens', async (request) => {
    const auth = enforce(ctx, request, 'identity:list_access_tokens');
    refuseDelegatedCaller(auth, 'manage OAuth access tokens');
    const tokens = await oauth.store.listAccessTokens(request.params.user_id);
    return listBody(ctx, request, 'access_tokens', tokens.map((t) => renderAccessToken(ctx, t)));
  });

  app.get<{ Params: AccessTokenParams }>('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id', async (request) => {
    return { access_token: renderAccessToken(ctx, await load(request, 'identity:get_access_token')) };
  });

  app.delete<{ Params: AccessTokenParams }>('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id', async (request, reply) => {
    const auth = enforce(ctx, request, 'identity:delete_access_token');
    refuseDelegatedCaller(auth, 'manage OAuth access tokens');
    await oauth.deleteAccessToken(request.params.user_id, request.params.access_token_id);
    return reply.code(204).send();
  });

  // Keystone shows these roles without their description.
  const roleOf = (r: Parameters<typeof renderRole>[1]) => {
    const { description: _omitted, ...rest } = renderRole(ctx, r);
    return rest;
  };

  app.get<{ Params: AccessTokenParams }>('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id/roles', async (request) => {
    const token = await load(request, 'identity:list_access_token_roles');
    const roles = await ctx.assignments.listRoles({ ids: token.roleIds });
    return listBody(ctx, request, 'roles', roles.map(roleOf));
  });

  app.get<{ Params: AccessTokenParams & { role_id: string } }>('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id/roles/:role_id', async (request) => {
    const token = await load(request, 'identity:get_access_token_role');
    if (!token.roleIds.includes(request.params.role_id)) throw new NotFound(`Could not find role: ${request.params.role_id}.`);
    return { role: roleOf(await ctx.assignments.getRole(request.params.role_id)) };
  });
}
