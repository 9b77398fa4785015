/**
 * Domains and projects, stored as Keystone stores them: one table, a domain being a project with
 * is_domain set and domain_id = ROOT_DOMAIN_ID. Top-level projects have their domain as parent.
 */
import type { Kysely, Transaction } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, parseJson, sql, toBool } from '../../platform/db/database.js';
import type { IdentityTables, ProjectTable } from '../tables.js';
import { ROOT_DOMAIN_ID, type Project } from '../model.js';

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

export interface ProjectFilter {
  name?: string;
  domainId?: string;
  parentId?: string;
  enabled?: boolean;
  isDomain?: boolean;
  ids?: string[];
}

function toProject(row: ProjectTable, tags: string[]): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description ?? '',
    enabled: toBool(row.enabled),
    domainId: row.domain_id,
    parentId: row.parent_id,
    isDomain: toBool(row.is_domain),
    tags,
    extra: parseJson(row.extra, {}),
  };
}

export class ResourceStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  async #withTags(rows: ProjectTable[], db: Db = this.#db): Promise<Project[]> {
    if (rows.length === 0) return [];
    const tagRows = rows.length <= 500
      ? await db.selectFrom('project_tag').selectAll().where('project_id', 'in', rows.map((r) => r.id)).execute()
      : await db.selectFrom('project_tag').selectAll().execute();
    const byProject = new Map<string, string[]>();
    for (const t of tagRows) {
      const list = byProject.get(t.project_id) ?? [];
      list.push(t.name);
      byProject.set(t.project_id, list);
    }
    return rows.map((r) => toProject(r, (byProject.get(r.id) ?? []).sort()));
  }

  /** A project or domain by id, or undefined. */
  async find(id: string, db: Db = this.#db): Promise<Project | undefined> {
    const row = await db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withTags([row], db))[0] : undefined;
  }

  /** A project (not a domain) by id; NotFound otherwise. */
  async getProject(id: string, db: Db = this.#db): Promise<Project> {
    const p = await this.find(id, db);
    if (!p || p.domainId === ROOT_DOMAIN_ID) throw new NotFound(`Could not find project: ${id}.`);
    return p;
  }

  /** A domain by id; NotFound otherwise. */
  async getDomain(id: string, db: Db = this.#db): Promise<Project> {
    const p = await this.find(id, db);
    if (!p || !p.isDomain) throw new NotFound(`Could not find domain: ${id}.`);
    return p;
  }

  async findDomainByName(name: string): Promise<Project | undefined> {
    const row = await this.#db.selectFrom('project').selectAll()
      .where('domain_id', '=', ROOT_DOMAIN_ID).where('name', '=', name).executeTakeFirst();
    return row ? (await this.#withTags([row]))[0] : undefined;
  }

  async findProjectByName(name: string, domainId: string): Promise<Project | undefined> {
    const row = await this.#db.selectFrom('project').selectAll()
      .where('domain_id', '=', domainId).where('name', '=', name).executeTakeFirst();
    return row ? (await this.#withTags([row]))[0] : undefined;
  }

  /** Projects and/or domains matching a filter, ordered by name then id. */
  async list(filter: ProjectFilter = {}): Promise<Project[]> {
    let q = this.#db.selectFrom('project').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.parentId !== undefined) q = q.where('parent_id', '=', filter.parentId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', fromBool(filter.enabled));
    if (filter.isDomain !== undefined) q = q.where('is_domain', '=', fromBool(filter.isDomain));
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      q = q.where('id', 'in', filter.ids);
    }
    return this.#withTags(await q.orderBy('name').orderBy('id').execute());
  }

  /** The projects directly below a project or domain. */
  async children(id: string, db: Db = this.#db): Promise<Project[]> {
    const rows = await db.selectFrom('project').selectAll().where('parent_id', '=', id).where('id', '!=', id).execute();
    return this.#withTags(rows, db);
  }

  /** Every project below `id`, breadth first. */
  async subtree(id: string, db: Db = this.#db): Promise<Project[]> {
    const out: Project[] = [];
    let frontier = [id];
    for (let depth = 0; frontier.length > 0 && depth < 64; depth++) {
      const rows = await db.selectFrom('project').selectAll().where('parent_id', 'in', frontier).execute();
      const next = await this.#withTags(rows.filter((r) => !frontier.includes(r.id)), db);
      out.push(...next);
      frontier = next.map((p) => p.id);
    }
    return out;
  }

  /** The projects above `project`, nearest first, stopping below its domain. */
  async parents(project: Project, db: Db = this.#db): Promise<Project[]> {
    const out: Project[] = [];
    let parentId = project.parentId;
    for (let depth = 0; parentId && parentId !== project.domainId && depth < 64; depth++) {
      const parent = await this.find(parentId, db);
      if (!parent || parent.isDomain) break;
      out.push(parent);
      parentId = parent.parentId;
    }
    return out;
  }

  /** Stores a project or domain with its tags, atomically. */
  async insert(p: Project, db: Db = this.#db): Promise<Project> {
    try {
      await inTransaction(db, async (tx) => {
        await tx.insertInto('project').values({
          id: p.id,
          name: p.name,
          description: p.description,
          enabled: fromBool(p.enabled),
          domain_id: p.domainId,
          parent_id: p.parentId,
          is_domain: fromBool(p.isDomain),
          extra: JSON.stringify(p.extra),
        }).execute();
        await this.setTags(p.id, p.tags, tx);
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new Conflict(p.isDomain
          ? `Conflict occurred attempting to store domain - Duplicate entry found with name ${p.name}.`
          : `Conflict occurred attempting to store project - Duplicate entry found with name ${p.name} at domain ID ${p.domainId}.`,
        { cause: err });
      }
      throw err;
    }
    return p;
  }

  /** Saves a project's attributes and tags, atomically. */
  async update(p: Project, db: Db = this.#db): Promise<Project> {
    try {
      await inTransaction(db, async (tx) => {
        await tx.updateTable('project').set({
          name: p.name,
          description: p.description,
          enabled: fromBool(p.enabled),
          extra: JSON.stringify(p.extra),
        }).where('id', '=', p.id).execute();
        await this.setTags(p.id, p.tags, tx);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to update ${p.isDomain ? 'domain' : 'project'} - Duplicate entry found with name ${p.name}.`, { cause: err });
      throw err;
    }
    return p;
  }

  /**
   * Replaces a project's tags. The no-op update of the project row first takes its row lock (on
   * PostgreSQL; SQLite serialises writers anyway), so two replacements of one project's tags run one
   * after the other instead of both inserting into an emptied set.
   */
  async setTags(projectId: string, tags: readonly string[], db: Db = this.#db): Promise<void> {
    await inTransaction(db, async (tx) => {
      await tx.updateTable('project').set({ name: sql<string>`name` }).where('id', '=', projectId).execute();
      await tx.deleteFrom('project_tag').where('project_id', '=', projectId).execute();
      const unique = [...new Set(tags)];
      if (unique.length > 0) await tx.insertInto('project_tag').values(unique.map((name) => ({ project_id: projectId, name }))).execute();
    });
  }

  async delete(id: string, db: Db = this.#db): Promise<void> {
    await db.deleteFrom('project_tag').where('project_id', '=', id).execute();
    await db.deleteFrom('project').where('id', '=', id).execute();
  }
}
