/**
 * What every identity route module receives: the stores, the token service and the shared helpers.
 * Built once in index.ts.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/log.js';
import type { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { authOf } from '../platform/auth/middleware.js';
import { policyCredentials, type AuthContext } from '../platform/auth/context.js';
import type { IdentityTables } from './tables.js';
import type { Generation } from './cache.js';
import type { PasswordHasher } from './passwords.js';
import type { PasswordPolicy } from './users/password-policy.js';
import type { KeyRepository } from './keys.js';
import type { ResourceStore } from './resource/store.js';
import type { UserStore } from './users/store.js';
import type { AssignmentStore } from './assignment/store.js';
import type { RoleResolver } from './assignment/resolver.js';
import type { CatalogStore } from './catalog/store.js';
import type { TrustStore } from './trust/store.js';
import type { AppCredStore } from './appcred/store.js';
import type { RevocationStore } from './revoke/store.js';
import type { TokenService } from './tokens/service.js';

export interface IdentityContext {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Kysely<IdentityTables>;
  /** e.g. http://127.0.0.1:5000 */
  readonly baseUrl: string;
  readonly enforcer: PolicyEnforcer;
  readonly generation: Generation;
  readonly hasher: PasswordHasher;
  /** Lockout and password rules ([security_compliance]). */
  readonly passwordPolicy: PasswordPolicy;
  readonly tokenKeys: KeyRepository;
  readonly credentialKeys: KeyRepository;
  readonly resources: ResourceStore;
  readonly users: UserStore;
  readonly assignments: AssignmentStore;
  readonly resolver: RoleResolver;
  readonly catalog: CatalogStore;
  readonly trusts: TrustStore;
  readonly appCreds: AppCredStore;
  readonly revocations: RevocationStore;
  readonly tokens: TokenService;
}

/** Checks a Keystone policy rule for the caller; throws Forbidden. Returns the caller. */
export function enforce(ctx: IdentityContext, request: FastifyRequest, action: string, target: Record<string, unknown> = {}): AuthContext {
  const auth = authOf(request);
  const params = (request.params ?? {}) as Record<string, unknown>;
  ctx.enforcer.authorize(action, policyCredentials(auth), { ...params, target });
  return auth;
}

/** True if the caller passes a rule (for filtering lists rather than refusing). */
export function allowed(ctx: IdentityContext, request: FastifyRequest, action: string, target: Record<string, unknown> = {}): boolean {
  const auth = authOf(request);
  const params = (request.params ?? {}) as Record<string, unknown>;
  return ctx.enforcer.check(action, policyCredentials(auth), { ...params, target });
}

/** The absolute URL of a path under /v3. */
export function link(ctx: IdentityContext, path: string): string {
  return `${ctx.baseUrl}/v3/${path.replace(/^\//, '')}`;
}

/** Keystone's list envelope: `{ key: [...], links: { self, previous, next } }`. */
export function listBody<T>(ctx: IdentityContext, request: FastifyRequest, key: string, items: T[]): Record<string, unknown> {
  return { [key]: items, links: { self: `${ctx.baseUrl}${request.url}`, previous: null, next: null } };
}

/** Query parameters as a string map (first value wins). */
export function query(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

/** Keystone's inexact filters: name__contains, name__icontains, __startswith, __endswith (and i- variants). */
export function inexactMatch(q: Record<string, string>, attr: string, value: string): boolean {
  const tests: Array<[string, (v: string, f: string) => boolean]> = [
    ['contains', (v, f) => v.includes(f)],
    ['icontains', (v, f) => v.toLowerCase().includes(f.toLowerCase())],
    ['startswith', (v, f) => v.startsWith(f)],
    ['istartswith', (v, f) => v.toLowerCase().startsWith(f.toLowerCase())],
    ['endswith', (v, f) => v.endsWith(f)],
    ['iendswith', (v, f) => v.toLowerCase().endsWith(f.toLowerCase())],
    ['equals', (v, f) => v === f],
    ['iexact', (v, f) => v.toLowerCase() === f.toLowerCase()],
  ];
  for (const [op, test] of tests) {
    const f = q[`${attr}__${op}`];
    if (f !== undefined && !test(value, f)) return false;
  }
  return true;
}

/** Truncates a list to Keystone's `list_limit`-style `?limit=` if given (marker-free). */
export function applyLimit<T>(items: T[], q: Record<string, string>): { items: T[]; truncated: boolean } {
  const limit = q.limit !== undefined ? Number(q.limit) : NaN;
  if (!Number.isInteger(limit) || limit <= 0 || items.length <= limit) return { items, truncated: false };
  return { items: items.slice(0, limit), truncated: true };
}
