/**
 * POST /v3/auth/tokens: turns an auth request (one or more methods and an optional scope) into a token.
 * Each method proves one user; all must agree. The scope is then checked and, if none was asked for,
 * the user's default project is used when the user has roles there (Keystone's behaviour).
 */
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../platform/errors.js';
import type { IdentityContext } from '../context.js';
import { Lookups } from '../lookups.js';
import type { ApplicationCredential, Project, Trust, User } from '../model.js';
import type { AuthMethod, TokenPayload, TokenScope } from '../tokens/format.js';
import { INVALID_TOKEN, type ValidatedToken } from '../tokens/service.js';
import { OAuth1Service } from '../oauth1/service.js';
import { oauthRequestOf, type HttpRequestLike } from '../oauth1/request.js';
import type { AccessToken } from '../oauth1/store.js';

type Ref = { id?: string; name?: string; domain?: { id?: string; name?: string } };

export interface AuthRequest {
  identity: {
    methods: string[];
    password?: { user: Ref & { password: string } };
    token?: { id: string };
    application_credential?: { id?: string; name?: string; secret: string; user?: Ref };
    [other: string]: unknown;
  };
  scope?: 'unscoped' | {
    project?: Ref;
    domain?: { id?: string; name?: string };
    system?: { all?: boolean };
    'OS-TRUST:trust'?: { id: string };
  };
}

interface Proof {
  userId: string;
  parent?: TokenPayload;
  appCred?: ApplicationCredential;
  accessToken?: AccessToken;
}

const unauthorized = (): Unauthorized => new Unauthorized(INVALID_TOKEN);

export class Authenticator {
  private readonly lookups: Lookups;

  constructor(private readonly ctx: IdentityContext) {
    this.lookups = new Lookups(ctx.generation, ctx.users, ctx.resources);
  }

