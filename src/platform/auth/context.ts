/**
 * The caller, as every service's handlers see it: built from Keystone's token body, whether the token
 * was validated in-process (identity) or through the identity API (every other service).
 */
import type { PolicyCredentials } from '../policy/enforcer.js';

export interface NamedRef { id: string; name: string; }
export interface DomainedRef extends NamedRef { domain: NamedRef; }

export type AuthScope =
  | { kind: 'unscoped' }
  | { kind: 'project'; project: DomainedRef }
  | { kind: 'domain'; domain: NamedRef }
  | { kind: 'system' };

export interface AccessRule { service: string; path: string; method: string; id?: string; }

export interface AuthContext {
  /** The raw token, to call other services on the caller's behalf. */
  readonly token: string;
  readonly user: DomainedRef;
  readonly scope: AuthScope;
  readonly roles: readonly NamedRef[];
  readonly methods: readonly string[];
  readonly auditIds: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly isAdminProject: boolean;
  readonly trust?: { id: string; impersonation: boolean; trustorUserId: string; trusteeUserId: string };
  readonly applicationCredential?: { id: string; name: string; restricted: boolean; accessRules?: readonly AccessRule[] };
  readonly oauth1?: { accessTokenId: string; consumerId: string };
}

/** Keystone's token body (`{"token": …}` inner object), the parts services rely on. */
export interface KeystoneTokenBody {
  methods: string[];
  user: { id: string; name: string; domain: NamedRef; password_expires_at?: string | null };
  audit_ids: string[];
  issued_at: string;
  expires_at: string;
  project?: DomainedRef;
  domain?: NamedRef;
  system?: { all: boolean };
  roles?: NamedRef[];
  is_domain?: boolean;
  is_admin_project?: boolean;
  catalog?: unknown[];
  'OS-TRUST:trust'?: { id: string; impersonation: boolean; trustor_user: { id: string }; trustee_user: { id: string } };
  application_credential?: { id: string; name: string; restricted: boolean; access_rules?: AccessRule[] };
  'OS-OAUTH1'?: { access_token_id: string; consumer_id: string };
  service_providers?: Array<{ id: string; auth_url: string; sp_url: string }>;
}

/** Builds the context from a validated token body. */
export function contextFromTokenBody(token: string, body: KeystoneTokenBody): AuthContext {
  const scope: AuthScope = body.project
    ? { kind: 'project', project: body.project }
    : body.domain
      ? { kind: 'domain', domain: body.domain }
      : body.system?.all
        ? { kind: 'system' }
        : { kind: 'unscoped' };
  const trust = body['OS-TRUST:trust'];
  const ac = body.application_credential;
  const oa = body['OS-OAUTH1'];
  return {
    token,
    user: { id: body.user.id, name: body.user.name, domain: body.user.domain },
    scope,
    roles: body.roles ?? [],
    methods: body.methods,
    auditIds: body.audit_ids,
    issuedAt: new Date(body.issued_at),
    expiresAt: new Date(body.expires_at),
    isAdminProject: body.is_admin_project ?? true,
    ...(trust ? { trust: { id: trust.id, impersonation: trust.impersonation, trustorUserId: trust.trustor_user.id, trusteeUserId: trust.trustee_user.id } } : {}),
    ...(ac ? { applicationCredential: { id: ac.id, name: ac.name, restricted: ac.restricted, ...(ac.access_rules ? { accessRules: ac.access_rules } : {}) } } : {}),
    ...(oa ? { oauth1: { accessTokenId: oa.access_token_id, consumerId: oa.consumer_id } } : {}),
  };
}

/** The project id a project-scoped caller acts in, or undefined. */
export function projectIdOf(ctx: AuthContext): string | undefined {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined;
}

/** oslo.policy credentials for a context, as keystonemiddleware and Keystone build them. */
export function policyCredentials(ctx: AuthContext): PolicyCredentials {
  const project = ctx.scope.kind === 'project' ? ctx.scope.project : undefined;
  const domain = ctx.scope.kind === 'domain' ? ctx.scope.domain : undefined;
  return {
    user_id: ctx.user.id,
    user_domain_id: ctx.user.domain.id,
    project_id: project?.id ?? null,
    project_domain_id: project?.domain.id ?? null,
    domain_id: domain?.id ?? null,
    system_scope: ctx.scope.kind === 'system' ? 'all' : null,
    roles: ctx.roles.map((r) => r.name.toLowerCase()),
    is_admin_project: ctx.isAdminProject,
    trust_id: ctx.trust?.id ?? null,
    token: {
      user_id: ctx.user.id,
      domain: domain ? { id: domain.id } : {},
      project: project ? { id: project.id, domain: { id: project.domain.id } } : {},
    },
  };
}
