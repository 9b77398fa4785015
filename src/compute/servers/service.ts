/**
 * The server state machine's write side: every user action is one transaction that stores the new desired
 * state, bumps the server's generation and its host's revision, and records the instance action. The agent
 * carries it out; status is derived from what it reports (status.ts).
 */
import type { Kysely, Updateable } from 'kysely';
import { Conflict } from '../../platform/errors.js';
import { inTransaction } from '../../platform/db/database.js';
import type { Logger } from '../../platform/log.js';
import type { ComputeTables, ServerTable } from '../tables.js';
import type { TaskState, VmState } from '../model.js';
import { HostStore, isUp } from '../hosts/store.js';
import type { RevisionNotifier } from '../hosts/notifier.js';
import type { ActionStore } from './actions-store.js';
import type { ServerRecord, ServerStore } from './store.js';
import { deriveState, type DerivedState, type HostView } from './status.js';
import { holdsNeutronPorts, PORTS_RELEASE, type ServerPorts } from '../ports.js';

/** Who acts, as the action log records it. */
export interface Caller {
  userId: string;
  projectId: string;
  requestId: string;
  admin: boolean;
}

/** Serialises async sections (placements must not race each other for the last free RAM). */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

export interface TransitionSpec {
  /** Nova's action name (instance action log, conflict messages). */
  action: string;
  /** vm_states the action is allowed in; undefined: any. */
  vmStates?: readonly VmState[];
  /** task_states the action may interrupt (default: none may be running). */
  taskStates?: ReadonlyArray<TaskState | null>;
  /** Refuse when locked for non-admins (Nova's check_instance_lock). Default true. */
  checkLock?: boolean;
  /** Record an instance action (default true; metadata changes are not actions in Nova). */
  record?: boolean;
  /** The new columns, given the current record and derived state. Return `bumps: false` for API-only changes. */
  change: (s: ServerRecord, d: DerivedState, tx: Kysely<ComputeTables>) => Promise<{ set: Updateable<ServerTable>; task: TaskState | null; bumps?: boolean; finished?: boolean }>;
}

export interface ServerServiceDeps {
  db: Kysely<ComputeTables>;
  servers: ServerStore;
  actions: ActionStore;
  hosts: HostStore;
  /** Only to start a release right after a local delete (the reconciler does it otherwise). */
  ports: Pick<ServerPorts, 'kickRelease'>;
  notifier: RevisionNotifier;
  log: Logger;
}

export class ServerService {
  /** Held while placing servers, so two creates never both take a host's last free resources. */
  readonly placement = new Mutex();

  constructor(private readonly deps: ServerServiceDeps) {}

  /** What compute knows of every host's liveness right now. */
  async hostViews(): Promise<Map<string, HostView>> {
    const now = Date.now();
    const out = new Map<string, HostView>();
    for (const h of await this.deps.hosts.hosts()) {
      const seen = h.service.lastSeenAt ? Date.parse(h.service.lastSeenAt) : NaN;
      out.set(h.host, { up: isUp(h.service, now), silentForMs: Number.isNaN(seen) ? Infinity : now - seen });
    }
    return out;
  }

  /** The derived state of one server. */
  async derive(s: ServerRecord, views?: Map<string, HostView>): Promise<DerivedState> {
    const v = views ?? (s.host ? await this.hostViews() : new Map<string, HostView>());
    return deriveState(s, s.host ? v.get(s.host) ?? { up: false, silentForMs: Infinity } : undefined);
  }

