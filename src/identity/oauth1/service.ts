/**
 * The OS-OAUTH1 delegation flow (Keystone's oauth1 manager): a consumer obtains a request token for a
 * project, a user authorizes it for some of the roles they hold there, the consumer trades it (with
 * the verifier) for an access token, and signs token requests with that access token from then on.
 * Knows no HTTP: requests arrive as OAuthRequest (request.ts).
 */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import type { IdentityContext } from '../context.js';
import type { IdentityTables } from '../tables.js';
import { keystoneTime } from '../model.js';
import { OAuthStore, isExpired, type AccessToken, type RequestToken } from './store.js';
import { requiredParam, type OAuthRequest } from './request.js';
import { SignatureVerifier } from './verifier.js';

/** Keystone's defaults ([oauth1] request_token_duration, access_token_duration), in seconds. */
export const REQUEST_TOKEN_DURATION = 28800;
export const ACCESS_TOKEN_DURATION = 86400;

/** Verifier alphabet: letters and digits without the look-alikes Keystone leaves out (jiIl1oO0). */
const VERIFIER_CHARS = 'abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export type RoleRef = { id: string } | { name: string };

function newVerifier(): string {
  let v = '';
  for (let i = 0; i < 8; i++) v += VERIFIER_CHARS[randomInt(VERIFIER_CHARS.length)];
  return v;
}

// One instance per identity database, so the OAuth routes and the oauth1 auth method share one
// replay memory; keyed weakly so a closed service's instance goes with it.
const instances = new WeakMap<Kysely<IdentityTables>, OAuth1Service>();

export class OAuth1Service {
  readonly store: OAuthStore;
  readonly #ctx: IdentityContext;
  readonly #verifier = new SignatureVerifier();

  private constructor(ctx: IdentityContext) {
    this.#ctx = ctx;
    this.store = new OAuthStore(ctx.db);
  }

  /** The service for an identity context (one per database). */
  static of(ctx: IdentityContext): OAuth1Service {
    let s = instances.get(ctx.db);
    if (!s) {
      s = new OAuth1Service(ctx);
      instances.set(ctx.db, s);
    }
    return s;
  }

