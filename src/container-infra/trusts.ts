/**
 * Keystone trusts for clusters, as Magnum's trust_manager and Flotilla's orchestration (trusts.ts) do:
 * at cluster create the caller delegates the roles of their token to the `magnum` service user
 * (impersonating, on the cluster's project), and the conductor acts for the cluster with trust-scoped
 * tokens it gets as `magnum`, so a cluster outlives its creator's token and its stack is the project's.
 */
import type { IdentityClient } from '../identity/client.js';
import type { ServiceSession } from '../platform/auth/service-session.js';
import type { AuthContext } from '../platform/auth/context.js';
import type { Logger } from '../platform/log.js';

export interface TrustPlumbing {
  /** A trust from the caller to the magnum user on the caller's project; null when the token is itself trust-scoped. */
  create(auth: AuthContext): Promise<string | null>;
  /** A token scoped by the trust, as the magnum user (cached until close to expiry). */
  token(trustId: string): Promise<string>;
  /** Deletes the trust with a token of the trust itself (which acts as the trustor); failures are logged. */
  delete(trustId: string): Promise<void>;
}

export function createTrustPlumbing(identity: IdentityClient, session: ServiceSession, log: Logger): TrustPlumbing {
  let magnumUserId: Promise<string> | undefined;
  const trusteeId = (): Promise<string> => {
    magnumUserId ??= session.token().then((t) => identity.validate(t, t)).then((b) => b.user.id);
    magnumUserId.catch(() => { magnumUserId = undefined; });
    return magnumUserId;
  };
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  return {
    async create(auth) {
      // A trust-scoped token cannot delegate further (Keystone refuses).
      if (auth.trust || auth.scope.kind !== 'project') return null;
      const trust = await identity.createTrust(auth.token, {
        trustorUserId: auth.user.id, trusteeUserId: await trusteeId(), projectId: auth.scope.project.id,
        roles: auth.roles.map((r) => r.name), impersonation: true,
        // Once more: the conductor creates the cluster's stack with a token of this trust, and
        // orchestration makes the stack's own trust from it (Keystone's redelegation).
        allowRedelegation: true, redelegationCount: 1,
      });
      return trust.id;
    },
    async token(trustId) {
      const hit = tokens.get(trustId);
      if (hit && hit.expiresAt - Date.now() > 5 * 60 * 1000) return hit.token;
      const issued = await identity.rescope(await session.token(), { trustId });
      tokens.set(trustId, { token: issued.token, expiresAt: Date.parse(issued.body.expires_at) });
      return issued.token;
    },
    async delete(trustId) {
      try {
        await identity.deleteTrust(await this.token(trustId), trustId);
      } catch (err) {
        log.warn({ err, trustId }, 'could not delete a cluster\'s trust');
      } finally {
        tokens.delete(trustId);
      }
    },
  };
}
