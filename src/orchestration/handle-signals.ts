/**
 * Signals to an OS::Heat::WaitConditionHandle with its own token (decision 0013): the same path as
 * Heat's resource signal, `POST /v1/{tenant}/stacks/{name}/{id}/resources/{handle}/signal`, for requests
 * whose X-Auth-Token is a handle token (`wch.…`) rather than a Keystone token. Such a token lets its
 * holder signal that one handle and nothing else: it is compared (in constant time) with the secret
 * the handle keeps, and every other route treats it as no token at all.
 *
 * The request is told apart before routing by a Fastify constraint on the token's form, so the route
 * can be public (the token check is its own) while Heat's signal route for Keystone tokens stays as it
 * is on the same path.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { OrchestrationContext } from './context.js';
import { Unauthorized } from '../platform/errors.js';
import { getStack, stackResources } from './store.js';
import { currentRow } from './engine/run.js';
import { HANDLE_TOKEN_PREFIX } from './plugins/heat/wait-condition-handle.js';
import { ResourceFailure } from './plugins/types.js';
import { HeatFault } from './errors.js';
import { tokenPrefixConstraint } from '../platform/http/token-prefix.js';

const STRATEGY = 'flotillaSignalToken';

type Params = { Params: { tenant: string; name: string; id: string; resource: string } };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether `given` is the handle's token. */
export function tokenMatches(stored: unknown, given: string): boolean {
  return typeof stored === 'string' && stored.startsWith(HANDLE_TOKEN_PREFIX) && timingSafeEqual(digest(stored), digest(given));
}

export function handleSignalRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  tokenPrefixConstraint(app, STRATEGY, HANDLE_TOKEN_PREFIX, 'handle');
  const denied = (): Unauthorized => new Unauthorized('The request you have made requires authentication.');

  // In a context of its own: curl_cli used bare sends `Content-Type: application/json` with no body,
  // which Heat takes as a plain SUCCESS signal and Fastify's own JSON parser would refuse.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') { done(null, null); return; }
      try { done(null, JSON.parse(text)); } catch { done(new HeatFault(400, 'HTTPBadRequest', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'), undefined); }
    });
    scope.post<Params>('/v1/:tenant/stacks/:name/:id/resources/:resource/signal', {
      config: { public: true },
      constraints: { [STRATEGY]: 'handle' },
    }, async (request, reply) => {
      const given = String(request.headers['x-auth-token'] ?? '');
      const { tenant, name, id, resource } = request.params;
      const stack = await getStack(ctx.db, id);
      // The same answer for a wrong stack, resource or token: the caller learns nothing about others.
      if (!stack || stack.projectId !== tenant || (stack.name !== name && stack.id !== name)) throw denied();
      const row = currentRow(await stackResources(ctx.db, stack.id), resource);
      if (!row || row.type !== 'OS::Heat::WaitConditionHandle' || !tokenMatches(row.data.token, given)) throw denied();
      try {
        await ctx.engine.signal(stack, row, request.body ?? null);
      } catch (err) {
        // A malformed signal is the caller's mistake (Heat answers 400 for its ValueError).
        if (err instanceof ResourceFailure) throw new HeatFault(400, err.name, err.message);
        throw err;
      }
      return reply.code(200).send();
    });
  });
}
