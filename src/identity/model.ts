/**
 * The identity service's domain types, as its routes and token logic see them (not as stored).
 */

/** domain_id of domains themselves (a domain is a project with is_domain), as Keystone stores it. */
export const ROOT_DOMAIN_ID = '<<keystone.domain.root>>';
/** domain_id stored for global roles. */
export const NULL_DOMAIN_ID = '<<null>>';
export const DEFAULT_DOMAIN_ID = 'default';
/** Projects may nest this deep, counting the top-level project as 1 (Keystone's max_project_tree_depth). */
export const MAX_PROJECT_TREE_DEPTH = 5;
export const MAX_TAGS_PER_PROJECT = 80;

export type Extra = Record<string, unknown>;

export interface Project {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  domainId: string;
  parentId: string | null;
  isDomain: boolean;
  tags: string[];
  extra: Extra;
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  extra: Extra;
  options: Record<string, unknown>;
  createdAt: string;
  lastActiveAt: string | null;
  passwordHash: string | null;
  passwordCreatedAt: string | null;
  passwordExpiresAt: string | null;
  /** Failed password logins since the last success (for lockout). */
  failedAuthCount: number;
  failedAuthAt: string | null;
}

export interface Group {
  id: string;
  name: string;
  domainId: string;
  description: string;
  extra: Extra;
}

export interface Role {
  id: string;
  name: string;
  domainId: string | null;
  description: string | null;
  options: Record<string, unknown>;
  extra: Extra;
}

export type ActorKind = 'user' | 'group';
export type TargetKind = 'project' | 'domain' | 'system';

export interface Assignment {
  actor: ActorKind;
  actorId: string;
  target: TargetKind;
  /** Project or domain id; 'all' for system. */
  targetId: string;
  roleId: string;
  inherited: boolean;
}

export interface Region { id: string; description: string; parentRegionId: string | null; extra: Extra; }
export interface Service { id: string; type: string; enabled: boolean; extra: Extra; }
export type Interface = 'public' | 'internal' | 'admin';
export interface Endpoint {
  id: string;
  serviceId: string;
  regionId: string | null;
  interface: Interface;
  url: string;
  enabled: boolean;
  extra: Extra;
}

export interface Trust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string | null;
  impersonation: boolean;
  expiresAt: string | null;
  remainingUses: number | null;
  redelegatedTrustId: string | null;
  redelegationCount: number | null;
  roleIds: string[];
  extra: Extra;
}

export interface ApplicationCredential {
  id: string;
  name: string;
  secretHash: string;
  description: string | null;
  userId: string;
  projectId: string | null;
  system: string | null;
  expiresAt: string | null;
  unrestricted: boolean;
  roleIds: string[];
  accessRuleIds: string[];
  createdAt: string;
}

export interface AccessRule { id: string; service: string; path: string; method: string; userId: string; }

/** Keystone's timestamp format: microseconds and a Z. Microseconds a stored string carries are kept. */
export function keystoneTime(iso: string | number | Date): string {
  if (typeof iso === 'string' && iso.length === 27 && iso.endsWith('Z') && iso[19] === '.') return iso;
  // toISOString() is always YYYY-MM-DDTHH:MM:SS.mmmZ for our years; slicing is cheaper than a regex on
  // the validation hot path.
  const s = new Date(iso).toISOString();
  return `${s.slice(0, 23)}000Z`;
}

/**
 * Parses an ISO-8601 timestamp as clients send it (UTC when it names no zone) into the canonical stored
 * form `YYYY-MM-DDTHH:MM:SS.ffffffZ`, keeping microseconds, which JavaScript dates would drop.
 * Undefined if it is not a timestamp.
 */
export function parseTimestamp(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw);
  if (!m) return undefined;
  const zone = m[5] === undefined ? 'Z' : m[5].length === 5 ? `${m[5].slice(0, 3)}:${m[5].slice(3)}` : m[5];
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3] ?? '00'}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = (m[4] ?? '').padEnd(6, '0').slice(0, 6);
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Parses the boolean query values Keystone accepts ('0', 'false', 'False' are false). */
export function queryBool(raw: string): boolean {
  return !['0', 'false', 'f', 'no', 'n', 'off'].includes(raw.trim().toLowerCase());
}