  /**
   * `http` is the request that carried `req`: the oauth1 method proves the user by the request's
   * OAuth signature rather than by anything in the body.
   */
  async authenticate(req: AuthRequest, http?: HttpRequestLike): Promise<ValidatedToken & { token: string }> {
    const methods = [...new Set(req.identity.methods)];
    if (methods.length === 0) throw new BadRequest("Invalid input for field 'methods': [] is too short");
    const proofs: Proof[] = [];
    for (const m of methods) {
      switch (m) {
        case 'password': proofs.push(await this.#password(req)); break;
        case 'token': proofs.push(await this.#token(req)); break;
        case 'application_credential': proofs.push(await this.#appCred(req)); break;
        case 'oauth1': proofs.push(await this.#oauth1(http)); break;
        default: throw new Unauthorized(`Attempted to authenticate with an unsupported method.`);
      }
    }
    const userId = proofs[0]!.userId;
    if (proofs.some((p) => p.userId !== userId)) throw unauthorized();
    const parent = proofs.find((p) => p.parent)?.parent;
    const appCred = proofs.find((p) => p.appCred)?.appCred;
    const user = await this.lookups.user(userId);
    if (!user || !user.enabled) throw unauthorized();

    // Methods carried by the token: those used now plus those behind a rescoped token.
    const allMethods = [...new Set([...methods, ...(parent?.methods ?? [])])] as AuthMethod[];

    if (appCred) {
      if (req.scope !== undefined && req.scope !== 'unscoped') {
        const want = await this.#scope(req.scope, user);
        if (want.scope.kind !== 'project' || want.scope.projectId !== appCred.projectId) throw unauthorized();
      }
      if (!appCred.projectId) throw unauthorized();
      return this.ctx.tokens.issue({ userId, methods: allMethods, scope: { kind: 'project', projectId: appCred.projectId }, appCred });
    }

    // An OAuth1 token carries only the delegated roles on one project; a token made from it would not.
    if (parent?.accessTokenId) throw new Forbidden('Using OAuth-scoped token to create another token. Create a new OAuth-scoped token instead.');
    const accessToken = proofs.find((p) => p.accessToken)?.accessToken;
    if (accessToken) {
      if (req.scope !== undefined && req.scope !== 'unscoped') {
        const want = await this.#scope(req.scope, user);
        if (want.scope.kind !== 'project' || want.scope.projectId !== accessToken.projectId) throw unauthorized();
      }
      return this.ctx.tokens.issue({ userId, methods: allMethods, scope: { kind: 'project', projectId: accessToken.projectId }, accessTokenId: accessToken.id });
    }

    if (parent?.trustId) throw new Forbidden('Trust-scoped tokens cannot be rescoped.');
    if (parent?.appCredId) throw new Forbidden('Application credential tokens cannot be rescoped.');

    let scope: TokenScope = { kind: 'unscoped' };
    let trust: Trust | undefined;
    if (req.scope === undefined) {
      scope = await this.#defaultScope(user);
    } else if (req.scope !== 'unscoped') {
      const chosen = await this.#scope(req.scope, user);
      scope = chosen.scope;
      trust = chosen.trust;
    }

    let tokenUserId = userId;
    if (trust) {
      if (trust.trusteeUserId !== userId) throw new Forbidden('The authenticated user should match the trustee.');
      if (trust.expiresAt && Date.parse(trust.expiresAt) <= Date.now()) throw unauthorized();
      if (trust.remainingUses !== null && !(await this.ctx.trusts.consumeUse(trust.id))) throw unauthorized();
      if (trust.impersonation) tokenUserId = trust.trustorUserId;
    }
    return this.ctx.tokens.issue({ userId: tokenUserId, methods: allMethods, scope, trust, parent });
  }

  async #findUser(ref: Ref): Promise<User | undefined> {
    if (ref.id !== undefined) return this.lookups.user(ref.id);
    if (ref.name === undefined || !ref.domain) throw new BadRequest('Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    const domain = await this.#findDomain(ref.domain);
    return domain ? this.lookups.userByName(ref.name, domain.id) : undefined;
  }

  async #findDomain(ref: { id?: string; name?: string }): Promise<Project | undefined> {
    if (ref.id !== undefined) {
      const d = await this.lookups.project(ref.id);
      return d?.isDomain ? d : undefined;
    }
    if (ref.name !== undefined) return this.lookups.domainByName(ref.name);
    throw new BadRequest('Expecting to find id or name in domain.');
  }

  /** The user exists, is enabled and so is its domain; else Unauthorized (the same for every cause). */
  async #activeUser(user: User | undefined): Promise<User> {
    if (!user || !user.enabled) throw unauthorized();
    const domain = await this.lookups.project(user.domainId);
    if (!domain?.enabled) throw unauthorized();
    return user;
  }

  async #password(req: AuthRequest): Promise<Proof> {
    const p = req.identity.password;
    if (!p?.user) throw new BadRequest("Invalid input for field 'identity': 'password' is a required property");
    const found = await this.#findUser(p.user);
    // Keystone answers a missing password like a wrong one.
    if (typeof p.user.password !== 'string') throw unauthorized();
    const policy = this.ctx.passwordPolicy;
    if (found && policy.isLocked(found)) throw new Unauthorized(`The account is locked for user: ${found.id}.`);
    const ok = await this.ctx.hasher.verify(p.user.password, found?.passwordHash);
    if (!found || !ok) {
      // A failed attempt is a write: the cached user must see the new count.
      if (found && (await policy.recordFailure(found))) this.ctx.generation.bump();
      throw unauthorized();
    }
    if (await policy.recordSuccess(found)) this.ctx.generation.bump();
    const user = await this.#activeUser(found);
    if (user.passwordExpiresAt && Date.parse(user.passwordExpiresAt) <= Date.now() && !user.options.ignore_password_expiry) {
      throw new Unauthorized(`The password is expired and needs to be changed for user: ${user.id}.`);
    }
    return { userId: user.id };
  }

  async #token(req: AuthRequest): Promise<Proof> {
    const t = req.identity.token;
    if (!t || typeof t.id !== 'string') throw new BadRequest("Invalid input for field 'identity': 'token' is a required property");
    try {
      const { payload } = await this.ctx.tokens.validate(t.id, { includeCatalog: false });
      return { userId: payload.userId, parent: payload };
    } catch (err) {
      // As Keystone: a token that is invalid, expired or revoked is "not found" for the token method.
      if (err instanceof Unauthorized) throw new NotFound('Could not find token: the token is invalid, expired or revoked.');
      throw err;
    }
  }

