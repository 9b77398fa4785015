/**
 * The metadata definitions catalog in the image service's tables: namespaces, the resource types they
 * are associated with, and the objects, properties and tags each namespace holds.
 */
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, parseJson, toBool } from '../../platform/db/database.js';
import { nowIso } from '../model.js';
import type { ImageTables, MetadefAssociationTable, MetadefNamespaceTable } from '../tables.js';

export type MetadefVisibility = 'public' | 'private';

export interface Namespace {
  namespace: string;
  displayName: string | null;
  description: string | null;
  visibility: MetadefVisibility;
  protected: boolean;
  owner: string;
  createdAt: string;
  updatedAt: string;
}

export interface Association { name: string; prefix: string | null; propertiesTarget: string | null; createdAt: string; updatedAt: string; }

/** The three kinds of named entries a namespace holds, each a JSON definition. */
export type EntryKind = 'object' | 'property' | 'tag';
const TABLE = { object: 'metadef_object', property: 'metadef_property', tag: 'metadef_tag' } as const;

export interface Entry { name: string; body: Record<string, unknown>; createdAt: string; updatedAt: string; }

function toNamespace(row: MetadefNamespaceTable): Namespace {
  return {
    namespace: row.namespace, displayName: row.display_name, description: row.description, visibility: row.visibility as MetadefVisibility,
    protected: toBool(row.protected), owner: row.owner, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function toAssociation(row: MetadefAssociationTable): Association {
  return { name: row.resource_type, prefix: row.prefix, propertiesTarget: row.properties_target, createdAt: row.created_at, updatedAt: row.updated_at };
}

export class MetadefStore {
  constructor(private readonly db: Kysely<ImageTables>) {}

  async namespace(name: string): Promise<Namespace | undefined> {
    const row = await this.db.selectFrom('metadef_namespace').selectAll().where('namespace', '=', name).executeTakeFirst();
    return row ? toNamespace(row) : undefined;
  }

  /** Namespaces, optionally only those associated with one of `resourceTypes`, in name order. */
  async namespaces(filter: { visibility?: MetadefVisibility; resourceTypes?: string[] } = {}): Promise<Namespace[]> {
    let q = this.db.selectFrom('metadef_namespace').selectAll('metadef_namespace');
    if (filter.visibility) q = q.where('visibility', '=', filter.visibility);
    if (filter.resourceTypes && filter.resourceTypes.length > 0) {
      const types = filter.resourceTypes;
      q = q.where((eb) => eb.exists(eb.selectFrom('metadef_association as a').select('a.namespace')
        .whereRef('a.namespace', '=', 'metadef_namespace.namespace').where('a.resource_type', 'in', types)));
    }
    return (await q.orderBy('namespace').execute()).map(toNamespace);
  }

  async createNamespace(ns: Namespace): Promise<void> {
    try {
      await this.db.insertInto('metadef_namespace').values({
        namespace: ns.namespace, display_name: ns.displayName, description: ns.description, visibility: ns.visibility,
        protected: fromBool(ns.protected), owner: ns.owner, created_at: ns.createdAt, updated_at: ns.updatedAt,
      }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Metadata definition namespace=${ns.namespace} already exists.`, { cause: err });
      throw err;
    }
  }

  /** Writes a namespace's attributes; `was` is its name before (it may be renamed). */
  async updateNamespace(was: string, ns: Namespace): Promise<void> {
    try {
      await this.db.updateTable('metadef_namespace').set({
        namespace: ns.namespace, display_name: ns.displayName, description: ns.description, visibility: ns.visibility,
        protected: fromBool(ns.protected), owner: ns.owner, updated_at: ns.updatedAt,
      }).where('namespace', '=', was).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Metadata definition namespace=${ns.namespace} already exists.`, { cause: err });
      throw err;
    }
  }

  /** Deletes a namespace and everything in it. */
  async deleteNamespace(name: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      for (const table of ['metadef_association', 'metadef_object', 'metadef_property', 'metadef_tag'] as const) {
        await tx.deleteFrom(table).where('namespace', '=', name).execute();
      }
      await tx.deleteFrom('metadef_namespace').where('namespace', '=', name).execute();
    });
  }

  // ---- resource types ----

  async resourceTypes(): Promise<Array<{ name: string; createdAt: string; updatedAt: string }>> {
    const rows = await this.db.selectFrom('metadef_resource_type').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async associations(namespace: string): Promise<Association[]> {
    return (await this.db.selectFrom('metadef_association').selectAll().where('namespace', '=', namespace).orderBy('resource_type').execute()).map(toAssociation);
  }

  /** Associates a namespace with a resource type, creating the type if it is new (as Glance does). */
  async associate(namespace: string, a: Association): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const type = await tx.selectFrom('metadef_resource_type').select('name').where('name', '=', a.name).executeTakeFirst();
      if (!type) await tx.insertInto('metadef_resource_type').values({ name: a.name, protected: 0, created_at: a.createdAt, updated_at: a.updatedAt }).execute();
      try {
        await tx.insertInto('metadef_association').values({
          namespace, resource_type: a.name, prefix: a.prefix, properties_target: a.propertiesTarget, created_at: a.createdAt, updated_at: a.updatedAt,
        }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict(`The metadata definition resource-type association of resource-type=${a.name} to namespace=${namespace}, already exists.`, { cause: err });
        throw err;
      }
    });
  }

  async dissociate(namespace: string, resourceType: string): Promise<void> {
    const r = await this.db.deleteFrom('metadef_association').where('namespace', '=', namespace).where('resource_type', '=', resourceType).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`The metadata definition resource-type association of resource-type=${resourceType} to namespace=${namespace}, was not found.`);
  }

  // ---- objects, properties, tags ----

  async entries(kind: EntryKind, namespace: string): Promise<Entry[]> {
    const rows = await this.db.selectFrom(TABLE[kind]).selectAll().where('namespace', '=', namespace).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, body: parseJson(r.body, {}), createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async entry(kind: EntryKind, namespace: string, name: string): Promise<Entry | undefined> {
    const r = await this.db.selectFrom(TABLE[kind]).selectAll().where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
    return r ? { name: r.name, body: parseJson(r.body, {}), createdAt: r.created_at, updatedAt: r.updated_at } : undefined;
  }

  /** Adds entries; Conflict when a name is taken (nothing is added then). */
  async addEntries(kind: EntryKind, namespace: string, entries: readonly Entry[], replaceAll = false): Promise<void> {
    try {
      await inTransaction(this.db, async (tx) => {
        if (replaceAll) await tx.deleteFrom(TABLE[kind]).where('namespace', '=', namespace).execute();
        for (const e of entries) {
          await tx.insertInto(TABLE[kind]).values({ namespace, name: e.name, body: JSON.stringify(e.body), created_at: e.createdAt, updated_at: e.updatedAt }).execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`A metadata definition ${kind} with that name already exists in namespace=${namespace}.`, { cause: err });
      throw err;
    }
  }

  /** Replaces an entry (it may be renamed). */
  async updateEntry(kind: EntryKind, namespace: string, was: string, e: Entry): Promise<void> {
    try {
      const r = await this.db.updateTable(TABLE[kind]).set({ name: e.name, body: JSON.stringify(e.body), updated_at: nowIso() })
        .where('namespace', '=', namespace).where('name', '=', was).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new NotFound(`Metadata definition ${kind} not found: ${was}`);
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`A metadata definition ${kind} named ${e.name} already exists in namespace=${namespace}.`, { cause: err });
      throw err;
    }
  }

  async deleteEntry(kind: EntryKind, namespace: string, name: string): Promise<void> {
    const r = await this.db.deleteFrom(TABLE[kind]).where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Metadata definition ${kind} not found: ${name}`);
  }

  async deleteEntries(kind: EntryKind, namespace: string): Promise<void> {
    await this.db.deleteFrom(TABLE[kind]).where('namespace', '=', namespace).execute();
  }
}
