/**
 * Issues and validates tokens. A token only names who and what (see format.ts); validation recomputes
 * roles, scope and catalog from current data, as Keystone does with fernet tokens, so disabling a user
 * or project or removing a role takes effect on the next check. Those recomputed parts are cached per
 * (user, scope) until the next identity write (cache.ts).
 */
import { Unauthorized } from '../../platform/errors.js';
import type { KeystoneTokenBody, NamedRef } from '../../platform/auth/context.js';
import type { RevocableToken } from '../../platform/auth/revocation.js';
import type { KeyRepository } from '../keys.js';
import type { Generation } from '../cache.js';
import { GenerationCache } from '../cache.js';
import { keystoneTime, type ApplicationCredential, type Project, type Trust, type User } from '../model.js';
import type { ResourceStore } from '../resource/store.js';
import type { UserStore } from '../users/store.js';
import type { RoleResolver } from '../assignment/resolver.js';
import type { TrustStore } from '../trust/store.js';
import type { AppCredStore } from '../appcred/store.js';
import type { RevocationStore } from '../revoke/store.js';
import type { CatalogStore } from '../catalog/store.js';
import { buildCatalog, type CatalogEntry } from '../catalog/builder.js';
import { newAuditId, openToken, sealToken, type AuthMethod, type TokenPayload, type TokenScope } from './format.js';

/** How long after expiry a token may still be validated with ?allow_expired=true (Keystone's default). */
export const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;
/** Rescoped chains keep at most this many audit ids: [own, parent, …, root]. */
const MAX_AUDIT_CHAIN = 8;

export const INVALID_TOKEN = 'The request you have made requires authentication.';

/** An OAuth1 access token as the token service needs it (the OS-OAUTH1 extension provides these). */
export interface OAuthAccessTokenRef { id: string; consumerId: string; projectId: string; roleIds: string[]; authorizingUserId: string; expiresAt: string | null; }

export interface TokenServiceDeps {
  keys: KeyRepository;
  generation: Generation;
  resources: ResourceStore;
  users: UserStore;
  resolver: RoleResolver;
  trusts: TrustStore;
  appCreds: AppCredStore;
  revocations: RevocationStore;
  catalog: CatalogStore;
  /** Token lifetime in seconds. */
  lifetime: number;
  /** Endpoint ids a project is limited to (OS-EP-FILTER), or null for all. */
  endpointFilter?: (projectId: string) => Promise<string[] | null>;
  /** Looks up an OAuth1 access token. */
  findAccessToken?: (id: string) => Promise<OAuthAccessTokenRef | undefined>;
  /** Enabled federation service providers, which Keystone lists in every token. */
  serviceProviders?: () => Promise<ServiceProviderRef[]>;
}

export interface ServiceProviderRef { id: string; auth_url: string; sp_url: string; }

export interface IssueInput {
  userId: string;
  methods: AuthMethod[];
  scope: TokenScope;
  trust?: Trust | undefined;
  appCred?: ApplicationCredential | undefined;
  accessTokenId?: string | undefined;
  /** The token this one was rescoped from (method token): keeps its expiry and audit chain. */
  parent?: TokenPayload | undefined;
}

/** What validation computes for a (user, scope) pair; the token-specific fields are added per call. */
interface Authorization {
  body: Omit<KeystoneTokenBody, 'methods' | 'audit_ids' | 'issued_at' | 'expires_at' | 'catalog'>;
  catalog: CatalogEntry[] | undefined;
  revocable: Omit<RevocableToken, 'auditIds' | 'issuedAt'>;
  /** When the delegation behind the token (trust, application credential, access token) expires. */
  notAfter: number | undefined;
}

type Outcome = { ok: true; value: Authorization } | { ok: false; reason: string };

export interface ValidatedToken {
  payload: TokenPayload;
  body: KeystoneTokenBody;
}

function fail(reason: string): Outcome { return { ok: false, reason }; }

export class TokenService {
  readonly #d: TokenServiceDeps;
  readonly #cache: GenerationCache<Outcome>;

  constructor(deps: TokenServiceDeps) {
    this.#d = deps;
    this.#cache = new GenerationCache(deps.generation);
  }

