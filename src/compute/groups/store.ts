/**
 * Server groups: a policy (affinity, anti-affinity, soft-*) with optional rules, owned by a project, and
 * their live members. Members are added when a server is created into the group and leave when it is deleted.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { NotFound } from '../../platform/errors.js';
import { inTransaction, parseJson } from '../../platform/db/database.js';
import type { ComputeTables, ServerGroupTable } from '../tables.js';
import type { GroupPolicy } from '../scheduler.js';

export interface ServerGroup {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  policy: GroupPolicy;
  rules: { max_server_per_host?: number };
  createdAt: string;
  /** Live (not deleted) member servers. */
  members: string[];
}

function toGroup(r: Selectable<ServerGroupTable>, members: string[]): ServerGroup {
  return {
    id: r.id, name: r.name, projectId: r.project_id, userId: r.user_id, policy: r.policy as GroupPolicy,
    rules: parseJson(r.rules, {}), createdAt: r.created_at, members,
  };
}

export class ServerGroupStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  async #members(db: Kysely<ComputeTables>, groupIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(groupIds.map((g) => [g, []]));
    if (groupIds.length === 0) return out;
    const rows = await db.selectFrom('server_group_member').innerJoin('server', 'server.id', 'server_group_member.server_id')
      .select(['server_group_member.group_id', 'server_group_member.server_id']).where('server_group_member.group_id', 'in', groupIds)
      .where('server.deleted', '=', 0).orderBy('server.internal_id').execute();
    for (const r of rows) out.get(r.group_id)!.push(r.server_id);
    return out;
  }

  async get(id: string, db: Kysely<ComputeTables> = this.db): Promise<ServerGroup> {
    const row = await db.selectFrom('server_group').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst();
    if (!row) throw new NotFound(`Instance group ${id} could not be found.`);
    return toGroup(row, (await this.#members(db, [row.id])).get(row.id)!);
  }

  /** Groups of a project, or of every project. */
  async list(projectId?: string): Promise<ServerGroup[]> {
    let q = this.db.selectFrom('server_group').selectAll().orderBy('created_at').orderBy('id');
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    const rows = await q.execute();
    const members = await this.#members(this.db, rows.map((r) => r.id));
    return rows.map((r) => toGroup(r, members.get(r.id)!));
  }

  /** Creates a group after `check` (the quota check) passed in the same transaction. */
  async create(g: Omit<ServerGroup, 'id' | 'createdAt' | 'members'>, check: (tx: Kysely<ComputeTables>) => Promise<void>): Promise<ServerGroup> {
    return inTransaction(this.db, async (tx) => {
      await check(tx);
      const row = { id: randomUUID(), name: g.name, project_id: g.projectId, user_id: g.userId, policy: g.policy, rules: JSON.stringify(g.rules), created_at: new Date().toISOString() };
      await tx.insertInto('server_group').values(row).execute();
      return toGroup(row, []);
    });
  }

  async delete(id: string): Promise<void> {
    const r = await this.db.deleteFrom('server_group').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Instance group ${id} could not be found.`);
  }

  /** Adds a server to a group, inside the caller's transaction. */
  static async addMember(tx: Kysely<ComputeTables>, groupId: string, serverId: string): Promise<void> {
    await tx.insertInto('server_group_member').values({ group_id: groupId, server_id: serverId }).execute();
  }

  /** The hosts of a group's live members (one entry per member). */
  static async memberHosts(tx: Kysely<ComputeTables>, groupId: string): Promise<string[]> {
    const rows = await tx.selectFrom('server_group_member').innerJoin('server', 'server.id', 'server_group_member.server_id')
      .select('server.host').where('server_group_member.group_id', '=', groupId).where('server.deleted', '=', 0)
      .where('server.host', 'is not', null).orderBy('server.internal_id').execute();
    return rows.map((r) => r.host!);
  }
}
