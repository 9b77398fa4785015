/**
 * ContainerInfraStore: every read and write the API and the conductor make, rows <-> model.ts records.
 * The API writes desired state (a cluster row with its `operation`, generation bumped); the conductor
 * writes progress and clears the operation with `finishOperation` only if no newer one superseded it.
 * Private keys are sealed with a SecretBox before they reach a row; node-signing secrets are kept only as
 * a SHA-256 hash, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { fromBool, inTransaction, isUniqueViolation, parseJson, toBool } from '../platform/db/database.js';
import { BadRequest, NotFound } from '../platform/errors.js';
import { asId } from '../platform/ids.js';
import type { SecretBox } from './secret-box.js';
import type {
  CaKind, Cluster, ClusterEvent, ClusterId, ClusterOperation, ClusterStatus, ClusterTemplate, ClusterTemplateId, Coe,
  HealthStatus, Labels, NodeGroup, NodeGroupId,
} from './model.js';
import type { ClusterTable, ClusterTemplateTable, ContainerInfraTables, NodeGroupTable } from './tables.js';

export type Db = Kysely<ContainerInfraTables>;

/** A quota row (Magnum's Quota object; `Cluster` is the only resource). */
export interface Quota {
  id: number;
  projectId: string;
  resource: string;
  hardLimit: number;
  createdAt: string;
  updatedAt: string | null;
}

/** A magnum-conductor's row, its heartbeat in `updatedAt`. */
export interface MService {
  id: number;
  host: string;
  binary: string;
  reportCount: number;
  disabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string | null;
}

/** A certificate and its private key (both PEM). */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

/**
 * A page of a listing, as Magnum's `paginate_query`: sort by `sortKey` (a column the API allowed) then by
 * id, start after the row whose uuid is `marker`, at most `limit` rows.
 */
export interface PageQuery {
  marker?: string | undefined;
  limit: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
}

/** Which clusters or templates a listing sees: one project's (null: every project's, for admins). */
export interface Visibility {
  projectId: string | null;
}

const now = (): string => new Date().toISOString();
const json = (v: unknown): string => JSON.stringify(v);

