/**
 * Typed client of the identity API, for other services (token validation, trusts for long operations)
 * and the CLI. It speaks HTTP only: a service never reads identity's tables.
 *
 * @example
 *   const identity = new IdentityClient('http://127.0.0.1:5000/v3');
 *   const { token } = await identity.passwordToken({ user: 'admin', password, project: 'admin' });
 *   const body = await identity.validate(token, token);
 */
import { Unauthorized, Unavailable, BadRequest, Forbidden, NotFound, Conflict, faultFromStatus, type FaultTable } from '../platform/errors.js';
import type { KeystoneTokenBody } from '../platform/auth/context.js';
import type { RevocationEvent } from '../platform/auth/revocation.js';

export interface IssuedToken { token: string; body: KeystoneTokenBody; }

type NameOrId = { id: string } | { name: string; domain: { id: string } | { name: string } };

/** The typed fault each identity API error status becomes, so callers can rethrow it. */
const FAULTS: FaultTable = { 400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict };

export class IdentityClient {
  /** @param url the identity v3 base, e.g. http://127.0.0.1:5000/v3 */
  constructor(readonly url: string, private readonly timeoutMs = 10000) {}

  async #call(method: string, path: string, opts: { token?: string; subject?: string; body?: unknown } = {}): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers['x-auth-token'] = opts.token;
    if (opts.subject) headers['x-subject-token'] = opts.subject;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: globalThis.Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Unavailable(`identity service unreachable at ${this.url}`, { cause: err });
    }
    const text = await res.text();
    let body: any;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
    if (res.status >= 400) throw faultFromStatus('identity', FAULTS, res.status, body?.error?.message ?? String(text).slice(0, 200));
    return { status: res.status, headers: res.headers, body };
  }

  async #issue(auth: unknown, nocatalog = true): Promise<IssuedToken> {
    const r = await this.#call('POST', `/auth/tokens${nocatalog ? '?nocatalog' : ''}`, { body: { auth } });
    return { token: r.headers.get('x-subject-token') ?? '', body: r.body.token };
  }

  /** Password login; scope by project name (in the user's domain) or id. */
  passwordToken(opts: { user: string; password: string; domain?: string; project?: string; projectId?: string; system?: boolean }): Promise<IssuedToken> {
    const domain = { name: opts.domain ?? 'Default' };
    const scope = opts.projectId ? { project: { id: opts.projectId } }
      : opts.project ? { project: { name: opts.project, domain } }
        : opts.system ? { system: { all: true } } : undefined;
    return this.#issue({ identity: { methods: ['password'], password: { user: { name: opts.user, domain, password: opts.password } } }, ...(scope ? { scope } : {}) });
  }

  /** A new token from an existing one, optionally rescoped to a project or a trust. */
  rescope(token: string, scope?: { project?: NameOrId; trustId?: string }): Promise<IssuedToken> {
    const s = scope?.trustId ? { 'OS-TRUST:trust': { id: scope.trustId } } : scope?.project ? { project: scope.project } : undefined;
    return this.#issue({ identity: { methods: ['token'], token: { id: token } }, ...(s ? { scope: s } : {}) });
  }

  /** Validates `subject`, authenticating with `token` (the subject itself works: token_subject rule). */
  async validate(subject: string, token: string = subject, opts: { allowExpired?: boolean } = {}): Promise<KeystoneTokenBody> {
    const r = await this.#call('GET', `/auth/tokens?nocatalog${opts.allowExpired ? '&allow_expired=true' : ''}`, { token, subject });
    return r.body.token as KeystoneTokenBody;
  }

  /** Revocation events since a time (service or admin token). */
  async revocationEvents(token: string, since?: Date): Promise<RevocationEvent[]> {
    const r = await this.#call('GET', `/OS-REVOKE/events${since ? `?since=${encodeURIComponent(since.toISOString())}` : ''}`, { token });
    return r.body.events as RevocationEvent[];
  }

  /** Creates a trust from the token's user to a trustee on the token's project. */
  async createTrust(token: string, trust: { trustorUserId: string; trusteeUserId: string; projectId: string; roles: string[]; impersonation: boolean; expiresAt?: string; allowRedelegation?: boolean; redelegationCount?: number }): Promise<{ id: string }> {
    const r = await this.#call('POST', '/OS-TRUST/trusts', {
      token,
      body: { trust: {
        trustor_user_id: trust.trustorUserId, trustee_user_id: trust.trusteeUserId, project_id: trust.projectId,
        roles: trust.roles.map((name) => ({ name })), impersonation: trust.impersonation,
        ...(trust.expiresAt ? { expires_at: trust.expiresAt } : {}),
        ...(trust.allowRedelegation ? { allow_redelegation: true, ...(trust.redelegationCount !== undefined ? { redelegation_count: trust.redelegationCount } : {}) } : {}),
      } },
    });
    return { id: r.body.trust.id as string };
  }

  async deleteTrust(token: string, trustId: string): Promise<void> {
    await this.#call('DELETE', `/OS-TRUST/trusts/${encodeURIComponent(trustId)}`, { token });
  }

  /** Creates (`id` undefined) or updates a project, user, domain or role; answers the entity. */
  async save(token: string, kind: 'projects' | 'users' | 'domains' | 'roles', fields: Record<string, unknown>, id?: string): Promise<{ id: string; name: string; [k: string]: unknown }> {
    const one = kind.slice(0, -1);
    const r = id === undefined
      ? await this.#call('POST', `/${kind}`, { token, body: { [one]: fields } })
      : await this.#call('PATCH', `/${kind}/${encodeURIComponent(id)}`, { token, body: { [one]: fields } });
    return r.body[one] as { id: string; name: string };
  }

  async remove(token: string, kind: 'projects' | 'users' | 'domains' | 'roles', id: string): Promise<void> {
    await this.#call('DELETE', `/${kind}/${encodeURIComponent(id)}`, { token });
  }

  /** Lists projects, users, domains, roles or groups with Keystone's filters (e.g. `{ name }`). */
  async list(token: string, kind: 'projects' | 'users' | 'domains' | 'roles' | 'groups', filters: Record<string, string> = {}): Promise<Array<{ id: string; name: string; [k: string]: unknown }>> {
    const q = new URLSearchParams(filters).toString();
    return (await this.#call('GET', `/${kind}${q ? `?${q}` : ''}`, { token })).body[kind] as Array<{ id: string; name: string }>;
  }

  /** Grants (or with `revoke`, removes) a role to a user or group on a project or domain. */
  async grant(token: string, g: { on: 'projects' | 'domains'; target: string; actor: 'users' | 'groups'; actorId: string; roleId: string }, revoke = false): Promise<void> {
    const path = `/${g.on}/${encodeURIComponent(g.target)}/${g.actor}/${encodeURIComponent(g.actorId)}/roles/${encodeURIComponent(g.roleId)}`;
    await this.#call(revoke ? 'DELETE' : 'PUT', path, { token });
  }
}
