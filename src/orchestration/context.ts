/**
 * What every orchestration route module receives, and the caller of a request with its policy checks.
 * Built once in index.ts.
 */
import type { ConstraintChecker } from './hot/index.js';
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../platform/log.js';
import type { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { authOf } from '../platform/auth/middleware.js';
import { policyCredentials, type AuthContext } from '../platform/auth/context.js';
import type { Engine } from './engine/engine.js';
import type { Db } from './store.js';
import type { OrchestrationAction } from './policy-rules.js';
import { HeatFault } from './errors.js';
import type { TrustPlumbing } from '../platform/auth/trusts.js';

export interface OrchestrationContext {
  readonly log: Logger;
  readonly db: Db;
  readonly engine: Engine;
  readonly enforcer: PolicyEnforcer;
  /** The public endpoint, e.g. http://127.0.0.1:8004, for links when the request has no Host. */
  readonly baseUrl: string;
  /** Creates and deletes stacks' trusts; absent where there is no identity service to ask (unit tests). */
  readonly trusts?: TrustPlumbing | undefined;
  /** The token of whoever asked to delete a stack, by stack id: only the trustor may delete its trust. */
  readonly pendingTrustDeletes: Map<string, string>;
  /** Checks parameters' custom constraints (nova.flavor, glance.image, …) as the caller (constraints.ts). */
  readonly checkerFor: (token: string) => ConstraintChecker;
}

/** The caller of a request, with what policy checks need. */
export interface Caller {
  readonly auth: AuthContext;
  /** The project a project-scoped token acts in, else ''. */
  readonly projectId: string;
  readonly isAdmin: boolean;
  can(action: OrchestrationAction, target?: Record<string, unknown>): boolean;
  /** Throws Heat's 403 unless the caller passes `action` on the target (default: its own project). */
  authorize(action: OrchestrationAction, target?: Record<string, unknown>): void;
}

/**
 * The caller of a route under /v1/{tenant_id}: the tenant in the path must be the token's project, as
 * Heat's `tenant_local` check requires (admins too: they list other projects with global_tenant).
 */
export function callerOf(ctx: OrchestrationContext, request: FastifyRequest, tenant?: string): Caller {
  const auth = authOf(request);
  const creds = policyCredentials(auth);
  const projectId = auth.scope.kind === 'project' ? auth.scope.project.id : '';
  const can = (action: OrchestrationAction, target: Record<string, unknown> = { project_id: projectId }): boolean => ctx.enforcer.check(action, creds, target);
  if (tenant !== undefined && tenant !== projectId) {
    throw new HeatFault(403, 'HTTPForbidden', 'You are not authorized to complete this action.');
  }
  return {
    auth, projectId, can,
    isAdmin: can('context_is_admin', {}),
    authorize(action, target) {
      if (!can(action, target)) throw new HeatFault(403, 'Forbidden', `You are not authorized to use ${action}.`);
    },
  };
}

/** The base URL links are built from: the one the client used, else the configured one. */
export function requestBase(ctx: OrchestrationContext, request: FastifyRequest): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : ctx.baseUrl;
}

/** Every value of every query parameter, in order. */
export function queryAll(request: FastifyRequest): Array<[string, string]> {
  const raw = request.raw.url ?? '';
  const qs = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
  return [...new URLSearchParams(qs)];
}

/** The last value of a query parameter. */
export function queryOne(request: FastifyRequest, key: string): string | undefined {
  const all = queryAll(request).filter(([k]) => k === key);
  return all.at(-1)?.[1];
}

/** Every value of a query parameter. */
export function queryList(request: FastifyRequest, key: string): string[] {
  return queryAll(request).filter(([k]) => k === key).flatMap(([, v]) => v.split(',')).filter((v) => v !== '');
}

const TRUE = new Set(['true', 't', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['false', 'f', 'off', 'n', 'no', '0']);

/** A boolean query parameter as oslo's strutils reads it; anything else is a 400 naming it. */
export function queryBool(request: FastifyRequest, key: string, fallback = false): boolean {
  const v = queryOne(request, key);
  if (v === undefined || v === '') return fallback;
  if (TRUE.has(v.toLowerCase())) return true;
  if (FALSE.has(v.toLowerCase())) return false;
  throw new HeatFault(400, 'HTTPBadRequest', `Unrecognized value "${v}" for "${key}", acceptable values are: true, false`);
}

/** A non-negative integer query parameter, or a 400 naming it. */
export function queryInt(request: FastifyRequest, key: string): number | undefined {
  const v = queryOne(request, key);
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new HeatFault(400, 'HTTPBadRequest', `${key} must be a non-negative integer; got "${v}"`);
  return Number(v);
}
