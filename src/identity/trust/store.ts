/**
 * OS-TRUST trusts: a trustor delegates some of its roles on a project to a trustee. Deleted trusts keep
 * their row (deleted_at) so that tokens issued from them can be told apart from unknown ids.
 */
import type { Kysely } from 'kysely';
import { NotFound } from '../../platform/errors.js';
import { fromBool, parseJson, toBool } from '../../platform/db/database.js';
import type { IdentityTables, TrustTable } from '../tables.js';
import type { Trust } from '../model.js';

function toTrust(r: TrustTable, roleIds: string[]): Trust {
  return {
    id: r.id,
    trustorUserId: r.trustor_user_id,
    trusteeUserId: r.trustee_user_id,
    projectId: r.project_id,
    impersonation: toBool(r.impersonation),
    expiresAt: r.expires_at,
    remainingUses: r.remaining_uses,
    redelegatedTrustId: r.redelegated_trust_id,
    redelegationCount: r.redelegation_count,
    roleIds,
    extra: parseJson(r.extra, {}),
  };
}

export class TrustStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  /** A live (not deleted) trust, or undefined. Expiry is the caller's to judge. */
  async find(id: string): Promise<Trust | undefined> {
    const r = await this.#db.selectFrom('trust').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!r) return undefined;
    const roles = await this.#db.selectFrom('trust_role').select('role_id').where('trust_id', '=', id).execute();
    return toTrust(r, roles.map((x) => x.role_id));
  }

  async get(id: string): Promise<Trust> {
    const t = await this.find(id);
    if (!t) throw new NotFound(`Could not find trust: ${id}.`);
    return t;
  }

  async list(filter: { trustorUserId?: string; trusteeUserId?: string } = {}): Promise<Trust[]> {
    let q = this.#db.selectFrom('trust').selectAll().where('deleted_at', 'is', null);
    if (filter.trustorUserId !== undefined) q = q.where('trustor_user_id', '=', filter.trustorUserId);
    if (filter.trusteeUserId !== undefined) q = q.where('trustee_user_id', '=', filter.trusteeUserId);
    const rows = await q.orderBy('id').execute();
    if (rows.length === 0) return [];
    const roles = await this.#db.selectFrom('trust_role').selectAll().where('trust_id', 'in', rows.map((r) => r.id)).execute();
    return rows.map((r) => toTrust(r, roles.filter((x) => x.trust_id === r.id).map((x) => x.role_id)));
  }

  async insert(t: Trust): Promise<Trust> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('trust').values({
        id: t.id,
        trustor_user_id: t.trustorUserId,
        trustee_user_id: t.trusteeUserId,
        project_id: t.projectId,
        impersonation: fromBool(t.impersonation),
        expires_at: t.expiresAt,
        remaining_uses: t.remainingUses,
        redelegated_trust_id: t.redelegatedTrustId,
        redelegation_count: t.redelegationCount,
        deleted_at: null,
        extra: JSON.stringify(t.extra),
      }).execute();
      if (t.roleIds.length > 0) await tx.insertInto('trust_role').values(t.roleIds.map((role_id) => ({ trust_id: t.id, role_id }))).execute();
    });
    return t;
  }

  /**
   * Spends one use of a limited trust. Returns false if none were left. The conditional update makes
   * two concurrent token requests unable to spend the last use twice.
   */
  async consumeUse(id: string): Promise<boolean> {
    const r = await this.#db.updateTable('trust').set((eb) => ({ remaining_uses: eb('remaining_uses', '-', 1) }))
      .where('id', '=', id).where('remaining_uses', '>', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async softDelete(id: string, at: string): Promise<void> {
    await this.#db.updateTable('trust').set({ deleted_at: at }).where('id', '=', id).execute();
  }

  /** Trusts that delegate from or to a user (for cleanup when the user goes). */
  async idsInvolving(userId: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('trust').select('id').where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('trustor_user_id', '=', userId), eb('trustee_user_id', '=', userId)])).execute();
    return rows.map((r) => r.id);
  }
}