  /**
   * Runs one user action as one transaction: re-reads the server, checks its state, stores the change,
   * bumps generation and revision, records the action. Retries once if another action got there first.
   */
  async transition(caller: Caller, serverId: string, spec: TransitionSpec): Promise<ServerRecord> {
    const views = await this.hostViews();
    for (let attempt = 0; ; attempt++) {
      const outcome = await inTransaction(this.deps.db, async (tx) => {
        const s = await this.deps.servers.get(serverId, tx);
        if ((spec.checkLock ?? true) && s.lockedBy !== null && !caller.admin) throw new Conflict(`Instance ${s.id} is locked`);
        const d = await this.derive(s, views);
        if (spec.vmStates && !spec.vmStates.includes(d.vmState)) {
          throw new Conflict(`Cannot '${spec.action}' instance ${s.id} while it is in vm_state ${d.vmState}`);
        }
        const allowedTasks = spec.taskStates ?? [null];
        if (!allowedTasks.includes(d.taskState)) {
          throw new Conflict(`Cannot '${spec.action}' instance ${s.id} while it is in task_state ${d.taskState}`);
        }
        const { set, task, bumps = true, finished = false } = await spec.change(s, d, tx);
        const generation = bumps ? s.desired.generation + 1 : s.desired.generation;
        const columns: Updateable<ServerTable> = { ...set };
        if (bumps) {
          // An action supersedes an administrator's reset state.
          columns.reset_state = null;
          columns.generation = generation;
          columns.task = task;
          columns.task_generation = generation;
        }
        // Optimistic: the generation we read must still be there, or another action won the race.
        const r = await tx.updateTable('server').set({ ...columns, updated_at: new Date().toISOString() })
          .where('id', '=', s.id).where('generation', '=', s.desired.generation).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return undefined;
        if (spec.record ?? true) await this.deps.actions.start(tx, {
          serverId: s.id, action: spec.action, requestId: caller.requestId, userId: caller.userId, projectId: caller.projectId,
          generation, host: s.host, finished: finished || !bumps,
        });
        if (bumps) await HostStore.bump(tx, s.host);
        return s;
      });
      if (outcome) {
        this.deps.notifier.changed(outcome.host);
        return (await this.deps.servers.find(serverId))!;
      }
      if (attempt >= 2) throw new Conflict(`Instance ${serverId} changed while the request was processed; try again.`);
    }
  }

  /**
   * Finishes a delete: the record becomes DELETED (kept for usage reports and the action log), its
   * addresses and group membership are released, and its host stops listing it.
   */
  async finishDelete(tx: Kysely<ComputeTables>, s: ServerRecord): Promise<void> {
    const now = new Date().toISOString();
    // Neutron ports are given back after the commit (ports.ts), or by the reconciler if that is cut short.
    const neutron = holdsNeutronPorts(s);
    await tx.updateTable('server').set({ deleted: 1, deleted_at: now, terminated_at: now, updated_at: now, task: null, ...(neutron ? { ports_pending: PORTS_RELEASE } : {}) })
      .where('id', '=', s.id).execute();
    await tx.deleteFrom('server_group_member').where('server_id', '=', s.id).execute();
    await this.deps.actions.finishKind(tx, s.id, 'delete', null);
    await HostStore.bump(tx, s.host);
  }

  /**
   * DELETE /servers/{id}: asks the agent to remove the server; deleted at once when it has no host or its
   * host is down (Nova's local delete: the agent removes what no server claims when it comes back).
   */
  async delete(caller: Caller, serverId: string): Promise<void> {
    const views = await this.hostViews();
    const s = await this.deps.servers.get(serverId);
    if (s.lockedBy !== null && !caller.admin) throw new Conflict(`Instance ${s.id} is locked`);
    const hostUp = s.host ? (views.get(s.host)?.up ?? false) : false;
    if (s.desired.power === 'deleted' && hostUp) return;
    await this.transition(caller, serverId, {
      action: 'delete',
      checkLock: true,
      taskStates: [null, 'spawning', 'scheduling', 'deleting', 'powering-off', 'powering-on', 'rebooting', 'rebooting_hard', 'pausing',
        'unpausing', 'resize_prep', 'resize_finish', 'resize_reverting', 'resize_confirming', 'rebuilding', 'image_snapshot', 'image_backup', 'image_uploading'],
      change: async (cur, _d, tx) => {
        if (!cur.host || !hostUp) {
          await this.finishDelete(tx, cur);
          return { set: {}, task: null, bumps: false, finished: true };
        }
        return { set: { power: 'deleted' }, task: 'deleting' };
      },
    });
    if (!hostUp && holdsNeutronPorts(s)) this.deps.ports.kickRelease(s.id);
  }
}
