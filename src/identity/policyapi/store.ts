/**
 * Stored policy blobs (/v3/policies) and their OS-ENDPOINT-POLICY associations. Keystone only stores
 * these for other services to fetch; it never evaluates them.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { NotFound } from '../../platform/errors.js';
import { parseJson } from '../../platform/db/database.js';
import type { IdentityTables, PolicyTable } from '../tables.js';
import type { Extra } from '../model.js';

export interface Policy { id: string; type: string; blob: string; extra: Extra; }

/** Exactly one of: an endpoint; a service; a service within a region. */
export type PolicyTarget =
  | { kind: 'endpoint'; endpointId: string }
  | { kind: 'service'; serviceId: string }
  | { kind: 'region'; serviceId: string; regionId: string };

export interface PolicyAssociation { policyId: string; target: PolicyTarget; }

/** Added by migration 0002; kept here rather than in tables.ts as only this store reads it. */
export interface PolicyAssociationTable {
  id: string;
  policy_id: string;
  endpoint_id: string | null;
  service_id: string | null;
  region_id: string | null;
}

type Db = Kysely<IdentityTables & { policy_association: PolicyAssociationTable }>;

const toPolicy = (r: PolicyTable): Policy => ({ id: r.id, type: r.type, blob: r.blob, extra: parseJson(r.extra, {}) });

function columns(t: PolicyTarget): { endpoint_id: string | null; service_id: string | null; region_id: string | null } {
  switch (t.kind) {
    case 'endpoint': return { endpoint_id: t.endpointId, service_id: null, region_id: null };
    case 'service': return { endpoint_id: null, service_id: t.serviceId, region_id: null };
    case 'region': return { endpoint_id: null, service_id: t.serviceId, region_id: t.regionId };
    default: {
      const never: never = t;
      return never;
    }
  }
}

function toTarget(r: PolicyAssociationTable): PolicyTarget | undefined {
  if (r.endpoint_id !== null) return { kind: 'endpoint', endpointId: r.endpoint_id };
  if (r.service_id !== null && r.region_id !== null) return { kind: 'region', serviceId: r.service_id, regionId: r.region_id };
  if (r.service_id !== null) return { kind: 'service', serviceId: r.service_id };
  return undefined;
}

/** One row per target: the key is a digest of the target, so re-associating replaces the policy. */
function associationId(t: PolicyTarget): string {
  const c = columns(t);
  return createHash('sha256').update(JSON.stringify([c.endpoint_id, c.service_id, c.region_id])).digest('hex');
}

export class PolicyStore {
  readonly #db: Db;
  constructor(db: Kysely<IdentityTables>) { this.#db = db.withTables<{ policy_association: PolicyAssociationTable }>(); }

  async find(id: string): Promise<Policy | undefined> {
    const r = await this.#db.selectFrom('policy').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPolicy(r) : undefined;
  }

  async get(id: string): Promise<Policy> {
    const p = await this.find(id);
    if (!p) throw new NotFound(`Could not find policy: ${id}.`);
    return p;
  }

  async list(filter: { type?: string } = {}): Promise<Policy[]> {
    let q = this.#db.selectFrom('policy').selectAll();
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    return (await q.orderBy('id').execute()).map(toPolicy);
  }

  async insert(p: Policy): Promise<Policy> {
    await this.#db.insertInto('policy').values({ id: p.id, type: p.type, blob: p.blob, extra: JSON.stringify(p.extra) }).execute();
    return p;
  }

  async update(p: Policy): Promise<Policy> {
    await this.#db.updateTable('policy').set({ type: p.type, blob: p.blob, extra: JSON.stringify(p.extra) }).where('id', '=', p.id).execute();
    return p;
  }

  /** Deletes a policy and every association that points at it. */
  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('policy_association').where('policy_id', '=', id).execute();
      await tx.deleteFrom('policy').where('id', '=', id).execute();
    });
  }

  // --- OS-ENDPOINT-POLICY ---

  /** Makes `policyId` the policy of `target`, replacing whichever policy it had. */
  async associate(policyId: string, target: PolicyTarget): Promise<void> {
    await this.#db.insertInto('policy_association')
      .values({ id: associationId(target), policy_id: policyId, ...columns(target) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ policy_id: policyId }))
      .execute();
  }

  /** The policy id associated with exactly this target, if any. */
  async policyFor(target: PolicyTarget): Promise<string | undefined> {
    const r = await this.#db.selectFrom('policy_association').select('policy_id').where('id', '=', associationId(target)).executeTakeFirst();
    return r?.policy_id;
  }

  /** Removes the association if it names this policy; absent associations are not an error. */
  async dissociate(policyId: string, target: PolicyTarget): Promise<void> {
    await this.#db.deleteFrom('policy_association').where('id', '=', associationId(target)).where('policy_id', '=', policyId).execute();
  }

  async associationsOf(policyId: string): Promise<PolicyAssociation[]> {
    const rows = await this.#db.selectFrom('policy_association').selectAll().where('policy_id', '=', policyId).orderBy('id').execute();
    const out: PolicyAssociation[] = [];
    for (const r of rows) {
      const target = toTarget(r);
      if (target) out.push({ policyId: r.policy_id, target });
    }
    return out;
  }
}