export function templateFromRow(r: Selectable<ClusterTemplateTable>): ClusterTemplate {
  return {
    uuid: asId(r.uuid), name: r.name, projectId: r.project_id, userId: r.user_id, coe: r.coe as Coe, imageId: r.image_id,
    clusterDistro: r.cluster_distro, serverType: r.server_type as 'vm' | 'bm', flavorId: r.flavor_id, masterFlavorId: r.master_flavor_id,
    keypairId: r.keypair_id, dnsNameserver: r.dns_nameserver, externalNetworkId: r.external_network_id, fixedNetwork: r.fixed_network,
    fixedSubnet: r.fixed_subnet, networkDriver: r.network_driver, volumeDriver: r.volume_driver, apiserverPort: r.apiserver_port,
    dockerVolumeSize: r.docker_volume_size, dockerStorageDriver: r.docker_storage_driver, httpProxy: r.http_proxy,
    httpsProxy: r.https_proxy, noProxy: r.no_proxy, registryEnabled: toBool(r.registry_enabled), insecureRegistry: r.insecure_registry,
    labels: parseJson<Labels>(r.labels, {}), tlsDisabled: toBool(r.tls_disabled), public: toBool(r.public), hidden: toBool(r.hidden),
    masterLbEnabled: toBool(r.master_lb_enabled), floatingIpEnabled: toBool(r.floating_ip_enabled), tags: r.tags,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function templateToRow(t: ClusterTemplate): Omit<Selectable<ClusterTemplateTable>, 'id'> {
  return {
    uuid: t.uuid, name: t.name, project_id: t.projectId, user_id: t.userId, coe: t.coe, image_id: t.imageId, cluster_distro: t.clusterDistro,
    server_type: t.serverType, flavor_id: t.flavorId, master_flavor_id: t.masterFlavorId, keypair_id: t.keypairId,
    dns_nameserver: t.dnsNameserver, external_network_id: t.externalNetworkId, fixed_network: t.fixedNetwork, fixed_subnet: t.fixedSubnet,
    network_driver: t.networkDriver, volume_driver: t.volumeDriver, apiserver_port: t.apiserverPort, docker_volume_size: t.dockerVolumeSize,
    docker_storage_driver: t.dockerStorageDriver, http_proxy: t.httpProxy, https_proxy: t.httpsProxy, no_proxy: t.noProxy,
    registry_enabled: fromBool(t.registryEnabled), insecure_registry: t.insecureRegistry, labels: json(t.labels),
    tls_disabled: fromBool(t.tlsDisabled), public: fromBool(t.public), hidden: fromBool(t.hidden),
    master_lb_enabled: fromBool(t.masterLbEnabled), floating_ip_enabled: fromBool(t.floatingIpEnabled), tags: t.tags,
    created_at: t.createdAt, updated_at: t.updatedAt,
  };
}

export function clusterFromRow(r: Selectable<ClusterTable>): Cluster {
  return {
    uuid: asId(r.uuid), name: r.name, projectId: r.project_id, userId: r.user_id, clusterTemplateId: asId(r.cluster_template_id),
    keypair: r.keypair, labels: parseJson<Labels>(r.labels, {}), masterFlavorId: r.master_flavor_id, flavorId: r.flavor_id,
    dockerVolumeSize: r.docker_volume_size, createTimeout: r.create_timeout, fixedNetwork: r.fixed_network, fixedSubnet: r.fixed_subnet,
    floatingIpEnabled: toBool(r.floating_ip_enabled), masterLbEnabled: toBool(r.master_lb_enabled), discoveryUrl: r.discovery_url,
    status: r.status as ClusterStatus, statusReason: r.status_reason, healthStatus: r.health_status as HealthStatus | null,
    healthStatusReason: parseJson<Record<string, string> | null>(r.health_status_reason, null), apiAddress: r.api_address,
    masterAddresses: parseJson<string[]>(r.master_addresses, []), nodeAddresses: parseJson<string[]>(r.node_addresses, []),
    coeVersion: r.coe_version, containerVersion: r.container_version, stackId: r.stack_id, trustId: r.trust_id,
    operation: parseJson<ClusterOperation | null>(r.operation, null), generation: Number(r.generation),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** The columns of a (partial) cluster record. */
function clusterColumns(c: Partial<Cluster>): Updateable<ClusterTable> {
  const out: Updateable<ClusterTable> = {};
  const set = <K extends keyof ClusterTable>(k: K, v: ClusterTable[K] | undefined): void => { if (v !== undefined) out[k] = v as never; };
  set('uuid', c.uuid); set('name', c.name); set('project_id', c.projectId); set('user_id', c.userId);
  set('cluster_template_id', c.clusterTemplateId); set('keypair', c.keypair);
  set('labels', c.labels === undefined ? undefined : json(c.labels));
  set('master_flavor_id', c.masterFlavorId); set('flavor_id', c.flavorId); set('docker_volume_size', c.dockerVolumeSize);
  set('create_timeout', c.createTimeout); set('fixed_network', c.fixedNetwork); set('fixed_subnet', c.fixedSubnet);
  set('floating_ip_enabled', c.floatingIpEnabled === undefined ? undefined : fromBool(c.floatingIpEnabled));
  set('master_lb_enabled', c.masterLbEnabled === undefined ? undefined : fromBool(c.masterLbEnabled));
  set('discovery_url', c.discoveryUrl); set('status', c.status); set('status_reason', c.statusReason);
  set('health_status', c.healthStatus);
  set('health_status_reason', c.healthStatusReason === undefined ? undefined : c.healthStatusReason === null ? null : json(c.healthStatusReason));
  set('api_address', c.apiAddress);
  set('master_addresses', c.masterAddresses === undefined ? undefined : json(c.masterAddresses));
  set('node_addresses', c.nodeAddresses === undefined ? undefined : json(c.nodeAddresses));
  set('coe_version', c.coeVersion); set('container_version', c.containerVersion); set('stack_id', c.stackId); set('trust_id', c.trustId);
  set('operation', c.operation === undefined ? undefined : c.operation === null ? null : json(c.operation));
  set('generation', c.generation); set('created_at', c.createdAt); set('updated_at', c.updatedAt);
  return out;
}

export function nodeGroupFromRow(r: Selectable<NodeGroupTable>): NodeGroup {
  return {
    uuid: asId(r.uuid), clusterId: asId(r.cluster_id), projectId: r.project_id, name: r.name, role: r.role, isDefault: toBool(r.is_default),
    flavorId: r.flavor_id, imageId: r.image_id, dockerVolumeSize: r.docker_volume_size, labels: parseJson<Labels>(r.labels, {}),
    nodeCount: r.node_count, minNodeCount: r.min_node_count, maxNodeCount: r.max_node_count,
    nodeAddresses: parseJson<string[]>(r.node_addresses, []), nodes: parseJson<string[]>(r.nodes, []), stackId: r.stack_id,
    status: r.status as ClusterStatus, statusReason: r.status_reason, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function nodeGroupColumns(g: Partial<NodeGroup>): Updateable<NodeGroupTable> {
  const out: Updateable<NodeGroupTable> = {};
  const set = <K extends keyof NodeGroupTable>(k: K, v: NodeGroupTable[K] | undefined): void => { if (v !== undefined) out[k] = v as never; };
  set('uuid', g.uuid); set('cluster_id', g.clusterId); set('project_id', g.projectId); set('name', g.name); set('role', g.role);
  set('is_default', g.isDefault === undefined ? undefined : fromBool(g.isDefault)); set('flavor_id', g.flavorId); set('image_id', g.imageId);
  set('docker_volume_size', g.dockerVolumeSize); set('labels', g.labels === undefined ? undefined : json(g.labels));
  set('node_count', g.nodeCount); set('min_node_count', g.minNodeCount); set('max_node_count', g.maxNodeCount);
  set('node_addresses', g.nodeAddresses === undefined ? undefined : json(g.nodeAddresses));
  set('nodes', g.nodes === undefined ? undefined : json(g.nodes)); set('stack_id', g.stackId); set('status', g.status);
  set('status_reason', g.statusReason); set('version', g.version); set('created_at', g.createdAt); set('updated_at', g.updatedAt);
  return out;
}

/** The status a cluster shows while an operation of this kind runs. */
export function statusFor(op: ClusterOperation): ClusterStatus {
  switch (op.kind) {
    case 'create': return 'CREATE_IN_PROGRESS';
    case 'delete': return 'DELETE_IN_PROGRESS';
    case 'resize': case 'upgrade': case 'rotate_ca': case 'heal': return 'UPDATE_IN_PROGRESS';
    default: { const never: never = op; return never; }
  }
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

type IdTable = 'cluster_template' | 'cluster' | 'nodegroup' | 'cluster_event' | 'quota' | 'mservice';

export class ContainerInfraStore {
  readonly db: Db;
  readonly #box: SecretBox;

  constructor(db: Db, box: SecretBox) {
    this.db = db;
    this.#box = box;
  }

  /**
   * Runs `fn` in a transaction whose integer ids (max + 1) are taken inside it; two writers racing for
   * one id make one of them fail the unique index, and that one is retried.
   */
  async #withIds<R>(fn: (tx: Db, next: (t: IdTable) => Promise<number>) => Promise<R>): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await inTransaction(this.db, async (tx) => {
          const taken = new Map<IdTable, number>();
          const next = async (table: IdTable): Promise<number> => {
            let id = taken.get(table);
            if (id === undefined) {
              const r = await (tx as Kysely<Record<IdTable, { id: number }>>).selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
              id = Number(r?.m ?? 0);
            }
            taken.set(table, id + 1);
            return id + 1;
          };
          return fn(tx, next);
        });
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 8 || this.db.isTransaction) throw err;
      }
    }
  }

  // ---- cluster templates

  async createTemplate(t: ClusterTemplate): Promise<ClusterTemplate> {
    await this.#withIds(async (tx, next) => {
      await tx.insertInto('cluster_template').values({ ...templateToRow(t), id: await next('cluster_template') }).execute();
    });
    return t;
  }

  async getTemplate(uuid: string): Promise<ClusterTemplate | undefined> {
    const r = await this.db.selectFrom('cluster_template').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    return r && templateFromRow(r);
  }

  /**
   * Templates `ident` (a uuid or a name) names among those the caller sees: its project's and public ones
   * (`projectId` null: every one). Several by name is the caller's ambiguity to resolve.
   */
  async findTemplates(ident: string, vis: Visibility): Promise<ClusterTemplate[]> {
    let q = this.db.selectFrom('cluster_template').selectAll().where((eb) => eb.or([eb('uuid', '=', ident), eb('name', '=', ident)]));
    if (vis.projectId !== null) {
      const p = vis.projectId;
      q = q.where((eb) => eb.or([eb('project_id', '=', p), eb('public', '=', 1)]));
    }
    const rows = await q.execute();
    const byUuid = rows.filter((r) => r.uuid === ident);
    return (byUuid.length > 0 ? byUuid : rows).map(templateFromRow);
  }

  /** A page of templates: the project's plus public ones (hidden public ones only with `includeHidden`). */
  async listTemplates(vis: Visibility & { includeHidden: boolean }, page: PageQuery): Promise<ClusterTemplate[]> {
    let q = this.db.selectFrom('cluster_template').selectAll();
    if (vis.projectId !== null) {
      const p = vis.projectId;
      q = q.where((eb) => eb.or([eb('project_id', '=', p), vis.includeHidden ? eb('public', '=', 1) : eb.and([eb('public', '=', 1), eb('hidden', '=', 0)])]));
    }
    return paginate(await q.execute(), page).map(templateFromRow);
  }

  async updateTemplate(t: ClusterTemplate): Promise<ClusterTemplate> {
    const { uuid, created_at: _c, ...row } = templateToRow({ ...t, updatedAt: now() });
    await this.db.updateTable('cluster_template').set(row).where('uuid', '=', uuid).execute();
    return (await this.getTemplate(uuid))!;
  }

  async deleteTemplate(uuid: ClusterTemplateId): Promise<void> {
    await this.db.deleteFrom('cluster_template').where('uuid', '=', uuid).execute();
  }

  /** How many clusters use the template (Magnum refuses most changes and deletion while any do). */
  async clustersUsingTemplate(uuid: ClusterTemplateId): Promise<number> {
    const r = await this.db.selectFrom('cluster').select((eb) => eb.fn.countAll<number>().as('n')).where('cluster_template_id', '=', uuid).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  // ---- clusters

  /** Stores a new cluster and its node groups (normally default-master and default-worker) in one transaction. */
  async createCluster(c: Cluster, nodegroups: readonly NodeGroup[], opts: { nodeSecret?: string } = {}): Promise<Cluster> {
    await this.#withIds(async (tx, next) => {
      await tx.insertInto('cluster').values({
        ...(clusterColumns(c) as Selectable<ClusterTable>), id: await next('cluster'),
        node_secret_hash: opts.nodeSecret === undefined ? null : sha256(opts.nodeSecret).toString('hex'),
      }).execute();
      for (const g of nodegroups) await tx.insertInto('nodegroup').values({ ...(nodeGroupColumns(g) as Selectable<NodeGroupTable>), id: await next('nodegroup') }).execute();
    });
    return c;
  }

  async getCluster(uuid: string): Promise<Cluster | undefined> {
    const r = await this.db.selectFrom('cluster').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    return r && clusterFromRow(r);
  }

  /** Clusters `ident` (uuid or name) names in the project (null: any project). */
  async findClusters(ident: string, vis: Visibility): Promise<Cluster[]> {
    let q = this.db.selectFrom('cluster').selectAll().where((eb) => eb.or([eb('uuid', '=', ident), eb('name', '=', ident)]));
    if (vis.projectId !== null) q = q.where('project_id', '=', vis.projectId);
    const rows = await q.execute();
    const byUuid = rows.filter((r) => r.uuid === ident);
    return (byUuid.length > 0 ? byUuid : rows).map(clusterFromRow);
  }

  async listClusters(vis: Visibility, page: PageQuery): Promise<Cluster[]> {
    let q = this.db.selectFrom('cluster').selectAll();
    if (vis.projectId !== null) q = q.where('project_id', '=', vis.projectId);
    return paginate(await q.execute(), page).map(clusterFromRow);
  }

  async countClusters(projectId: string): Promise<number> {
    const r = await this.db.selectFrom('cluster').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /**
   * Gives the cluster a new operation: generation + 1, status that of the operation (or `status`), reason
   * cleared. Returns the cluster as stored, or undefined if it is gone.
   */
  async setOperation(clusterId: ClusterId, op: ClusterOperation, opts: { status?: ClusterStatus; patch?: Partial<Cluster> } = {}): Promise<Cluster | undefined> {
    return inTransaction(this.db, async (tx) => {
      const r = await tx.selectFrom('cluster').select('generation').where('uuid', '=', clusterId).executeTakeFirst();
      if (!r) return undefined;
      await tx.updateTable('cluster').set(clusterColumns({
        ...opts.patch, operation: op, generation: Number(r.generation) + 1, status: opts.status ?? statusFor(op), statusReason: null, updatedAt: now(),
      })).where('uuid', '=', clusterId).execute();
      return clusterFromRow((await tx.selectFrom('cluster').selectAll().where('uuid', '=', clusterId).executeTakeFirstOrThrow()));
    });
  }

  /** Every cluster with an operation still to carry out (what a starting conductor resumes). */
  async clustersWithOperation(): Promise<Cluster[]> {
    const rows = await this.db.selectFrom('cluster').selectAll().where('operation', 'is not', null).orderBy('id').execute();
    return rows.map(clusterFromRow);
  }

  /** Every cluster (the conductor's periodic checks). */
  async allClusters(): Promise<Cluster[]> {
    return (await this.db.selectFrom('cluster').selectAll().orderBy('id').execute()).map(clusterFromRow);
  }

  /** Writes the given fields (updated_at too unless given). */
  async updateCluster(clusterId: ClusterId, patch: Partial<Cluster>): Promise<void> {
    await this.db.updateTable('cluster').set(clusterColumns({ updatedAt: now(), ...patch })).where('uuid', '=', clusterId).execute();
  }

  /**
   * Ends the operation of `generation`: writes `patch` and clears `operation`, only if no newer operation
   * was set meanwhile (then nothing is written). True when it was still current.
   */
  async finishOperation(clusterId: ClusterId, generation: number, patch: Partial<Cluster>): Promise<boolean> {
    const r = await this.db.updateTable('cluster').set(clusterColumns({ updatedAt: now(), ...patch, operation: null }))
      .where('uuid', '=', clusterId).where('generation', '=', generation).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Removes the cluster's row and with it its node groups, events and certificates. */
  async deleteCluster(clusterId: ClusterId): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      for (const t of ['nodegroup', 'cluster_event', 'cluster_certificate'] as const) await tx.deleteFrom(t).where('cluster_id', '=', clusterId).execute();
      await tx.deleteFrom('cluster').where('uuid', '=', clusterId).execute();
    });
  }

  // ---- node-signing secret

  /** Keeps the SHA-256 of the cluster's node-signing secret (null forgets it). */
  async setNodeSecret(clusterId: ClusterId, secret: string | null): Promise<void> {
    await this.db.updateTable('cluster').set({ node_secret_hash: secret === null ? null : sha256(secret).toString('hex') }).where('uuid', '=', clusterId).execute();
  }

  /** True iff `secret` is the cluster's node-signing secret (hashes compared in constant time). */
  async verifyNodeSecret(clusterId: string, secret: string): Promise<boolean> {
    const r = await this.db.selectFrom('cluster').select('node_secret_hash').where('uuid', '=', clusterId).executeTakeFirst();
    const want = Buffer.from(r?.node_secret_hash ?? '00'.repeat(32), 'hex');
    const ok = want.length === 32 && timingSafeEqual(want, sha256(secret));
    return ok && typeof r?.node_secret_hash === 'string';
  }

  // ---- node groups

  async createNodeGroup(g: NodeGroup): Promise<NodeGroup> {
    try {
      await this.#withIds(async (tx, next) => {
        await tx.insertInto('nodegroup').values({ ...(nodeGroupColumns(g) as Selectable<NodeGroupTable>), id: await next('nodegroup') }).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new NodeGroupExists(g.name, g.clusterId);
      throw err;
    }
    return g;
  }

  async getNodeGroup(uuid: string): Promise<NodeGroup | undefined> {
    const r = await this.db.selectFrom('nodegroup').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    return r && nodeGroupFromRow(r);
  }

  /** A cluster's node groups (optionally of one role), in creation order. */
  async listNodeGroups(clusterId: ClusterId, opts: { role?: string } = {}): Promise<NodeGroup[]> {
    let q = this.db.selectFrom('nodegroup').selectAll().where('cluster_id', '=', clusterId);
    if (opts.role !== undefined) q = q.where('role', '=', opts.role);
    return (await q.orderBy('id').execute()).map(nodeGroupFromRow);
  }

  /** The node groups of many clusters at once, by cluster. */
  async nodeGroupsOf(clusterIds: readonly ClusterId[]): Promise<Map<ClusterId, NodeGroup[]>> {
    const out = new Map<ClusterId, NodeGroup[]>(clusterIds.map((id) => [id, []]));
    for (let i = 0; i < clusterIds.length; i += 500) {
      const rows = await this.db.selectFrom('nodegroup').selectAll().where('cluster_id', 'in', clusterIds.slice(i, i + 500)).orderBy('id').execute();
      for (const r of rows) out.get(asId(r.cluster_id))?.push(nodeGroupFromRow(r));
    }
    return out;
  }

  /** The cluster's node groups `ident` (uuid or name) names. */
  async findNodeGroups(clusterId: ClusterId, ident: string): Promise<NodeGroup[]> {
    const rows = await this.db.selectFrom('nodegroup').selectAll().where('cluster_id', '=', clusterId)
      .where((eb) => eb.or([eb('uuid', '=', ident), eb('name', '=', ident)])).execute();
    const byUuid = rows.filter((r) => r.uuid === ident);
    return (byUuid.length > 0 ? byUuid : rows).map(nodeGroupFromRow);
  }

  async updateNodeGroup(id: NodeGroupId, patch: Partial<NodeGroup>): Promise<void> {
    await this.db.updateTable('nodegroup').set(nodeGroupColumns({ updatedAt: now(), ...patch })).where('uuid', '=', id).execute();
  }

  async deleteNodeGroup(id: NodeGroupId): Promise<void> {
    await this.db.deleteFrom('nodegroup').where('uuid', '=', id).execute();
  }

  // ---- events

  async addEvent(clusterId: ClusterId, kind: string, message: string): Promise<ClusterEvent> {
    return this.#withIds(async (tx, next) => {
      const e: ClusterEvent = { id: await next('cluster_event'), clusterId, time: now(), kind, message };
      await tx.insertInto('cluster_event').values({ id: e.id, cluster_id: clusterId, time: e.time, kind, message }).execute();
      return e;
    });
  }

  /** The cluster's events after id `after` (all when absent), oldest first, at most `limit`. */
  async listEvents(clusterId: ClusterId, opts: { after?: number; limit?: number } = {}): Promise<ClusterEvent[]> {
    let q = this.db.selectFrom('cluster_event').selectAll().where('cluster_id', '=', clusterId);
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    const rows = await q.orderBy('id').limit(opts.limit ?? 1000).execute();
    return rows.map((r) => ({ id: Number(r.id), clusterId: asId(r.cluster_id), time: r.time, kind: r.kind, message: r.message }));
  }

  // ---- quotas

  async getQuota(projectId: string, resource: string): Promise<Quota | undefined> {
    const r = await this.db.selectFrom('quota').selectAll().where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
    return r && quotaFromRow(r);
  }

  async listQuotas(vis: Visibility, page: PageQuery): Promise<Quota[]> {
    let q = this.db.selectFrom('quota').selectAll();
    if (vis.projectId !== null) q = q.where('project_id', '=', vis.projectId);
    const rows = (await q.execute()).map((r) => ({ ...r, uuid: String(r.id) }));
    return paginate(rows, { ...page, marker: page.marker }).map(quotaFromRow);
  }

  /** A new quota; QuotaExists when the project already has one for the resource. */
  async createQuota(projectId: string, resource: string, hardLimit: number): Promise<Quota> {
    try {
      return await this.#withIds(async (tx, next) => {
        const q: Quota = { id: await next('quota'), projectId, resource, hardLimit, createdAt: now(), updatedAt: null };
        await tx.insertInto('quota').values({ id: q.id, project_id: projectId, resource, hard_limit: hardLimit, created_at: q.createdAt, updated_at: null }).execute();
        return q;
      });
    } catch (err) {
      if (isUniqueViolation(err) && !(await this.getQuota(projectId, resource))) throw err;
      if (isUniqueViolation(err)) throw new QuotaExists(projectId, resource);
      throw err;
    }
  }

  async updateQuota(projectId: string, resource: string, hardLimit: number): Promise<Quota | undefined> {
    await this.db.updateTable('quota').set({ hard_limit: hardLimit, updated_at: now() }).where('project_id', '=', projectId).where('resource', '=', resource).execute();
    return this.getQuota(projectId, resource);
  }

  async deleteQuota(projectId: string, resource: string): Promise<boolean> {
    const r = await this.db.deleteFrom('quota').where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- certificates

  /** Stores (replacing) one of the cluster's CAs, its key sealed. */
  async putCa(clusterId: ClusterId, kind: CaKind, ca: CertificateAndKey): Promise<void> {
    await this.#putCertificate(clusterId, `ca:${kind}`, ca);
  }

  async getCa(clusterId: ClusterId, kind: CaKind = 'kubernetes'): Promise<CertificateAndKey | undefined> {
    return this.#getCertificate(clusterId, `ca:${kind}`);
  }

  /** The conductor's own client certificate for the cluster's Docker API (signed by its CA). */
  async putClientCertificate(clusterId: ClusterId, cert: CertificateAndKey): Promise<void> {
    await this.#putCertificate(clusterId, 'client:conductor', cert);
  }

  async getClientCertificate(clusterId: ClusterId): Promise<CertificateAndKey | undefined> {
    return this.#getCertificate(clusterId, 'client:conductor');
  }

  /** Forgets every certificate of the cluster (its CAs and the conductor's). */
  async deleteCertificates(clusterId: ClusterId): Promise<void> {
    await this.db.deleteFrom('cluster_certificate').where('cluster_id', '=', clusterId).execute();
  }

  async #putCertificate(clusterId: ClusterId, purpose: string, c: CertificateAndKey): Promise<void> {
    const row = { cluster_id: clusterId, purpose, cert_pem: c.certPem, key_sealed: this.#box.seal(c.keyPem, `${clusterId}/${purpose}`), created_at: now() };
    await this.db.insertInto('cluster_certificate').values(row)
      .onConflict((oc) => oc.columns(['cluster_id', 'purpose']).doUpdateSet({ cert_pem: row.cert_pem, key_sealed: row.key_sealed, created_at: row.created_at }))
      .execute();
  }

  async #getCertificate(clusterId: ClusterId, purpose: string): Promise<CertificateAndKey | undefined> {
    const r = await this.db.selectFrom('cluster_certificate').selectAll().where('cluster_id', '=', clusterId).where('purpose', '=', purpose).executeTakeFirst();
    return r && { certPem: r.cert_pem, keyPem: this.#box.open(r.key_sealed, `${clusterId}/${purpose}`) };
  }

  // ---- services and stats

  /** Records that the conductor on `host` is alive (creates its row on the first beat). */
  async heartbeat(host: string, binary = 'magnum-conductor'): Promise<void> {
    const t = now();
    const updated = await this.db.updateTable('mservice').set((eb) => ({ report_count: eb('report_count', '+', 1), updated_at: t }))
      .where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    try {
      await this.#withIds(async (tx, next) => {
        await tx.insertInto('mservice').values({ id: await next('mservice'), host, binary, report_count: 1, disabled: 0, disabled_reason: null, created_at: t, updated_at: t }).execute();
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  async listServices(): Promise<MService[]> {
    const rows = await this.db.selectFrom('mservice').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id, host: r.host, binary: r.binary, reportCount: r.report_count, disabled: toBool(r.disabled),
      disabledReason: r.disabled_reason, createdAt: r.created_at, updatedAt: r.updated_at,
    }));
  }

  /** Magnum's stats: clusters, and nodes as the sum of every node group's count (masters included). */
  async stats(vis: Visibility): Promise<{ clusters: number; nodes: number }> {
    let c = this.db.selectFrom('cluster').select((eb) => eb.fn.countAll<number>().as('n'));
    let n = this.db.selectFrom('nodegroup').select((eb) => eb.fn.sum<number>('node_count').as('n'));
    if (vis.projectId !== null) {
      c = c.where('project_id', '=', vis.projectId);
      n = n.where('project_id', '=', vis.projectId);
    }
    return { clusters: Number((await c.executeTakeFirst())?.n ?? 0), nodes: Number((await n.executeTakeFirst())?.n ?? 0) };
  }
}

