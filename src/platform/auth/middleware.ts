/**
 * Token validation for every service: reads X-Auth-Token, validates it through a TokenValidator and
 * gives handlers `request.auth`. Routes opt out with `config: { public: true }` (version documents,
 * token issue).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthorized } from '../errors.js';
import type { AuthContext } from './context.js';

/** Validates a token or throws Unauthorized. */
export interface TokenValidator {
  validate(token: string): Promise<AuthContext>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The validated caller; null on public routes called without a token. */
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Serve without a token. */
    public?: boolean;
  }
}

export const AUTH_REQUIRED = 'The request you have made requires authentication.';

/** Installs the token check on an app (call before registering routes). */
export function installAuth(app: FastifyInstance, validator: TokenValidator): void {
  app.decorateRequest('auth', null);
  // onRequest, so a caller without a valid token learns nothing about the body it sent.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const token = request.headers['x-auth-token'];
    const isPublic = request.routeOptions.config?.public === true;
    if (typeof token !== 'string' || token === '') {
      if (isPublic) return;
      throw new Unauthorized(AUTH_REQUIRED);
    }
    try {
      request.auth = await validator.validate(token);
    } catch (err) {
      if (isPublic && err instanceof Unauthorized) return;
      throw err;
    }
  });
}

/** The caller of a route that requires a token. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new Unauthorized(AUTH_REQUIRED);
  return request.auth;
}
