/**
 * Routes for callers that present a service-issued secret instead of a Keystone token (a wait
 * condition handle's, a cluster's node-signing secret): a Fastify route constraint sends requests whose
 * X-Auth-Token starts with the secret's prefix (a Keystone token, base64url, has no dot) to routes of
 * their own, which check the secret themselves; every other route sees such a token as no token.
 */
import type { FastifyInstance } from 'fastify';

/**
 * Registers (once per app) the constraint `name`, whose value is `value` for requests whose X-Auth-Token
 * starts with `prefix`. Routes opt in with `constraints: { [name]: value }`.
 */
export function tokenPrefixConstraint(app: FastifyInstance, name: string, prefix: string, value: string): void {
  if (app.hasConstraintStrategy(name)) return;
  const routes = new Map<string, unknown>();
  app.addConstraintStrategy({
    name,
    storage: () => ({ get: (k: string) => (routes.get(k) ?? null) as never, set: (k: string, v: unknown) => { routes.set(k, v); } }),
    deriveConstraint: (req) => {
      const t = req.headers['x-auth-token'];
      return typeof t === 'string' && t.startsWith(prefix) ? value : undefined;
    },
    mustMatchWhenDerived: false,
  });
}
