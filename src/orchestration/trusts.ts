/**
 * Keystone trusts for stacks, as Heat's `deferred_auth_method = trusts` does: at stack create the user
 * delegates the roles of their token to the `heat` service user (impersonating, on the stack's project);
 * the engine then acts for the user with trust-scoped tokens it gets as `heat`, so operations that
 * outlive the user's token (a long create, an update a day later, a resumed operation after a restart)
 * still work. Plugins reach this through `StackClients.token()`.
 */
import type { IdentityClient } from '../identity/client.js';
import type { ServiceSession } from '../platform/auth/service-session.js';
import type { AuthContext } from '../platform/auth/context.js';
import type { Logger } from '../platform/log.js';

export interface TrustPlumbing {
  /** A trust from the caller to the heat user on the caller's project; null when the token is itself trust-scoped. */
  create(auth: AuthContext): Promise<string | null>;
  /** A token scoped by the trust, as the heat user (cached until close to expiry). */
  token(trustId: string): Promise<string>;
  /**
   * Deletes the trust (Keystone lets the trustor or an admin): with the token of the user who asked for
   * the stack's delete when the process still has it, else with a token of the trust itself, which acts
   * as the trustor (impersonation), as after a restart.
   */
  delete(trustId: string, trustorToken?: string): Promise<void>;
}

export function createTrustPlumbing(identity: IdentityClient, session: ServiceSession, log: Logger): TrustPlumbing {
  let heatUserId: Promise<string> | undefined;
  const trusteeId = (): Promise<string> => {
    heatUserId ??= session.token().then((t) => identity.validate(t, t)).then((b) => b.user.id);
    heatUserId.catch(() => { heatUserId = undefined; });
    return heatUserId;
  };
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  return {
    async create(auth) {
      if (auth.scope.kind !== 'project') return null;
      try {
        const trust = await identity.createTrust(auth.token, {
          trustorUserId: auth.user.id, trusteeUserId: await trusteeId(), projectId: auth.scope.project.id,
          roles: auth.roles.map((r) => r.name), impersonation: true,
        });
        return trust.id;
      } catch (err) {
        // A trust-scoped token delegates further only if its trust allows redelegation (a service acting
        // for a user, like container-infra's conductor, gets such a trust); otherwise the stack has none.
        if (auth.trust && (err as { status?: number }).status === 403) return null;
        throw err;
      }
    },
    async token(trustId) {
      const hit = tokens.get(trustId);
      if (hit && hit.expiresAt - Date.now() > 5 * 60 * 1000) return hit.token;
      const issued = await identity.rescope(await session.token(), { trustId });
      tokens.set(trustId, { token: issued.token, expiresAt: Date.parse(issued.body.expires_at) });
      return issued.token;
    },
    async delete(trustId, trustorToken) {
      try {
        await identity.deleteTrust(trustorToken ?? await this.token(trustId), trustId);
      } catch (err) {
        if (!trustorToken) { log.warn({ err, trustId }, 'could not delete a stack\'s trust'); return; }
        // The user's token may have expired since the delete was asked for; the trust's own token still works.
        await identity.deleteTrust(await this.token(trustId), trustId).catch((e: unknown) => log.warn({ err: e, trustId }, 'could not delete a stack\'s trust'));
      } finally {
        tokens.delete(trustId);
      }
    },
  };
}
