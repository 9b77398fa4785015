/**
 * Server records: rows ↔ domain, with their metadata, tags, ports and group membership loaded in batches.
 * A server row holds three kinds of facts: what the user asked for (desired), what the agent last saw
 * (observed), and what compute established itself (host, fault, launch time). Status is derived from them
 * in status.ts; nothing here decides it.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { NotFound } from '../../platform/errors.js';
import { parseJson, toBool } from '../../platform/db/database.js';
import type { ComputeTables, DesiredPowerColumn, ResizePhase, ServerTable } from '../tables.js';
import type { FlavorSnapshot, ServerFault, TaskState } from '../model.js';
import type { ObservedState } from '../agent-protocol.js';

/** One entry of a create's `networks` list: a network (optionally with a fixed address) or a port. */
export type RequestedNetwork = { uuid: string; fixedIp?: string } | { port: string };

/** A server's Neutron port as compute bound it (see tables.ts NeutronPortTable). */
export interface NeutronServerPort {
  position: number;
  portId: string;
  networkId: string;
  networkName: string;
  mac: string;
  ip: string;
  prefixLength: number;
  gateway: string | null;
  cidr: string;
  mtu: number;
  /** Compute created it (deleted with the server) rather than being given it (unbound, kept). */
  owned: boolean;
}

/** What a server inherited from its image (Nova's image_* system metadata); snapshots inherit it in turn. */
export interface ImageMeta {
  minRam: number;
  /** At least the root disk of the flavor the server was booted (or rebuilt) with. */
  minDisk: number;
  containerFormat: string | null;
  diskFormat: string | null;
  /** The image's custom properties. */
  properties: Record<string, string>;
  /**
   * The image was public with `flotilla_nested_engine=true` when the server booted from it: the server
   * runs its own Docker engine (ServerSpec.nestedEngine). Not a property: snapshots do not inherit it.
   */
  nestedEngine?: boolean;
}

export interface ServerRecord {
  id: string;
  internalId: number;
  projectId: string;
  userId: string;
  name: string;
  description: string | null;
  hostname: string;
  imageId: string;
  imageMeta: ImageMeta | null;
  flavor: FlavorSnapshot;
  oldFlavor: FlavorSnapshot | null;
  resizePhase: ResizePhase | null;
  keyName: string | null;
  keyData: string | null;
  userData: string | null;
  configDrive: boolean;
  availabilityZone: string | null;
  host: string | null;
  reservationId: string;
  launchIndex: number;
  securityGroups: Array<{ name: string }>;
  requestedNetworks: 'auto' | 'none' | RequestedNetwork[];
  /** Its Neutron ports are still to be allocated: no agent sees the server before they are. */
  portsPending: boolean;
  accessIpv4: string | null;
  accessIpv6: string | null;
  lockedBy: 'owner' | 'admin' | null;
  lockedReason: string | null;
  createdAt: string;
  updatedAt: string;
  launchedAt: string | null;
  terminatedAt: string | null;
  deletedAt: string | null;
  deleted: boolean;
  desired: {
    power: DesiredPowerColumn;
    generation: number;
    rebootCount: number;
    rebuildCount: number;
    task: TaskState | null;
    taskGeneration: number;
    snapshot: { imageId: string; requestedAt: string } | null;
  };
  /** A fault compute established (no valid host, host lost during the build). */
  fault: ServerFault | null;
  /** An admin's os-resetState, shown until the next action. */
  resetState: 'active' | 'error' | null;
  observed: {
    state: ObservedState | null;
    /** -1 until the agent first reports. */
    generation: number;
    fault: { code: number; message: string; details?: string } | null;
    startedAt: string | null;
    rebootCount: number;
    rebuildCount: number;
    snapshotDone: string | null;
    at: string | null;
  };
  metadata: Record<string, string>;
  tags: string[];
  /** Ports on Neutron networks, in request order (servers on the interim network have none). */
  neutronPorts: NeutronServerPort[];
  groupId: string | null;
}