function quotaFromRow(r: { id: number; project_id: string; resource: string; hard_limit: number; created_at: string; updated_at: string | null }): Quota {
  return { id: Number(r.id), projectId: r.project_id, resource: r.resource, hardLimit: r.hard_limit, createdAt: r.created_at, updatedAt: r.updated_at };
}

/** A node group of this name already exists in the cluster (Magnum's NodeGroupAlreadyExists, 409). */
export class NodeGroupExists extends Error {
  constructor(readonly nodegroup: string, readonly clusterId: string) { super(`A node group with name ${nodegroup} already exists in the cluster ${clusterId}.`); }
}

/** The project already has a quota for the resource (Magnum's QuotaAlreadyExists, 409). */
export class QuotaExists extends Error {
  constructor(readonly projectId: string, readonly resource: string) { super(`Quota for project ${projectId} already exists for resource ${resource}.`); }
}

/** The marker of a page names no row of the listing (Magnum answers 404 for it). */
export class MarkerNotFound extends NotFound {}

/**
 * Sorts rows by `sortKey` (then by id, as Magnum's paginate_query), skips to after the marker and cuts
 * to `limit`. Listings are one project's rows, so this runs in memory.
 */
function paginate<R extends { uuid: string; id: number }>(rows: R[], page: PageQuery): R[] {
  const key = page.sortKey as keyof R;
  if (rows.length > 0 && !(key in rows[0]!)) throw new BadRequest(`The sort_key value "${String(key)}" is an invalid field for sorting`);
  const dir = page.sortDir === 'desc' ? -1 : 1;
  const cmp = (a: R, b: R): number => {
    const x = a[key] as unknown;
    const y = b[key] as unknown;
    if (x !== y) {
      if (x === null || x === undefined) return -dir;
      if (y === null || y === undefined) return dir;
      return ((x as number | string) < (y as number | string) ? -1 : 1) * dir;
    }
    return (Number(a.id) - Number(b.id)) * dir;
  };
  const sorted = [...rows].sort(cmp);
  let start = 0;
  if (page.marker !== undefined) {
    const at = sorted.findIndex((r) => r.uuid === page.marker);
    if (at < 0) throw new MarkerNotFound(`Marker ${page.marker} could not be found.`);
    start = at + 1;
  }
  return sorted.slice(start, start + page.limit);
}

/** The two node groups every cluster starts with, as Magnum's conductor makes them. */
export function defaultNodeGroups(c: Cluster, opts: { imageId: string; masterCount: number; nodeCount: number; newId: () => NodeGroupId }): NodeGroup[] {
  const base = {
    clusterId: c.uuid, projectId: c.projectId, isDefault: true, imageId: opts.imageId, dockerVolumeSize: c.dockerVolumeSize,
    labels: c.labels, minNodeCount: 0, maxNodeCount: null, nodeAddresses: [], nodes: [], stackId: null, status: c.status,
    statusReason: null, version: null, createdAt: c.createdAt, updatedAt: null,
  };
  return [
    { ...base, uuid: opts.newId(), name: 'default-master', role: 'master', flavorId: c.masterFlavorId, nodeCount: opts.masterCount, minNodeCount: 1 },
    { ...base, uuid: opts.newId(), name: 'default-worker', role: 'worker', flavorId: c.flavorId, nodeCount: opts.nodeCount },
  ];
}
