/**
 * Flavors, their extra specs and the projects that may use a private flavor. Rows ↔ domain here; who may
 * see what is decided by `visibleTo` (Nova: public, or private with access for the caller's project;
 * admins see every flavor).
 */
import type { Kysely, Selectable } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, toBool } from '../../platform/db/database.js';
import type { ComputeTables, FlavorTable } from '../tables.js';
import { nextId } from '../sequence.js';
import type { FlavorSnapshot } from '../model.js';

export interface Flavor {
  flavorid: string;
  internalId: number;
  name: string;
  memoryMb: number;
  vcpus: number;
  rootGb: number;
  ephemeralGb: number;
  swap: number;
  rxtxFactor: number;
  isPublic: boolean;
  disabled: boolean;
  description: string | null;
  extraSpecs: Record<string, string>;
  createdAt: string;
  updatedAt: string | null;
}

export type FlavorCreate = Omit<Flavor, 'internalId' | 'extraSpecs' | 'createdAt' | 'updatedAt' | 'disabled'>;

/** Who is looking: admins see every flavor, everyone else public ones and those shared with their project. */
export interface FlavorViewer { admin: boolean; projectId: string; }

/** Nova's classic flavors, created public at bootstrap. */
export const DEFAULT_FLAVORS: ReadonlyArray<Pick<Flavor, 'flavorid' | 'name' | 'vcpus' | 'memoryMb' | 'rootGb'>> = [
  { flavorid: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1 },
  { flavorid: '2', name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20 },
  { flavorid: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 40 },
  { flavorid: '4', name: 'm1.large', vcpus: 4, memoryMb: 8192, rootGb: 80 },
  { flavorid: '5', name: 'm1.xlarge', vcpus: 8, memoryMb: 16384, rootGb: 160 },
];

/** What a server keeps of its flavor. */
export function snapshotOf(f: Flavor): FlavorSnapshot {
  return {
    id: f.flavorid, name: f.name, vcpus: f.vcpus, ramMb: f.memoryMb, diskGb: f.rootGb,
    ephemeralGb: f.ephemeralGb, swapMb: f.swap, extraSpecs: { ...f.extraSpecs },
  };
}