function toRecord(r: Selectable<ServerTable>): ServerRecord {
  return {
    id: r.id, internalId: r.internal_id, projectId: r.project_id, userId: r.user_id, name: r.name, description: r.description,
    hostname: r.hostname, imageId: r.image_id, imageMeta: parseJson<ImageMeta | null>(r.image_meta, null), flavor: parseJson<FlavorSnapshot>(r.flavor, undefined as never),
    oldFlavor: parseJson<FlavorSnapshot | null>(r.old_flavor, null), resizePhase: r.resize_phase, keyName: r.key_name, keyData: r.key_data,
    userData: r.user_data, configDrive: toBool(r.config_drive), availabilityZone: r.availability_zone, host: r.host,
    reservationId: r.reservation_id, launchIndex: r.launch_index, securityGroups: parseJson(r.security_groups, []),
    requestedNetworks: parseJson(r.requested_networks, 'auto'), portsPending: r.ports_pending === 1, accessIpv4: r.access_ipv4, accessIpv6: r.access_ipv6,
    lockedBy: r.locked_by as ServerRecord['lockedBy'], lockedReason: r.locked_reason,
    createdAt: r.created_at, updatedAt: r.updated_at, launchedAt: r.launched_at, terminatedAt: r.terminated_at,
    deletedAt: r.deleted_at, deleted: toBool(r.deleted),
    desired: {
      power: r.power, generation: r.generation, rebootCount: r.reboot_count, rebuildCount: r.rebuild_count,
      task: r.task as TaskState | null, taskGeneration: r.task_generation,
      snapshot: r.snapshot_image_id ? { imageId: r.snapshot_image_id, requestedAt: r.snapshot_requested_at ?? r.updated_at } : null,
    },
    fault: parseJson<ServerFault | null>(r.fault, null),
    resetState: r.reset_state === 'active' || r.reset_state === 'error' ? r.reset_state : null,
    observed: {
      state: r.obs_state as ObservedState | null, generation: r.obs_generation, fault: parseJson(r.obs_fault, null),
      startedAt: r.obs_started_at, rebootCount: r.obs_reboot_count, rebuildCount: r.obs_rebuild_count,
      snapshotDone: r.obs_snapshot_done, at: r.observed_at,
    },
    metadata: {}, tags: [], neutronPorts: [], groupId: null,
  };
}

/** Filters applied in SQL; the rest (regexes, statuses, tags) are applied to the loaded records. */
export interface ServerQuery {
  projectId?: string;
  userId?: string;
  /** false: live servers only; true: deleted only; undefined: both. */
  deleted?: boolean;
  host?: string;
  changesSince?: string;
  changesBefore?: string;
  reservationId?: string;
}

