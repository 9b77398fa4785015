/**
 * os-instance-actions: one action per user request on a server, with the events that carry it out. An
 * action's events finish when the agent reports the server generation the action asked for (or, for a
 * snapshot, the snapshot itself), so `openstack server event list` shows real progress.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ComputeTables, ServerActionEventTable, ServerActionTable } from '../tables.js';
import { nextId } from '../sequence.js';

export interface ServerAction {
  id: number;
  serverId: string;
  requestId: string;
  action: string;
  userId: string;
  projectId: string;
  startTime: string;
  updatedAt: string;
  message: string | null;
  generation: number;
}

export interface ServerActionEvent {
  id: number;
  actionId: number;
  event: string;
  startTime: string;
  finishTime: string | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
}

/** The event name Nova's compute manager records for each action. */
export const EVENT_FOR: Readonly<Record<string, string>> = {
  create: 'compute__do_build_and_run_instance',
  delete: 'compute_terminate_instance',
  stop: 'compute_stop_instance',
  start: 'compute_start_instance',
  reboot: 'compute_reboot_instance',
  pause: 'compute_pause_instance',
  unpause: 'compute_unpause_instance',
  resize: 'compute_finish_resize',
  confirmResize: 'compute_confirm_resize',
  revertResize: 'compute_finish_revert_resize',
  rebuild: 'compute_rebuild_instance',
  createImage: 'compute_snapshot_instance',
  createBackup: 'compute_backup_instance',
  resetState: 'api_reset_state',
  lock: 'api_lock',
  unlock: 'api_unlock',
};

function toAction(r: Selectable<ServerActionTable>): ServerAction {
  return {
    id: r.id, serverId: r.server_id, requestId: r.request_id, action: r.action, userId: r.user_id, projectId: r.project_id,
    startTime: r.start_time, updatedAt: r.updated_at, message: r.message, generation: r.generation,
  };
}

function toEvent(r: Selectable<ServerActionEventTable>): ServerActionEvent {
  return {
    id: r.id, actionId: r.action_id, event: r.event, startTime: r.start_time, finishTime: r.finish_time,
    result: r.result, traceback: r.traceback, host: r.host, details: r.details,
  };
}

export interface ActionStart {
  serverId: string;
  action: string;
  requestId: string;
  userId: string;
  projectId: string;
  /** The server generation that carries it out. */
  generation: number;
  host: string | null;
  /** Done already (e.g. confirmResize, lock): the event is recorded finished. */
  finished?: boolean;
}

export class ActionStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** Records an action and its event, inside the caller's transaction. */
  async start(tx: Kysely<ComputeTables>, a: ActionStart): Promise<void> {
    const now = new Date().toISOString();
    const id = await nextId(tx, 'action');
    await tx.insertInto('server_action').values({
      id, server_id: a.serverId, request_id: a.requestId, action: a.action, user_id: a.userId, project_id: a.projectId,
      start_time: now, updated_at: now, message: null, generation: a.generation,
    }).execute();
    await tx.insertInto('server_action_event').values({
      id: await nextId(tx, 'event'), action_id: id, event: EVENT_FOR[a.action] ?? `compute_${a.action}`, start_time: now,
      finish_time: a.finished ? now : null, result: a.finished ? 'Success' : null, traceback: null, host: a.host, details: null,
    }).execute();
  }

  /**
   * Finishes the open events of a server's actions the agent has carried out (generation ≤ `applied`).
   * The action at exactly `applied` fails if the agent reported a fault with it. `keepOpen` names actions
   * whose completion is judged otherwise (a snapshot in upload).
   */
  async finishApplied(tx: Kysely<ComputeTables>, serverId: string, applied: number, fault: { message: string; details?: string } | null, keepOpen: ReadonlySet<string> = new Set()): Promise<void> {
    const open = await tx.selectFrom('server_action_event').innerJoin('server_action', 'server_action.id', 'server_action_event.action_id')
      .select(['server_action_event.id as eventId', 'server_action.id as actionId', 'server_action.generation', 'server_action.action'])
      .where('server_action.server_id', '=', serverId).where('server_action_event.finish_time', 'is', null)
      .where('server_action.generation', '<=', applied).execute();
    const now = new Date().toISOString();
    for (const e of open) {
      if (keepOpen.has(e.action)) continue;
      const failed = fault !== null && e.generation === applied;
      await this.#finish(tx, e.eventId, e.actionId, now, failed ? fault : null);
    }
  }

  /** Finishes every open event of one kind of action (a snapshot that completed or failed). */
  async finishKind(tx: Kysely<ComputeTables>, serverId: string, action: string, fault: { message: string; details?: string } | null): Promise<void> {
    const open = await tx.selectFrom('server_action_event').innerJoin('server_action', 'server_action.id', 'server_action_event.action_id')
      .select(['server_action_event.id as eventId', 'server_action.id as actionId'])
      .where('server_action.server_id', '=', serverId).where('server_action.action', '=', action)
      .where('server_action_event.finish_time', 'is', null).execute();
    const now = new Date().toISOString();
    for (const e of open) await this.#finish(tx, e.eventId, e.actionId, now, fault);
  }

  /** Fails every open event of a server (the build was aborted: no host, host lost). */
  async failOpen(tx: Kysely<ComputeTables>, serverId: string, fault: { message: string; details?: string }): Promise<void> {
    const open = await tx.selectFrom('server_action_event').innerJoin('server_action', 'server_action.id', 'server_action_event.action_id')
      .select(['server_action_event.id as eventId', 'server_action.id as actionId'])
      .where('server_action.server_id', '=', serverId).where('server_action_event.finish_time', 'is', null).execute();
    const now = new Date().toISOString();
    for (const e of open) await this.#finish(tx, e.eventId, e.actionId, now, fault);
  }

  async #finish(tx: Kysely<ComputeTables>, eventId: number, actionId: number, at: string, fault: { message: string; details?: string } | null): Promise<void> {
    await tx.updateTable('server_action_event').set({
      finish_time: at, result: fault ? 'Error' : 'Success', traceback: fault ? (fault.details ?? fault.message) : null,
      details: fault ? fault.message : null,
    }).where('id', '=', eventId).execute();
    await tx.updateTable('server_action').set({ updated_at: at, ...(fault ? { message: 'Error' } : {}) }).where('id', '=', actionId).execute();
  }

  /** A server's actions, newest first. */
  async list(serverId: string): Promise<ServerAction[]> {
    const rows = await this.db.selectFrom('server_action').selectAll().where('server_id', '=', serverId).orderBy('id', 'desc').execute();
    return rows.map(toAction);
  }

  async byRequestId(serverId: string, requestId: string): Promise<ServerAction | undefined> {
    const row = await this.db.selectFrom('server_action').selectAll().where('server_id', '=', serverId).where('request_id', '=', requestId).executeTakeFirst();
    return row ? toAction(row) : undefined;
  }

  async events(actionId: number): Promise<ServerActionEvent[]> {
    const rows = await this.db.selectFrom('server_action_event').selectAll().where('action_id', '=', actionId).orderBy('id').execute();
    return rows.map(toEvent);
  }
}