  async #appCred(req: AuthRequest): Promise<Proof> {
    const a = req.identity.application_credential;
    if (!a) throw new BadRequest("Invalid input for field 'identity': 'application_credential' is a required property");
    let cred: ApplicationCredential | undefined;
    if (a.id !== undefined) {
      cred = await this.ctx.appCreds.find(a.id);
    } else if (a.name !== undefined && a.user) {
      const user = await this.#findUser(a.user);
      cred = user ? await this.ctx.appCreds.findByName(user.id, a.name) : undefined;
    } else {
      throw new BadRequest('Could not find application credential: id or name with user is required.');
    }
    if (typeof a.secret !== 'string') throw unauthorized();
    const ok = await this.ctx.hasher.verify(a.secret, cred?.secretHash);
    if (!cred || !ok) throw unauthorized();
    if (cred.expiresAt && Date.parse(cred.expiresAt) <= Date.now()) throw unauthorized();
    await this.#activeUser(await this.lookups.user(cred.userId));
    return { userId: cred.userId, appCred: cred };
  }

  async #oauth1(http: HttpRequestLike | undefined): Promise<Proof> {
    if (!http) throw unauthorized();
    const accessToken = await OAuth1Service.of(this.ctx).authenticate(oauthRequestOf(http, this.ctx.baseUrl));
    const user = await this.#activeUser(await this.lookups.user(accessToken.authorizingUserId));
    return { userId: user.id, accessToken };
  }

  async #scope(scope: Exclude<AuthRequest['scope'], undefined | 'unscoped'>, user: User): Promise<{ scope: TokenScope; trust?: Trust }> {
    const kinds = (['project', 'domain', 'system', 'OS-TRUST:trust'] as const).filter((k) => scope[k] !== undefined);
    if (kinds.length !== 1) throw new BadRequest('Specify one of project, domain, system or OS-TRUST:trust as the scope.');
    if (scope.project) {
      const ref = scope.project;
      let project: Project | undefined;
      if (ref.id !== undefined) {
        project = await this.lookups.project(ref.id);
      } else if (ref.name !== undefined && ref.domain) {
        const domain = await this.#findDomain(ref.domain);
        project = domain ? await this.lookups.projectByName(ref.name, domain.id) : undefined;
      } else {
        throw new BadRequest('Expecting to find domain in project. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
      }
      if (!project || project.isDomain) throw unauthorized();
      return { scope: { kind: 'project', projectId: project.id } };
    }
    if (scope.domain) {
      const domain = await this.#findDomain(scope.domain);
      if (!domain) throw unauthorized();
      return { scope: { kind: 'domain', domainId: domain.id } };
    }
    if (scope.system) {
      if (scope.system.all !== true) throw new BadRequest("Invalid input for field 'system': only {\"all\": true} is supported");
      return { scope: { kind: 'system' } };
    }
    const trustRef = scope['OS-TRUST:trust']!;
    const trust = await this.ctx.trusts.find(trustRef.id);
    if (!trust) throw unauthorized();
    if (trust.trusteeUserId !== user.id) throw new Forbidden('The authenticated user should match the trustee.');
    if (!trust.projectId) throw unauthorized();
    return { scope: { kind: 'project', projectId: trust.projectId }, trust };
  }

  /** The default project if the user has one it can use; unscoped otherwise. */
  async #defaultScope(user: User): Promise<TokenScope> {
    if (!user.defaultProjectId) return { kind: 'unscoped' };
    const project = await this.lookups.project(user.defaultProjectId);
    if (!project || project.isDomain || !project.enabled) return { kind: 'unscoped' };
    const roles = await this.ctx.resolver.effectiveRoleIds(user.id, { kind: 'project', project });
    return roles.length > 0 ? { kind: 'project', projectId: project.id } : { kind: 'unscoped' };
  }
}
