/**
 * Keystone trusts for a service that acts for users long after their request: at create the caller
 * delegates the roles of their token to the service's user (impersonating, on the caller's project), and
 * the service then acts with trust-scoped tokens it gets as itself, so its work outlives the user's token
 * (a long create, an update a day later, an operation resumed after a restart). Orchestration makes one
 * per stack (Heat's `deferred_auth_method = trusts`), container-infra one per cluster (Magnum's
 * trust_manager); a caller that itself holds a trust-scoped token gets one by Keystone's redelegation when
 * its trust allows it, else none.
 */
import type { IdentityClient } from '../../identity/client.js';
import type { ServiceSession } from './service-session.js';
import type { AuthContext } from './context.js';
import type { Logger } from '../log.js';

export interface TrustPlumbing {
  /** A trust from the caller to the service's user on the caller's project; null when none can be made. */
  create(auth: AuthContext): Promise<string | null>;
  /** A token scoped by the trust, as the service's user (cached until close to expiry). */
  token(trustId: string): Promise<string>;
  /**
   * Deletes the trust (Keystone lets the trustor or an admin): with the trustor's own token when the
   * caller still has it, else with a token of the trust itself, which acts as the trustor (impersonation),
   * as after a restart. Failures are logged, never thrown.
   */
  delete(trustId: string, trustorToken?: string): Promise<void>;
}

export interface TrustOptions {
  /** What the trusts are for, in log lines ("stack", "cluster"). */
  purpose: string;
  /** Let the service's trust-scoped tokens delegate this many times more (Keystone's redelegation_count). */
  redelegations?: number;
}

export function createTrustPlumbing(identity: IdentityClient, session: ServiceSession, log: Logger, opts: TrustOptions): TrustPlumbing {
  let serviceUserId: Promise<string> | undefined;
  const trusteeId = (): Promise<string> => {
    serviceUserId ??= session.token().then((t) => identity.validate(t, t)).then((b) => b.user.id);
    serviceUserId.catch(() => { serviceUserId = undefined; });
    return serviceUserId;
  };
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const warn = (err: unknown, trustId: string): void => log.warn({ err, trustId }, `could not delete a ${opts.purpose}'s trust`);
  return {
    async create(auth) {
      if (auth.scope.kind !== 'project') return null;
      try {
        const trust = await identity.createTrust(auth.token, {
          trustorUserId: auth.user.id, trusteeUserId: await trusteeId(), projectId: auth.scope.project.id,
          roles: auth.roles.map((r) => r.name), impersonation: true,
          ...(opts.redelegations ? { allowRedelegation: true, redelegationCount: opts.redelegations } : {}),
        });
        return trust.id;
      } catch (err) {
        // A trust-scoped token delegates further only if its trust allows redelegation.
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
        if (!trustorToken) { warn(err, trustId); return; }
        // The user's token may have expired since; the trust's own token still works.
        await identity.deleteTrust(await this.token(trustId), trustId).catch((e: unknown) => warn(e, trustId));
      } finally {
        tokens.delete(trustId);
      }
    },
  };
}
