/**
 * Quotas as Nova counts them (nova/quota.py, counting driver): limits are defaults overridden per project
 * (and per user), usage is counted from the live records, never kept as a counter that could drift.
 * Checks run inside the caller's transaction, so the count and the insert it guards are one unit.
 */
import type { Kysely } from 'kysely';
import { Forbidden } from '../../platform/errors.js';
import { inTransaction, parseJson } from '../../platform/db/database.js';
import type { ComputeTables } from '../tables.js';
import type { FlavorSnapshot } from '../model.js';

/** Every resource Nova's quota engine knows, in its order. */
export const RESOURCES = [
  'cores', 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes', 'instances', 'key_pairs',
  'metadata_items', 'ram', 'server_groups', 'server_group_members', 'fixed_ips', 'floating_ips', 'security_groups',
  'security_group_rules',
] as const;
export type Resource = (typeof RESOURCES)[number];

/** Nova's default limits ([quota] options); the nova-network ones are unlimited. */
export const DEFAULT_LIMITS: Readonly<Record<Resource, number>> = {
  instances: 10, cores: 20, ram: 51200, metadata_items: 128, injected_files: 5, injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255, key_pairs: 100, server_groups: 10, server_group_members: 10,
  fixed_ips: -1, floating_ips: -1, security_groups: -1, security_group_rules: -1,
};

/** Resources counted from records; the rest are limits checked against a request (metadata items). */
const COUNTED: ReadonlySet<Resource> = new Set(['instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members']);

export type Usage = Record<Resource, number>;

/** A quota check failed: Nova answers 403 with this message. */
export class OverQuota extends Forbidden {}

export class QuotaService {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** A quota class's limits: the built-in defaults with the class's own values on top. */
  async classLimits(className: string, db: Kysely<ComputeTables> = this.db): Promise<Record<Resource, number>> {
    const out = { ...DEFAULT_LIMITS };
    const rows = await db.selectFrom('quota_class').selectAll().where('class_name', '=', className).execute();
    for (const r of rows) if ((RESOURCES as readonly string[]).includes(r.resource)) out[r.resource as Resource] = r.hard_limit;
    return out;
  }