  /** Issues a token; throws Unauthorized if the scope cannot be granted. */
  async issue(input: IssueInput): Promise<ValidatedToken & { token: string }> {
    const now = Date.now();
    let expiresAt = now + this.#d.lifetime * 1000;
    for (const limit of [input.parent?.expiresAt, input.trust?.expiresAt, input.appCred?.expiresAt]) {
      if (limit === undefined || limit === null) continue;
      expiresAt = Math.min(expiresAt, typeof limit === 'number' ? limit : Date.parse(limit));
    }
    const chain = input.parent ? input.parent.auditIds : [];
    const auditIds = [newAuditId(), ...chain];
    if (auditIds.length > MAX_AUDIT_CHAIN) auditIds.splice(MAX_AUDIT_CHAIN - 1, auditIds.length - MAX_AUDIT_CHAIN);
    const payload: TokenPayload = {
      userId: input.userId,
      methods: input.methods,
      scope: input.scope,
      issuedAt: now,
      expiresAt,
      auditIds,
      trustId: input.trust?.id,
      appCredId: input.appCred?.id,
      accessTokenId: input.accessTokenId,
    };
    const body = await this.#render(payload, true);
    return { token: sealToken(this.#d.keys, payload), payload, body };
  }

  /** Decrypts a token without checking it against current data; undefined if it is not authentic. */
  decode(token: string): TokenPayload | undefined {
    return openToken(this.#d.keys, token);
  }

  /**
   * Validates a token: authentic, unexpired (or within the allow_expired window), not revoked, and its
   * user, scope and roles still valid. Throws Unauthorized otherwise.
   */
  async validate(token: string, opts: { includeCatalog?: boolean; allowExpired?: boolean } = {}): Promise<ValidatedToken> {
    const payload = openToken(this.#d.keys, token);
    if (!payload) throw new Unauthorized(INVALID_TOKEN);
    const now = Date.now();
    const grace = opts.allowExpired ? ALLOW_EXPIRED_WINDOW_MS : 0;
    if (payload.expiresAt + grace <= now) throw new Unauthorized(INVALID_TOKEN);
    return { payload, body: await this.#render(payload, opts.includeCatalog ?? true) };
  }

  async #render(payload: TokenPayload, includeCatalog: boolean): Promise<KeystoneTokenBody> {
    const scopeKey = payload.scope.kind === 'project' ? `p:${payload.scope.projectId}` : payload.scope.kind === 'domain' ? `d:${payload.scope.domainId}` : payload.scope.kind;
    const key = `${payload.userId}|${scopeKey}|${payload.trustId ?? ''}|${payload.appCredId ?? ''}|${payload.accessTokenId ?? ''}`;
    const outcome = await this.#cache.get(key, () => this.#authorize(payload));
    if (!outcome.ok) throw new Unauthorized(INVALID_TOKEN);
    const auth = outcome.value;
    if (this.#d.revocations.isRevoked({ ...auth.revocable, auditIds: payload.auditIds, issuedAt: payload.issuedAt })) {
      throw new Unauthorized(INVALID_TOKEN);
    }
    // Checked per call: the cached authorization may outlive the delegation it rests on.
    if (auth.notAfter !== undefined && auth.notAfter <= Date.now()) throw new Unauthorized(INVALID_TOKEN);
    const body: KeystoneTokenBody = {
      methods: [...payload.methods],
      ...auth.body,
      audit_ids: payload.auditIds,
      issued_at: keystoneTime(payload.issuedAt),
      expires_at: keystoneTime(payload.expiresAt),
    };
    if (includeCatalog && auth.catalog) body.catalog = auth.catalog;
    return body;
  }

  async #nameOfDomain(id: string): Promise<NamedRef | undefined> {
    const d = await this.#d.resources.find(id);
    return d && d.isDomain && d.enabled ? { id: d.id, name: d.name } : undefined;
  }

  async #activeUser(id: string): Promise<{ user: User; domain: NamedRef } | undefined> {
    const user = await this.#d.users.find(id);
    if (!user || !user.enabled) return undefined;
    const domain = await this.#nameOfDomain(user.domainId);
    return domain ? { user, domain } : undefined;
  }

  /** Everything about a (user, scope, delegation) that does not depend on the individual token. */
  async #authorize(p: TokenPayload): Promise<Outcome> {
    const subject = await this.#activeUser(p.userId);
    if (!subject) return fail('user disabled or gone');
    const { user, domain: userDomain } = subject;
    const body: Authorization['body'] = {
      user: { domain: userDomain, id: user.id, name: user.name, password_expires_at: user.passwordExpiresAt ? keystoneTime(user.passwordExpiresAt) : null },
    };
    const userIds = [user.id];
    const domainIds = [user.domainId];
    let project: Project | undefined;
    let roleIds: string[] = [];
    let trustId: string | undefined;
    let consumerId: string | undefined;
    let notAfter: number | undefined;
    const bound = (iso: string | null): void => {
      if (iso) notAfter = Math.min(notAfter ?? Infinity, Date.parse(iso));
    };

    switch (p.scope.kind) {
      case 'unscoped':
        break;
      case 'system':
        body.system = { all: true };
        roleIds = await this.#d.resolver.effectiveRoleIds(user.id, { kind: 'system' });
        break;
      case 'domain': {
        const d = await this.#nameOfDomain(p.scope.domainId);
        if (!d) return fail('domain disabled or gone');
        body.domain = d;
        domainIds.push(d.id);
        roleIds = await this.#d.resolver.effectiveRoleIds(user.id, { kind: 'domain', domainId: d.id });
        break;
      }
      case 'project': {
        project = await this.#d.resources.find(p.scope.projectId);
        if (!project || project.isDomain || !project.enabled) return fail('project disabled or gone');
        const pd = await this.#nameOfDomain(project.domainId);
        if (!pd) return fail('project domain disabled');
        // A project below a disabled parent is disabled too.
        for (const parent of await this.#d.resources.parents(project)) if (!parent.enabled) return fail('parent project disabled');
        body.project = { domain: pd, id: project.id, name: project.name };
        body.is_domain = false;
        domainIds.push(project.domainId);
        if (!p.trustId) roleIds = await this.#d.resolver.effectiveRoleIds(user.id, { kind: 'project', project });
        break;
      }
    }

    if (p.trustId) {
      const trust = await this.#d.trusts.find(p.trustId);
      if (!trust || !project || trust.projectId !== project.id) return fail('trust gone');
      const trustor = await this.#activeUser(trust.trustorUserId);
      const trustee = await this.#activeUser(trust.trusteeUserId);
      if (!trustor || !trustee) return fail('trustor or trustee disabled');
      const expected = trust.impersonation ? trust.trustorUserId : trust.trusteeUserId;
      if (user.id !== expected) return fail('trust user mismatch');
      const held = new Set(await this.#d.resolver.effectiveRoleIds(trust.trustorUserId, { kind: 'project', project }));
      const delegated = await this.#d.resolver.expand(trust.roleIds);
      // The trustor must still hold every role it delegated.
      if (!trust.roleIds.every((r) => held.has(r) || !delegated.includes(r))) return fail('trustor lost a delegated role');
      roleIds = delegated.filter((r) => held.has(r));
      trustId = trust.id;
      bound(trust.expiresAt);
      userIds.push(trust.trustorUserId, trust.trusteeUserId);
      body['OS-TRUST:trust'] = {
        id: trust.id,
        impersonation: trust.impersonation,
        trustee_user: { id: trust.trusteeUserId },
        trustor_user: { id: trust.trustorUserId },
      };
    }

    if (p.appCredId) {
      const ac = await this.#d.appCreds.find(p.appCredId);
      if (!ac || ac.userId !== user.id || !project || ac.projectId !== project.id) return fail('application credential gone');
      bound(ac.expiresAt);
      const granted = new Set(await this.#d.resolver.expand(ac.roleIds));
      roleIds = roleIds.filter((r) => granted.has(r));
      const rules = ac.accessRuleIds.length > 0 ? await this.#d.appCreds.listAccessRules(user.id, ac.accessRuleIds) : [];
      body.application_credential = {
        id: ac.id,
        name: ac.name,
        restricted: !ac.unrestricted,
        ...(rules.length > 0 ? { access_rules: rules.map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method })) } : {}),
      };
    }

    if (p.accessTokenId) {
      const at = await this.#d.findAccessToken?.(p.accessTokenId);
      if (!at || !project || at.projectId !== project.id || at.authorizingUserId !== user.id) return fail('access token gone');
      bound(at.expiresAt);
      const granted = new Set(await this.#d.resolver.expand(at.roleIds));
      roleIds = roleIds.filter((r) => granted.has(r));
      consumerId = at.consumerId;
      body['OS-OAUTH1'] = { access_token_id: at.id, consumer_id: at.consumerId };
    }

    if (p.scope.kind !== 'unscoped') {
      if (roleIds.length === 0) return fail('no roles on scope');
      const roles = await this.#d.resolver.roles(roleIds);
      body.roles = roles.map((r) => ({ id: r.id, name: r.name }));
    }
    const catalog = p.scope.kind === 'unscoped'
      ? undefined
      : await buildCatalog(this.#d.catalog, { projectId: project?.id, userId: user.id, endpointFilter: this.#d.endpointFilter });
    const sps = (await this.#d.serviceProviders?.()) ?? [];
    if (sps.length > 0) body.service_providers = sps;
    const revocable = { userId: user.id, userIds, projectId: project?.id, domainIds, roleIds, trustId, consumerId, accessTokenId: p.accessTokenId };
    return { ok: true, value: { body, catalog, revocable, notAfter } };
  }
}