export class FlavorStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  #toFlavor(row: Selectable<FlavorTable>, specs: Record<string, string>): Flavor {
    return {
      flavorid: row.flavorid, internalId: row.internal_id, name: row.name, memoryMb: row.memory_mb, vcpus: row.vcpus,
      rootGb: row.root_gb, ephemeralGb: row.ephemeral_gb, swap: row.swap, rxtxFactor: Number(row.rxtx_factor),
      isPublic: toBool(row.is_public), disabled: toBool(row.disabled), description: row.description,
      extraSpecs: specs, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }

  async #specsFor(ids: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom('flavor_extra_spec').selectAll().where('flavorid', 'in', ids).execute();
    for (const r of rows) {
      const specs = out.get(r.flavorid) ?? {};
      specs[r.key] = r.value;
      out.set(r.flavorid, specs);
    }
    return out;
  }

  /** Every flavor, with its extra specs (flavors are few: a cloud has tens, not thousands). */
  async all(): Promise<Flavor[]> {
    const rows = await this.db.selectFrom('flavor').selectAll().orderBy('internal_id').execute();
    const specs = await this.#specsFor(rows.map((r) => r.flavorid));
    return rows.map((r) => this.#toFlavor(r, specs.get(r.flavorid) ?? {}));
  }

  async find(flavorid: string): Promise<Flavor | undefined> {
    const row = await this.db.selectFrom('flavor').selectAll().where('flavorid', '=', flavorid).executeTakeFirst();
    if (!row) return undefined;
    return this.#toFlavor(row, (await this.#specsFor([flavorid])).get(flavorid) ?? {});
  }

  /** The projects a private flavor is shared with. */
  async accessList(flavorid: string): Promise<string[]> {
    const rows = await this.db.selectFrom('flavor_project').select('project_id').where('flavorid', '=', flavorid).orderBy('project_id').execute();
    return rows.map((r) => r.project_id);
  }

  /** The flavorids shared with a project. */
  async sharedWith(projectId: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('flavor_project').select('flavorid').where('project_id', '=', projectId).execute();
    return new Set(rows.map((r) => r.flavorid));
  }

  /** A flavor the viewer may see, or NotFound with Nova's message. */
  async visible(flavorid: string, viewer: FlavorViewer): Promise<Flavor> {
    const f = await this.find(flavorid);
    if (f && (viewer.admin || f.isPublic || (await this.sharedWith(viewer.projectId)).has(f.flavorid))) return f;
    throw new NotFound(`Flavor ${flavorid} could not be found.`);
  }

  async create(fields: FlavorCreate): Promise<Flavor> {
    const now = new Date().toISOString();
    try {
      await inTransaction(this.db, async (tx) => {
        const byName = await tx.selectFrom('flavor').select('flavorid').where('name', '=', fields.name).executeTakeFirst();
        if (byName) throw new Conflict(`Flavor with name ${fields.name} already exists.`);
        const byId = await tx.selectFrom('flavor').select('flavorid').where('flavorid', '=', fields.flavorid).executeTakeFirst();
        if (byId) throw new Conflict(`Flavor with ID ${fields.flavorid} already exists.`);
        await tx.insertInto('flavor').values({
          flavorid: fields.flavorid, internal_id: await nextId(tx, 'flavor'), name: fields.name, memory_mb: fields.memoryMb,
          vcpus: fields.vcpus, root_gb: fields.rootGb, ephemeral_gb: fields.ephemeralGb, swap: fields.swap,
          rxtx_factor: fields.rxtxFactor, is_public: fromBool(fields.isPublic), disabled: 0,
          description: fields.description, created_at: now, updated_at: null,
        }).execute();
      });
    } catch (err) {
      // Two concurrent creates pass the checks above; the unique constraints pick one.
      if (isUniqueViolation(err)) throw new Conflict(`Flavor with ID ${fields.flavorid} or name ${fields.name} already exists.`, { cause: err });
      throw err;
    }
    return (await this.find(fields.flavorid))!;
  }

  async updateDescription(flavorid: string, description: string | null): Promise<void> {
    await this.db.updateTable('flavor').set({ description, updated_at: new Date().toISOString() }).where('flavorid', '=', flavorid).execute();
  }

  async delete(flavorid: string): Promise<void> {
    const r = await this.db.deleteFrom('flavor').where('flavorid', '=', flavorid).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Flavor ${flavorid} could not be found.`);
  }

  /** Adds or replaces extra specs. */
  async setExtraSpecs(flavorid: string, specs: Record<string, string>): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      for (const [key, value] of Object.entries(specs)) {
        await tx.insertInto('flavor_extra_spec').values({ flavorid, key, value })
          .onConflict((oc) => oc.columns(['flavorid', 'key']).doUpdateSet({ value })).execute();
      }
    });
  }

  async deleteExtraSpec(flavorid: string, key: string): Promise<void> {
    const r = await this.db.deleteFrom('flavor_extra_spec').where('flavorid', '=', flavorid).where('key', '=', key).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Flavor ${flavorid} has no extra specs with key ${key}.`);
  }

  async addAccess(flavorid: string, projectId: string): Promise<void> {
    try {
      await this.db.insertInto('flavor_project').values({ flavorid, project_id: projectId }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Flavor access already exists for flavor ${flavorid} and project ${projectId} combination.`, { cause: err });
      throw err;
    }
  }

  async removeAccess(flavorid: string, projectId: string): Promise<void> {
    const r = await this.db.deleteFrom('flavor_project').where('flavorid', '=', flavorid).where('project_id', '=', projectId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Flavor access not found for ${flavorid} / ${projectId} combination.`);
  }

  /** Creates Nova's classic flavors that are missing (by id); idempotent. */
  async ensureDefaults(): Promise<void> {
    for (const d of DEFAULT_FLAVORS) {
      if (await this.find(d.flavorid)) continue;
      const byName = await this.db.selectFrom('flavor').select('flavorid').where('name', '=', d.name).executeTakeFirst();
      if (byName) continue;
      try {
        await this.create({ ...d, ephemeralGb: 0, swap: 0, rxtxFactor: 1, isPublic: true, description: null });
      } catch (err) {
        // Another process bootstrapped the same flavor a moment ago.
        if (!(err instanceof Conflict)) throw err;
      }
    }
  }
}
