/**
 * What every network route module receives, and the policy helpers they share. Built once in index.ts.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from '../platform/log.js';
import type { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { authOf } from '../platform/auth/middleware.js';
import { policyCredentials, type AuthContext } from '../platform/auth/context.js';
import type { NetworkTables } from './tables.js';
import type { NetworkAction } from './policy-rules.js';
import { policyNotAuthorized } from './errors.js';
import type { PlanNotifier } from './agent/notifier.js';

export interface NetworkContext {
  readonly log: Logger;
  readonly db: Kysely<NetworkTables>;
  /** The public endpoint, e.g. http://127.0.0.1:9696, for links when the request has no Host. */
  readonly baseUrl: string;
  readonly enforcer: PolicyEnforcer;
  /** Wakes agents long-polling for their plan (agent/routes.ts). */
  readonly plans: PlanNotifier;
  /** Where auto-allocated (get-me-a-network) subnets take their /24 from; undefined: not offered. */
  readonly autoPool?: string | undefined;
}

/** The caller of a request, with what policy checks need. */
export interface Caller {
  readonly auth: AuthContext;
  /** The project a project-scoped token acts in, else ''. */
  readonly projectId: string;
  readonly isAdmin: boolean;
  /** True if the caller passes `action` on `target`. */
  can(action: NetworkAction, target: Record<string, unknown>): boolean;
  /** Throws PolicyNotAuthorized (403) unless the caller passes every action on `target`. */
  authorize(actions: readonly NetworkAction[], target: Record<string, unknown>): void;
}

/** The caller of a request that requires a token. */
export function callerOf(ctx: NetworkContext, request: FastifyRequest): Caller {
  const auth = authOf(request);
  const creds = policyCredentials(auth);
  const can = (action: NetworkAction, target: Record<string, unknown>): boolean => ctx.enforcer.check(action, creds, target);
  return {
    auth,
    projectId: auth.scope.kind === 'project' ? auth.scope.project.id : '',
    isAdmin: can('context_is_admin', {}),
    can,
    authorize(actions, target) {
      if (!actions.every((a) => can(a, target))) throw policyNotAuthorized(actions.map((a) => `rule:${a}`).join(' and '));
    },
  };
}

/** The current time as Neutron shows it: ISO-8601 UTC without fractions (`2026-11-26T10:00:00Z`). */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The base URL links are built from: the one the client used, else the configured one. */
export function requestBase(ctx: NetworkContext, request: FastifyRequest): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : ctx.baseUrl;
}
