/**
 * OS-OAUTH1 storage: consumers, request tokens and access tokens. Secrets are kept as Keystone keeps
 * them, in the clear: HMAC-SHA1 verification needs the shared secret itself, not a hash of it.
 */
import type { Kysely } from 'kysely';
import { NotFound } from '../../platform/errors.js';
import { parseJson } from '../../platform/db/database.js';
import type { AccessTokenTable, ConsumerTable, IdentityTables, RequestTokenTable } from '../tables.js';
import type { Extra } from '../model.js';
import type { OAuthAccessTokenRef } from '../tokens/service.js';

export interface Consumer {
  id: string;
  description: string | null;
  secret: string;
  extra: Extra;
}

/** A request token: unauthorized until a user names the roles it delegates (then it has a verifier). */
export interface RequestToken {
  id: string;
  secret: string;
  consumerId: string;
  projectId: string;
  verifier: string | null;
  authorizingUserId: string | null;
  roleIds: string[] | null;
  /** Keystone's timestamp format; null for no expiry. */
  expiresAt: string | null;
}

export interface AccessToken {
  id: string;
  secret: string;
  consumerId: string;
  projectId: string;
  authorizingUserId: string;
  roleIds: string[];
  expiresAt: string | null;
}

const toConsumer = (r: ConsumerTable): Consumer => ({ id: r.id, description: r.description, secret: r.secret, extra: parseJson(r.extra, {}) });
const toRequestToken = (r: RequestTokenTable): RequestToken => ({
  id: r.id, secret: r.request_secret, consumerId: r.consumer_id, projectId: r.requested_project_id, verifier: r.verifier,
  authorizingUserId: r.authorizing_user_id, roleIds: r.role_ids === null ? null : parseJson<string[]>(r.role_ids, []), expiresAt: r.expires_at,
});
const toAccessToken = (r: AccessTokenTable): AccessToken => ({
  id: r.id, secret: r.access_secret, consumerId: r.consumer_id, projectId: r.project_id, authorizingUserId: r.authorizing_user_id,
  roleIds: parseJson<string[]>(r.role_ids, []), expiresAt: r.expires_at,
});

/** True once an ISO timestamp has passed. */
export function isExpired(expiresAt: string | null, now = Date.now()): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now;
}

export class OAuthStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- consumers ---
  async findConsumer(id: string): Promise<Consumer | undefined> {
    const r = await this.#db.selectFrom('consumer').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toConsumer(r) : undefined;
  }
  async getConsumer(id: string): Promise<Consumer> {
    const c = await this.findConsumer(id);
    if (!c) throw new NotFound(`Could not find consumer: ${id}.`);
    return c;
  }
  async listConsumers(): Promise<Consumer[]> {
    return (await this.#db.selectFrom('consumer').selectAll().orderBy('id').execute()).map(toConsumer);
  }
  async insertConsumer(c: Consumer): Promise<Consumer> {
    await this.#db.insertInto('consumer').values({ id: c.id, description: c.description, secret: c.secret, extra: JSON.stringify(c.extra) }).execute();
    return c;
  }
  async updateConsumer(c: Consumer): Promise<Consumer> {
    await this.#db.updateTable('consumer').set({ description: c.description, extra: JSON.stringify(c.extra) }).where('id', '=', c.id).execute();
    return c;
  }
  /** Deletes a consumer with every request and access token issued to it. */
  async deleteConsumer(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('request_token').where('consumer_id', '=', id).execute();
      await trx.deleteFrom('access_token').where('consumer_id', '=', id).execute();
      await trx.deleteFrom('consumer').where('id', '=', id).execute();
    });
  }

  // --- request tokens ---
  async insertRequestToken(t: RequestToken): Promise<RequestToken> {
    await this.#db.insertInto('request_token').values({
      id: t.id, request_secret: t.secret, verifier: t.verifier, authorizing_user_id: t.authorizingUserId,
      requested_project_id: t.projectId, role_ids: t.roleIds === null ? null : JSON.stringify(t.roleIds),
      consumer_id: t.consumerId, expires_at: t.expiresAt,
    }).execute();
    return t;
  }
  async findRequestToken(id: string): Promise<RequestToken | undefined> {
    const r = await this.#db.selectFrom('request_token').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRequestToken(r) : undefined;
  }
  async authorizeRequestToken(id: string, userId: string, roleIds: readonly string[], verifier: string): Promise<void> {
    await this.#db.updateTable('request_token')
      .set({ authorizing_user_id: userId, role_ids: JSON.stringify(roleIds), verifier })
      .where('id', '=', id).execute();
  }
  /** Drops request tokens that expired before `now` (Keystone's timestamps sort as text). */
  async pruneRequestTokens(now: string): Promise<void> {
    await this.#db.deleteFrom('request_token').where('expires_at', 'is not', null).where('expires_at', '<', now).execute();
  }

  /**
   * Trades an authorized request token for an access token, once: the request token is deleted in the
   * same transaction, and if another exchange got there first nothing is stored and false returned.
   */
  async exchange(requestTokenId: string, access: AccessToken): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('request_token').where('id', '=', requestTokenId).executeTakeFirst();
      if (Number(gone.numDeletedRows) !== 1) return false;
      await trx.insertInto('access_token').values({
        id: access.id, access_secret: access.secret, authorizing_user_id: access.authorizingUserId, project_id: access.projectId,
        role_ids: JSON.stringify(access.roleIds), consumer_id: access.consumerId, expires_at: access.expiresAt,
      }).execute();
      return true;
    });
  }

  // --- access tokens ---
  async findAccessToken(id: string): Promise<AccessToken | undefined> {
    const r = await this.#db.selectFrom('access_token').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toAccessToken(r) : undefined;
  }
  /** The access token as the token service sees it (no secret). */
  async findAccessTokenRef(id: string): Promise<OAuthAccessTokenRef | undefined> {
    const t = await this.findAccessToken(id);
    if (!t) return undefined;
    return { id: t.id, consumerId: t.consumerId, projectId: t.projectId, roleIds: t.roleIds, authorizingUserId: t.authorizingUserId, expiresAt: t.expiresAt };
  }
  async listAccessTokens(userId: string): Promise<AccessToken[]> {
    return (await this.#db.selectFrom('access_token').selectAll().where('authorizing_user_id', '=', userId).orderBy('id').execute()).map(toAccessToken);
  }
  async deleteAccessToken(id: string): Promise<void> {
    await this.#db.deleteFrom('access_token').where('id', '=', id).execute();
  }
}
