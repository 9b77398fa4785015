/**
 * What every container-infra route module receives (built once in index.ts), and the caller of a request
 * with its policy checks and the microversion it asked for.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../platform/log.js';
import type { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { authOf } from '../platform/auth/middleware.js';
import { policyCredentials, type AuthContext } from '../platform/auth/context.js';
import type { ContainerInfraStore } from './store.js';
import type { ContainerInfraAction } from './policy-rules.js';
import type { ClusterId } from './model.js';
import type { TrustPlumbing } from '../platform/auth/trusts.js';
import type { ResourceChecks } from './validation.js';
import { forbidden } from './errors.js';
import { versionOf, type ApiVersion } from './api/versions.js';

/** The conductor as the API sees it: poked after an operation is stored (the lead's conductor fills it). */
export interface ConductorHandle {
  kick(clusterId: ClusterId): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ContainerInfraContext {
  readonly log: Logger;
  readonly store: ContainerInfraStore;
  readonly enforcer: PolicyEnforcer;
  /** The public endpoint, e.g. http://127.0.0.1:9511, for links when a request has no Host. */
  readonly baseUrl: string;
  /** Makes each cluster's trust; absent where there is no identity service to ask (unit tests). */
  readonly trusts?: TrustPlumbing | undefined;
  /** Checks images, flavors, keypairs and networks as the caller. */
  readonly checks: ResourceChecks;
  /** Whether a project exists (quota create), asked with the caller's token. */
  readonly projectExists: (token: string, projectId: string) => Promise<boolean>;
  /** Pokes the conductor after an operation is stored. */
  kick(clusterId: ClusterId): void;
}

/** The caller of a request, with what policy checks need. */
export interface Caller {
  readonly auth: AuthContext;
  /** The project a project-scoped token acts in, else ''. */
  readonly projectId: string;
  readonly userId: string;
  readonly isAdmin: boolean;
  readonly version: ApiVersion;
  can(action: ContainerInfraAction, target?: Record<string, unknown>): boolean;
  /** Throws Magnum's 403 unless the caller passes `action` on the target (default: its own project). */
  authorize(action: ContainerInfraAction, target?: Record<string, unknown>): void;
}

export function callerOf(ctx: ContainerInfraContext, request: FastifyRequest): Caller {
  const auth = authOf(request);
  const creds = policyCredentials(auth);
  const projectId = auth.scope.kind === 'project' ? auth.scope.project.id : '';
  const own = { project_id: projectId, user_id: auth.user.id };
  const can = (action: ContainerInfraAction, target: Record<string, unknown> = own): boolean => ctx.enforcer.check(action, creds, target);
  return {
    auth, projectId, userId: auth.user.id, can, version: versionOf(request),
    isAdmin: can('context_is_admin', {}),
    authorize(action, target) {
      if (!can(action, target)) throw forbidden(action);
    },
  };
}

/** The base URL links are built from: the one the client used, else the configured one. */
export function requestBase(ctx: ContainerInfraContext, request: FastifyRequest): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : ctx.baseUrl;
}