  /** POST /v3/OS-OAUTH1/request_token: a signed request from a consumer for a project. */
  async createRequestToken(req: OAuthRequest, requestedProjectId: string | undefined): Promise<RequestToken> {
    const consumerId = requiredParam(req, 'oauth_consumer_key');
    if (!requestedProjectId) {
      throw new BadRequest('Expecting to find Requested-Project-Id in request. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    }
    await this.#ctx.resources.getProject(requestedProjectId);
    const consumer = await this.store.getConsumer(consumerId);
    this.#verifier.verify(req, consumer.secret);
    const now = Date.now();
    await this.store.pruneRequestTokens(keystoneTime(now));
    return this.store.insertRequestToken({
      id: newHexId(),
      secret: newHexId(),
      consumerId: consumer.id,
      projectId: requestedProjectId,
      verifier: null,
      authorizingUserId: null,
      roleIds: null,
      expiresAt: keystoneTime(now + REQUEST_TOKEN_DURATION * 1000),
    });
  }

  /**
   * PUT /v3/OS-OAUTH1/authorize/{id}: the caller delegates roles it holds on the requested project.
   * Returns the verifier the consumer needs to trade the request token.
   */
  async authorizeRequestToken(requestTokenId: string, userId: string, refs: readonly RoleRef[]): Promise<string> {
    const token = await this.store.findRequestToken(requestTokenId);
    if (!token) throw new NotFound(`Could not find request token: ${requestTokenId}.`);
    if (isExpired(token.expiresAt)) throw new Unauthorized('Request token is expired');
    if (refs.length === 0) throw new BadRequest("Invalid input for field 'roles': name at least one role to delegate.");
    const roleIds = new Set<string>();
    for (const ref of refs) {
      if ('id' in ref) {
        roleIds.add(ref.id);
        continue;
      }
      const role = await this.#ctx.assignments.findRoleByName(ref.name, null);
      if (!role) throw new NotFound(`Could not find role: ${ref.name}.`);
      roleIds.add(role.id);
    }
    const project = await this.#ctx.resources.getProject(token.projectId);
    const held = new Set(await this.#ctx.resolver.effectiveRoleIds(userId, { kind: 'project', project }));
    if (![...roleIds].every((r) => held.has(r))) throw new Unauthorized('authorizing user does not have role required');
    const verifier = newVerifier();
    await this.store.authorizeRequestToken(token.id, userId, [...roleIds], verifier);
    return verifier;
  }

  /** POST /v3/OS-OAUTH1/access_token: signed with the consumer and the authorized request token. */
  async createAccessToken(req: OAuthRequest): Promise<AccessToken> {
    const consumerId = requiredParam(req, 'oauth_consumer_key');
    const requestTokenId = requiredParam(req, 'oauth_token');
    const verifier = requiredParam(req, 'oauth_verifier');
    const token = await this.store.findRequestToken(requestTokenId);
    if (!token) throw new NotFound(`Could not find request token: ${requestTokenId}.`);
    if (isExpired(token.expiresAt)) throw new Unauthorized('Request token is expired');
    const consumer = await this.store.findConsumer(consumerId);
    if (!consumer) throw new Unauthorized('Provided consumer does not exist.');
    if (token.consumerId !== consumer.id) throw new Unauthorized('Provided consumer key does not match stored consumer key.');
    this.#verifier.verify(req, consumer.secret, token.secret);
    if (token.verifier === null || token.authorizingUserId === null || token.roleIds === null) {
      throw new Unauthorized('Request Token does not have an authorizing user id.');
    }
    if (token.verifier !== verifier) throw new Unauthorized('Provided verifier does not match stored verifier');
    const access: AccessToken = {
      id: newHexId(),
      secret: newHexId(),
      consumerId: consumer.id,
      projectId: token.projectId,
      authorizingUserId: token.authorizingUserId,
      roleIds: token.roleIds,
      expiresAt: keystoneTime(Date.now() + ACCESS_TOKEN_DURATION * 1000),
    };
    if (!(await this.store.exchange(token.id, access))) throw new Unauthorized('Request token was already used.');
    return access;
  }

  /** The oauth1 auth method: a token request signed with an access token proves its user. */
  async authenticate(req: OAuthRequest): Promise<AccessToken> {
    const accessTokenId = requiredParam(req, 'oauth_token');
    const consumerId = requiredParam(req, 'oauth_consumer_key');
    const token = await this.store.findAccessToken(accessTokenId);
    // One answer for unknown, expired and foreign tokens: the caller learns nothing about which.
    if (!token || isExpired(token.expiresAt) || token.consumerId !== consumerId) throw new Unauthorized('Could not validate the access token');
    const consumer = await this.store.findConsumer(consumerId);
    if (!consumer) throw new Unauthorized('Could not validate the access token');
    this.#verifier.verify(req, consumer.secret, token.secret);
    return token;
  }

  /** Deletes a consumer and everything issued to it; tokens obtained through it stop validating. */
  async deleteConsumer(id: string): Promise<void> {
    await this.store.getConsumer(id);
    await this.store.deleteConsumer(id);
    await this.#ctx.revocations.revoke({ consumer_id: id });
  }

  /** Revokes one access token of a user and the Keystone tokens it produced. */
  async deleteAccessToken(userId: string, accessTokenId: string): Promise<void> {
    const token = await this.store.findAccessToken(accessTokenId);
    if (!token || token.authorizingUserId !== userId) throw new NotFound(`Could not find access token: ${accessTokenId}.`);
    await this.store.deleteAccessToken(token.id);
    await this.#ctx.revocations.revoke({ access_token_id: token.id });
  }
}

/** Refuses delegated callers: OAuth delegations are managed only with the user's own credentials. */
export function refuseDelegatedCaller(auth: { trust?: unknown; oauth1?: unknown; applicationCredential?: unknown }, what: string): void {
  if (auth.trust || auth.oauth1 || auth.applicationCredential) throw new Forbidden(`Cannot ${what} with a token issued via delegation.`);
}
