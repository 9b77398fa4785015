/** Small HTTP helpers shared by the image routes. */
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { authOf } from '../../platform/auth/middleware.js';
import { MethodNotAllowed } from '../../platform/errors.js';
import type { ImageContext } from '../context.js';
import type { Caller } from '../access.js';
import { parseImageId, type ImageId } from '../model.js';

/** The caller of a route that requires a token. */
export function callerOf(ctx: ImageContext, request: FastifyRequest): Caller {
  return ctx.access.caller(authOf(request));
}

/** The `:id` path parameter as an image id (NotFound when it cannot be one). */
export function imageIdOf(request: FastifyRequest): ImageId {
  return parseImageId((request.params as { id: string }).id);
}

/** The query string as URLSearchParams, keeping repeated keys. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : request.url.slice(i + 1));
}

const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Glance answers a known path with an unsupported method with 405 and the Allow header (its router's
 * reject_method_resource); Fastify alone would answer 404.
 */
export function rejectOtherMethods(app: FastifyInstance, url: string, allowed: readonly HTTPMethods[]): void {
  const others = METHODS.filter((m) => !allowed.includes(m));
  if (others.length === 0) return;
  const allow = allowed.join(', ');
  app.route({
    method: others as HTTPMethods[],
    url,
    handler: async () => { throw new MethodNotAllowed('The method specified is not allowed for this resource.', { headers: { allow } }); },
  });
}