export class ServerStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** Loads metadata, tags, ports and group membership of records in a few queries. */
  async #withRelations(db: Kysely<ComputeTables>, records: ServerRecord[]): Promise<ServerRecord[]> {
    if (records.length === 0) return records;
    const byId = new Map(records.map((r) => [r.id, r]));
    // Chunked: SQLite limits bound parameters, and an admin list may name thousands of servers.
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const m of await db.selectFrom('server_metadata').selectAll().where('server_id', 'in', chunk).execute()) byId.get(m.server_id)!.metadata[m.key] = m.value;
      for (const t of await db.selectFrom('server_tag').selectAll().where('server_id', 'in', chunk).orderBy('tag').execute()) byId.get(t.server_id)!.tags.push(t.tag);
      for (const p of await db.selectFrom('neutron_port').selectAll().where('server_id', 'in', chunk).orderBy('position').execute()) {
        byId.get(p.server_id)!.neutronPorts.push({
          position: p.position, portId: p.port_id, networkId: p.network_id, networkName: p.network_name, mac: p.mac, ip: p.ip,
          prefixLength: p.prefix_length, gateway: p.gateway, cidr: p.cidr, mtu: p.mtu, owned: p.owned === 1,
        });
      }
      for (const g of await db.selectFrom('server_group_member').selectAll().where('server_id', 'in', chunk).execute()) byId.get(g.server_id)!.groupId = g.group_id;
    }
    return records;
  }

  /** A server by id, deleted ones included, or undefined. */
  async find(id: string, db: Kysely<ComputeTables> = this.db): Promise<ServerRecord | undefined> {
    const row = await db.selectFrom('server').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return (await this.#withRelations(db, [toRecord(row)]))[0];
  }

  /** A live (not deleted) server by id, or NotFound with Nova's message. */
  async get(id: string, db: Kysely<ComputeTables> = this.db): Promise<ServerRecord> {
    const s = await this.find(id, db);
    if (!s || s.deleted) throw new NotFound(`Instance ${id} could not be found.`);
    return s;
  }

  /** Servers matching the SQL-level filters, in creation order. */
  async query(q: ServerQuery, db: Kysely<ComputeTables> = this.db): Promise<ServerRecord[]> {
    let sel = db.selectFrom('server').selectAll();
    if (q.projectId !== undefined) sel = sel.where('project_id', '=', q.projectId);
    if (q.userId !== undefined) sel = sel.where('user_id', '=', q.userId);
    if (q.deleted !== undefined) sel = sel.where('deleted', '=', q.deleted ? 1 : 0);
    if (q.host !== undefined) sel = sel.where('host', '=', q.host);
    if (q.changesSince !== undefined) sel = sel.where('updated_at', '>=', q.changesSince);
    if (q.changesBefore !== undefined) sel = sel.where('updated_at', '<=', q.changesBefore);
    if (q.reservationId !== undefined) sel = sel.where('reservation_id', '=', q.reservationId);
    const rows = await sel.orderBy('internal_id').execute();
    return this.#withRelations(db, rows.map(toRecord));
  }

  /** Updates columns of a server and its `updated_at`. */
  async update(db: Kysely<ComputeTables>, id: string, set: Updateable<ServerTable>): Promise<void> {
    await db.updateTable('server').set({ ...set, updated_at: set.updated_at ?? new Date().toISOString() }).where('id', '=', id).execute();
  }

  /** Replaces a server's metadata (or merges, with `merge`). */
  async setMetadata(db: Kysely<ComputeTables>, id: string, metadata: Record<string, string>, merge: boolean): Promise<void> {
    if (!merge) await db.deleteFrom('server_metadata').where('server_id', '=', id).execute();
    for (const [key, value] of Object.entries(metadata)) {
      await db.insertInto('server_metadata').values({ server_id: id, key, value })
        .onConflict((oc) => oc.columns(['server_id', 'key']).doUpdateSet({ value })).execute();
    }
  }

  async deleteMetadataKey(db: Kysely<ComputeTables>, id: string, key: string): Promise<boolean> {
    const r = await db.deleteFrom('server_metadata').where('server_id', '=', id).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setTags(db: Kysely<ComputeTables>, id: string, tags: readonly string[]): Promise<void> {
    await db.deleteFrom('server_tag').where('server_id', '=', id).execute();
    for (const tag of new Set(tags)) await db.insertInto('server_tag').values({ server_id: id, tag }).execute();
  }

  async addTag(db: Kysely<ComputeTables>, id: string, tag: string): Promise<boolean> {
    const exists = await db.selectFrom('server_tag').select('tag').where('server_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    if (exists) return false;
    await db.insertInto('server_tag').values({ server_id: id, tag }).execute();
    return true;
  }

  async deleteTag(db: Kysely<ComputeTables>, id: string, tag: string): Promise<boolean> {
    const r = await db.deleteFrom('server_tag').where('server_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Live servers placed on a host (what the agent must run, and what the scheduler counts). */
  async onHost(host: string, db: Kysely<ComputeTables> = this.db): Promise<ServerRecord[]> {
    return this.query({ host, deleted: false }, db);
  }
}
