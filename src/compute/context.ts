/**
 * What every compute route module receives: the stores, the policy enforcer, the clients of the other
 * services, and the shared helpers for policy checks, links and query parameters. Built once in index.ts.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/log.js';
import type { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { authOf } from '../platform/auth/middleware.js';
import { policyCredentials, type AuthContext } from '../platform/auth/context.js';
import { BadRequest } from '../platform/errors.js';
import type { ImageClient } from '../image/client.js';
import type { ComputeTables } from './tables.js';
import type { FlavorStore } from './flavors/store.js';
import type { KeypairStore } from './keypairs/store.js';
import type { QuotaService } from './quotas/service.js';
import type { HostStore } from './hosts/store.js';
import type { ServerStore } from './servers/store.js';
import type { ActionStore } from './servers/actions-store.js';
import type { ServerGroupStore } from './groups/store.js';
import type { ServerService } from './servers/service.js';
import type { ProjectLookup } from './project-lookup.js';
import type { RevisionNotifier } from './hosts/notifier.js';
import type { ServerPorts } from './ports.js';

export interface ComputeContext {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Kysely<ComputeTables>;
  /** e.g. http://127.0.0.1:8774 */
  readonly baseUrl: string;
  readonly enforcer: PolicyEnforcer;
  readonly images: ImageClient;
  /** The image API's base URL (Location of snapshots before 2.45). */
  readonly imageUrl: string;
  readonly projects: ProjectLookup;
  readonly flavors: FlavorStore;
  readonly keypairs: KeypairStore;
  readonly quotas: QuotaService;
  readonly hosts: HostStore;
  readonly servers: ServerStore;
  readonly actions: ActionStore;
  readonly groups: ServerGroupStore;
  readonly serverService: ServerService;
  readonly notifier: RevisionNotifier;
  /** Servers' Neutron ports: checked at create, allocated after placement, released after delete. */
  readonly ports: ServerPorts;
}

/** The project a caller acts in, or '' for tokens not scoped to a project. */
export function projectIdOf(auth: AuthContext): string {
  return auth.scope.kind === 'project' ? auth.scope.project.id : '';
}

/**
 * The target oslo.policy checks against: Nova's default is the caller's own project and user, so rules
 * like `project_reader_or_admin` pass for any project member when no resource is involved.
 */
function targetFor(auth: AuthContext, target: Record<string, unknown> | undefined): Record<string, unknown> {
  return target ?? { project_id: projectIdOf(auth), user_id: auth.user.id };
}

/** Checks a Nova policy rule for the caller; throws Forbidden. Returns the caller. */
export function enforce(ctx: ComputeContext, request: FastifyRequest, action: string, target?: Record<string, unknown>): AuthContext {
  const auth = authOf(request);
  ctx.enforcer.authorize(action, policyCredentials(auth), targetFor(auth, target));
  return auth;
}

/** True if the caller passes a rule (Nova's `context.can(..., fatal=False)`). */
export function can(ctx: ComputeContext, request: FastifyRequest, action: string, target?: Record<string, unknown>): boolean {
  const auth = authOf(request);
  return ctx.enforcer.check(action, policyCredentials(auth), targetFor(auth, target));
}

/** Nova's `context.is_admin`: the caller passes `context_is_admin`. */
export function isAdmin(ctx: ComputeContext, request: FastifyRequest): boolean {
  return can(ctx, request, 'context_is_admin');
}

/** The base URL links are built from: the one the client used, else the configured one. */
export function requestBase(ctx: ComputeContext, request: FastifyRequest): string {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}` : ctx.baseUrl;
}

/** Nova's self and bookmark links of a resource. */
export function links(base: string, collection: string, id: string): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ];
}

/** Query parameters as Nova's webob sees them: every value of every key. */
export function queryAll(request: FastifyRequest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = request.raw.url ?? '';
  const qs = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
  for (const [k, v] of new URLSearchParams(qs)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** The first value of each query parameter. */
export function queryFirst(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of queryAll(request)) out[k] = v[0]!;
  return out;
}

/** Nova's `[api] max_limit`: the most items one list page returns. */
export const MAX_LIMIT = 1000;

/** Nova's limit/marker parameters: limit is a non-negative integer, capped at MAX_LIMIT (0 gives an empty page). */
export function limitAndMarker(request: FastifyRequest): { limit: number; marker: string | undefined; limitGiven: boolean } {
  const q = queryAll(request);
  let limit = MAX_LIMIT;
  const rawLimit = q.get('limit')?.[0];
  if (rawLimit !== undefined) {
    if (!/^\d+$/.test(rawLimit)) throw new BadRequest(`limit must be an integer`);
    const n = Number(rawLimit);
    limit = Math.min(MAX_LIMIT, n);
  }
  return { limit, marker: q.get('marker')?.[0], limitGiven: rawLimit !== undefined };
}

/**
 * Nova's `*_links` next link: present when the page is full. The query string is the request's, sorted,
 * with `marker` set to the last item.
 */
export function nextLinks(base: string, request: FastifyRequest, collection: string, pageSize: number, lastId: string | undefined, count: number): Array<{ rel: string; href: string }> {
  if (count === 0 || count !== pageSize || lastId === undefined) return [];
  const params = new URLSearchParams();
  const q = queryFirst(request);
  q.marker = lastId;
  for (const k of Object.keys(q).sort()) params.set(k, q[k]!);
  return [{ rel: 'next', href: `${base}/v2.1/${collection}?${params.toString()}` }];
}

/** oslo's bool_from_string in strict mode: throws BadRequest for anything it cannot read. */
export function strictBool(value: string | boolean, field: string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw new BadRequest(`Unrecognized value '${value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes' (${field})`);
}

/** oslo's bool_from_string, lenient: anything unrecognised is false. */
export function lenientBool(value: string | boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(value.trim().toLowerCase());
}

/** The current time as stored (ISO-8601 UTC, milliseconds). */
export function now(): string {
  return new Date().toISOString();
}
