/**
 * The registry of hosts and services: os-services rows (nova-compute per registered host, plus the
 * control plane's own nova-scheduler and nova-conductor) and the hypervisor record of each compute host.
 * Liveness is derived from the last heartbeat, never stored as a verdict.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, toBool } from '../../platform/db/database.js';
import type { ComputeHostTable, ComputeTables, ServiceTable } from '../tables.js';
import { nextId } from '../sequence.js';
import { HOST_DOWN_AFTER_S, type HostRegistration, type HostRegistrationReply } from '../agent-protocol.js';

export const COMPUTE_BINARY = 'nova-compute';
/** Nova's default availability zone, and the zone of its control-plane services. */
export const DEFAULT_ZONE = 'nova';
export const INTERNAL_ZONE = 'internal';

export interface Service {
  id: number;
  uuid: string;
  binary: string;
  host: string;
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface ComputeHost {
  host: string;
  hypervisorId: number;
  hypervisorUuid: string;
  zone: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  agentSocket: string;
  agentVersion: string;
  revision: number;
  createdAt: string;
  updatedAt: string | null;
  service: Service;
}

function toService(r: Selectable<ServiceTable>): Service {
  return {
    id: r.id, uuid: r.uuid, binary: r.binary, host: r.host, zone: r.zone, disabled: toBool(r.disabled),
    disabledReason: r.disabled_reason, forcedDown: toBool(r.forced_down), lastSeenAt: r.last_seen_at,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toHost(r: Selectable<ComputeHostTable>, service: Service): ComputeHost {
  return {
    host: r.host, hypervisorId: r.hypervisor_id, hypervisorUuid: r.hypervisor_uuid, zone: r.zone, vcpus: r.vcpus,
    memoryMb: r.memory_mb, diskGb: r.disk_gb, agentSocket: r.agent_socket, agentVersion: r.agent_version,
    revision: r.revision, createdAt: r.created_at, updatedAt: r.updated_at, service,
  };
}

/** A service is up when it is not forced down and heartbeated within HOST_DOWN_AFTER_S. */
export function isUp(s: Service, nowMs = Date.now()): boolean {
  if (s.forcedDown || s.lastSeenAt === null) return false;
  return nowMs - Date.parse(s.lastSeenAt) <= HOST_DOWN_AFTER_S * 1000;
}

export class HostStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** Registers a compute host or renews its heartbeat; creates its service and hypervisor records once. */
  async register(host: string, reg: HostRegistration): Promise<HostRegistrationReply> {
    const now = new Date().toISOString();
    const attempt = (): Promise<HostRegistrationReply> => inTransaction(this.db, async (tx) => {
      let service = await tx.selectFrom('service').selectAll().where('host', '=', host).where('binary', '=', COMPUTE_BINARY).executeTakeFirst();
      if (!service) {
        service = {
          id: await nextId(tx, 'service'), uuid: randomUUID(), binary: COMPUTE_BINARY, host, zone: reg.zone, disabled: 0,
          disabled_reason: null, forced_down: 0, last_seen_at: now, created_at: now, updated_at: now,
        };
        await tx.insertInto('service').values(service).execute();
      } else {
        await tx.updateTable('service').set({ last_seen_at: now, zone: reg.zone, updated_at: now }).where('id', '=', service.id).execute();
      }
      const existing = await tx.selectFrom('compute_host').selectAll().where('host', '=', host).executeTakeFirst();
      const resources = { zone: reg.zone, vcpus: reg.resources.vcpus, memory_mb: reg.resources.memoryMb, disk_gb: reg.resources.diskGb, agent_socket: reg.agentSocket, agent_version: reg.version };
      let revision: number;
      if (!existing) {
        revision = 1;
        await tx.insertInto('compute_host').values({
          host, hypervisor_id: await nextId(tx, 'hypervisor'), hypervisor_uuid: randomUUID(), ...resources, revision, created_at: now, updated_at: now,
        }).execute();
      } else {
        revision = existing.revision;
        const changed = existing.zone !== reg.zone || existing.vcpus !== reg.resources.vcpus || existing.memory_mb !== reg.resources.memoryMb
          || existing.disk_gb !== reg.resources.diskGb || existing.agent_socket !== reg.agentSocket || existing.agent_version !== reg.version;
        if (changed) await tx.updateTable('compute_host').set({ ...resources, updated_at: now }).where('host', '=', host).execute();
      }
      return { revision, disabled: toBool(service.disabled) };
    });
    try {
      return await attempt();
    } catch (err) {
      // Two first heartbeats of one host raced; the second finds the rows the first made.
      if (isUniqueViolation(err)) return attempt();
      throw err;
    }
  }

  /** Creates (once) and heartbeats a control-plane service (nova-scheduler, nova-conductor) of this process. */
  async heartbeatControlService(host: string, binary: string): Promise<void> {
    const now = new Date().toISOString();
    const updated = await this.db.updateTable('service').set({ last_seen_at: now }).where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    try {
      await inTransaction(this.db, async (tx) => {
        await tx.insertInto('service').values({
          id: await nextId(tx, 'service'), uuid: randomUUID(), binary, host, zone: INTERNAL_ZONE, disabled: 0,
          disabled_reason: null, forced_down: 0, last_seen_at: now, created_at: now, updated_at: now,
        }).execute();
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  async services(filter: { host?: string; binary?: string } = {}, db: Kysely<ComputeTables> = this.db): Promise<Service[]> {
    let q = db.selectFrom('service').selectAll().orderBy('id');
    if (filter.host) q = q.where('host', '=', filter.host);
    if (filter.binary) q = q.where('binary', '=', filter.binary);
    return (await q.execute()).map(toService);
  }

  /** A service by its id as the request names it (integer before 2.53, UUID from it). */
  async service(id: string, byUuid: boolean): Promise<Service> {
    const row = byUuid
      ? await this.db.selectFrom('service').selectAll().where('uuid', '=', id.toLowerCase()).executeTakeFirst()
      : /^\d+$/.test(id) && Number(id) <= 0x7fffffff ? await this.db.selectFrom('service').selectAll().where('id', '=', Number(id)).executeTakeFirst() : undefined;
    if (!row) throw new NotFound(`Service ${id} not found.`);
    return toService(row);
  }

  async serviceByHost(host: string, binary: string): Promise<Service> {
    const row = await this.db.selectFrom('service').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
    if (!row) throw new NotFound(`Compute host ${host} with binary ${binary} could not be found.`);
    return toService(row);
  }

  /** Changes a service's status or forced-down flag. */
  async updateService(id: number, change: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean }): Promise<Service> {
    const set: Partial<ServiceTable> = { updated_at: new Date().toISOString() };
    if (change.disabled !== undefined) set.disabled = fromBool(change.disabled);
    if (change.disabledReason !== undefined) set.disabled_reason = change.disabledReason;
    if (change.forcedDown !== undefined) set.forced_down = fromBool(change.forcedDown);
    await this.db.updateTable('service').set(set).where('id', '=', id).execute();
    const row = await this.db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toService(row);
  }

  /** Deletes a service; a compute service only when no server lives on its host (Nova's rule). */
  async deleteService(s: Service): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (s.binary === COMPUTE_BINARY) {
        const hosted = await tx.selectFrom('server').select('id').where('host', '=', s.host).where('deleted', '=', 0).executeTakeFirst();
        if (hosted) throw new Conflict('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
        await tx.deleteFrom('compute_host').where('host', '=', s.host).execute();
      }
      await tx.deleteFrom('service').where('id', '=', s.id).execute();
    });
  }

  /** Every compute host with its service (pass the transaction when inside one: SQLite has one connection). */
  async hosts(db: Kysely<ComputeTables> = this.db): Promise<ComputeHost[]> {
    const rows = await db.selectFrom('compute_host').selectAll().orderBy('hypervisor_id').execute();
    const services = new Map((await this.services({ binary: COMPUTE_BINARY }, db)).map((s) => [s.host, s]));
    return rows.flatMap((r) => {
      const s = services.get(r.host);
      return s ? [toHost(r, s)] : [];
    });
  }

  async host(host: string, db: Kysely<ComputeTables> = this.db): Promise<ComputeHost | undefined> {
    return (await this.hosts(db)).find((h) => h.host === host);
  }

  /** A hypervisor by its id as the request names it (integer before 2.53, UUID from it). */
  async hypervisor(id: string, byUuid: boolean): Promise<ComputeHost> {
    if (byUuid && !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const found = (await this.hosts()).find((h) => (byUuid ? h.hypervisorUuid === id.toLowerCase() : String(h.hypervisorId) === id));
    if (!found) throw new NotFound(`Hypervisor with ID '${id}' could not be found.`);
    return found;
  }

  /** The host's desired-state revision. */
  async revision(host: string): Promise<number> {
    const row = await this.db.selectFrom('compute_host').select('revision').where('host', '=', host).executeTakeFirst();
    return row?.revision ?? 0;
  }

  /** Bumps a host's revision inside the caller's transaction (a server on it changed). */
  static async bump(tx: Kysely<ComputeTables>, host: string | null): Promise<void> {
    if (!host) return;
    await tx.updateTable('compute_host').set((eb) => ({ revision: eb('revision', '+', 1) })).where('host', '=', host).execute();
  }
}