  /** Sets limits of a quota class. */
  async setClassLimits(className: string, values: Partial<Record<Resource, number>>): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.insertInto('quota_class').values({ class_name: className, resource, hard_limit: hardLimit })
          .onConflict((oc) => oc.columns(['class_name', 'resource']).doUpdateSet({ hard_limit: hardLimit })).execute();
      }
    });
  }

  /** The limits of a project, with a user's own limits on top when `userId` is given. */
  async limits(projectId: string, userId?: string, db: Kysely<ComputeTables> = this.db): Promise<Record<Resource, number>> {
    const out = await this.classLimits('default', db);
    const rows = await db.selectFrom('quota').selectAll().where('project_id', '=', projectId)
      .where('user_id', 'in', userId ? ['', userId] : ['']).execute();
    for (const r of rows.filter((x) => x.user_id === '')) out[r.resource as Resource] = r.hard_limit;
    for (const r of rows.filter((x) => x.user_id !== '')) out[r.resource as Resource] = r.hard_limit;
    return out;
  }

  /** True if the user has limits of their own for any of `resources`. */
  async hasUserLimits(projectId: string, userId: string, resources: readonly Resource[], db: Kysely<ComputeTables> = this.db): Promise<boolean> {
    const row = await db.selectFrom('quota').select('resource').where('project_id', '=', projectId).where('user_id', '=', userId)
      .where('resource', 'in', [...resources]).executeTakeFirst();
    return row !== undefined;
  }

  /** What a project (or one user in it) uses now. */
  async usage(projectId: string, userId?: string, db: Kysely<ComputeTables> = this.db): Promise<Usage> {
    const out = Object.fromEntries(RESOURCES.map((r) => [r, 0])) as Usage;
    let servers = db.selectFrom('server').select(['flavor', 'old_flavor']).where('project_id', '=', projectId).where('deleted', '=', 0);
    if (userId) servers = servers.where('user_id', '=', userId);
    for (const s of await servers.execute()) {
      const f = parseJson<FlavorSnapshot | null>(s.flavor, null);
      out.instances += 1;
      out.cores += f?.vcpus ?? 0;
      out.ram += f?.ramMb ?? 0;
    }
    if (userId) {
      out.key_pairs = Number((await db.selectFrom('keypair').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);
    }
    let groups = db.selectFrom('server_group').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId);
    if (userId) groups = groups.where('user_id', '=', userId);
    out.server_groups = Number((await groups.executeTakeFirstOrThrow()).n);
    return out;
  }

  /** Sets (or, with `null`, removes) limits of a project or of a user in it. */
  async setLimits(projectId: string, userId: string | undefined, values: Partial<Record<Resource, number>>): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      for (const [resource, hardLimit] of Object.entries(values)) {
        await tx.insertInto('quota').values({ project_id: projectId, user_id: userId ?? '', resource, hard_limit: hardLimit })
          .onConflict((oc) => oc.columns(['project_id', 'user_id', 'resource']).doUpdateSet({ hard_limit: hardLimit })).execute();
      }
    });
  }

  /** Reverts a project (or one user) to the defaults. */
  async reset(projectId: string, userId?: string): Promise<void> {
    let q = this.db.deleteFrom('quota').where('project_id', '=', projectId);
    q = userId ? q.where('user_id', '=', userId) : q;
    await q.execute();
  }

  /**
   * How many of `min..max` instances of a flavor fit the quota (Nova's check_num_instances_quota): all of
   * them, or as many as fit if at least `min`; otherwise OverQuota with Nova's message.
   */
  async checkInstances(db: Kysely<ComputeTables>, projectId: string, userId: string, flavor: { vcpus: number; ramMb: number }, min: number, max: number): Promise<number> {
    const perUser = await this.hasUserLimits(projectId, userId, ['instances', 'cores', 'ram'], db);
    const limits = await this.limits(projectId, perUser ? userId : undefined, db);
    const usage = await this.usage(projectId, perUser ? userId : undefined, db);
    const over = (n: number): Array<'cores' | 'instances' | 'ram'> => {
      const want = { instances: n, cores: n * flavor.vcpus, ram: n * flavor.ramMb };
      return (['cores', 'instances', 'ram'] as const).filter((r) => limits[r] >= 0 && usage[r] + want[r] > limits[r]);
    };
    if (over(max).length === 0) return max;
    // Headroom: how many more would fit, resource by resource.
    const room = (r: 'cores' | 'instances' | 'ram', per: number): number =>
      limits[r] < 0 || per === 0 ? Number.MAX_SAFE_INTEGER : Math.floor((limits[r] - usage[r]) / per);
    const allowed = Math.min(room('instances', 1), room('cores', flavor.vcpus), room('ram', flavor.ramMb));
    if (allowed >= min && allowed <= max) return allowed;
    const overs = over(max);
    const requested = { instances: min === max ? String(min) : `${min}-${max}`, cores: String(max * flavor.vcpus), ram: String(max * flavor.ramMb) };
    throw new OverQuota(`Quota exceeded for ${overs.join(', ')}: Requested ${overs.map((r) => requested[r]).join(', ')}, but already used ${overs.map((r) => usage[r]).join(', ')} of ${overs.map((r) => limits[r]).join(', ')} ${overs.join(', ')}`);
  }

  /** Checks growing a server's cores and ram (resize to a bigger flavor). */
  async checkUpsize(db: Kysely<ComputeTables>, projectId: string, userId: string, deltas: { cores: number; ram: number }): Promise<void> {
    const perUser = await this.hasUserLimits(projectId, userId, ['instances', 'cores', 'ram'], db);
    const limits = await this.limits(projectId, perUser ? userId : undefined, db);
    const usage = await this.usage(projectId, perUser ? userId : undefined, db);
    const overs = (['cores', 'ram'] as const).filter((r) => deltas[r] > 0 && limits[r] >= 0 && usage[r] + deltas[r] > limits[r]);
    if (overs.length === 0) return;
    throw new OverQuota(`Quota exceeded for ${overs.join(', ')}: Requested ${overs.map((r) => deltas[r]).join(', ')}, but already used ${overs.map((r) => usage[r]).join(', ')} of ${overs.map((r) => limits[r]).join(', ')} ${overs.join(', ')}`);
  }

  /** Checks a server's metadata item count against metadata_items. */
  async checkMetadata(projectId: string, count: number, db: Kysely<ComputeTables> = this.db): Promise<void> {
    const limit = (await this.limits(projectId, undefined, db)).metadata_items;
    if (limit >= 0 && count > limit) throw new OverQuota(`Maximum number of metadata items exceeds ${limit}`);
  }

  /** Checks one more key pair for a user. */
  async checkKeypair(db: Kysely<ComputeTables>, projectId: string, userId: string): Promise<void> {
    const limit = (await this.limits(projectId, userId, db)).key_pairs;
    const used = (await this.usage(projectId, userId, db)).key_pairs;
    if (limit >= 0 && used + 1 > limit) throw new OverQuota('Quota exceeded, too many key pairs.');
  }

  /** Checks one more server group for a project and user. */
  async checkServerGroup(db: Kysely<ComputeTables>, projectId: string, userId: string): Promise<void> {
    const limits = await this.limits(projectId, userId, db);
    const byProject = await this.usage(projectId, undefined, db);
    const byUser = await this.usage(projectId, userId, db);
    if ((limits.server_groups >= 0 && byProject.server_groups + 1 > limits.server_groups)
      || (limits.server_groups >= 0 && byUser.server_groups + 1 > limits.server_groups)) {
      throw new OverQuota('Quota exceeded, too many server groups.');
    }
  }

  /** Checks `n` more members of a group. */
  async checkGroupMembers(db: Kysely<ComputeTables>, projectId: string, userId: string, groupId: string, n: number): Promise<void> {
    const limit = (await this.limits(projectId, userId, db)).server_group_members;
    const row = await db.selectFrom('server_group_member').innerJoin('server', 'server.id', 'server_group_member.server_id')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('server_group_member.group_id', '=', groupId)
      .where('server.deleted', '=', 0).where('server.user_id', '=', userId).executeTakeFirstOrThrow();
    if (limit >= 0 && Number(row.n) + n > limit) throw new OverQuota('Quota exceeded, too many servers in group');
  }

  /** True for resources counted from records (the ones /limits and os-quota-sets/detail show usage of). */
  static isCounted(r: Resource): boolean {
    return COUNTED.has(r);
  }
}
