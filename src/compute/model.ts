/**
 * The compute domain's vocabulary: ids, Nova's vm/task/power states and the flavor a server carries.
 * Knows no HTTP and no SQL.
 */
import type { Id } from '../platform/ids.js';

export type ServerId = Id<'ServerId'>;
export type FlavorId = Id<'FlavorId'>;
export type ServerGroupId = Id<'ServerGroupId'>;
export type ProjectId = Id<'ProjectId'>;
export type UserId = Id<'UserId'>;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** True for what oslo's is_uuid_like accepts (dashes optional, any case). */
export function isUuidLike(raw: string): boolean {
  return UUID.test(raw);
}

/** A UUID in its canonical dashed lowercase form. */
export function canonicalUuid(raw: string): string {
  const hex = raw.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Nova's vm_state: the state the server is in when no task is running. */
export type VmState = 'building' | 'active' | 'stopped' | 'paused' | 'resized' | 'error' | 'deleted';

/** Nova's task_state names for the tasks Flotilla runs. */
export type TaskState =
  | 'scheduling' | 'spawning' | 'deleting'
  | 'powering-off' | 'powering-on' | 'rebooting' | 'rebooting_hard'
  | 'pausing' | 'unpausing'
  | 'resize_prep' | 'resize_finish' | 'resize_reverting' | 'resize_confirming'
  | 'rebuilding' | 'image_snapshot' | 'image_backup' | 'image_uploading';

/** Nova's power_state numbers. */
export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

/** The user-facing status, as Nova maps (vm_state, task_state) to it (nova/api/openstack/common.py). */
export type ServerStatus =
  | 'BUILD' | 'ACTIVE' | 'SHUTOFF' | 'PAUSED' | 'VERIFY_RESIZE' | 'REVERT_RESIZE'
  | 'REBOOT' | 'HARD_REBOOT' | 'RESIZE' | 'REBUILD' | 'ERROR' | 'DELETED' | 'UNKNOWN';

type StatusMap = Partial<Record<TaskState | 'default', ServerStatus>>;

const RESIZING: StatusMap = { resize_prep: 'RESIZE', resize_finish: 'RESIZE' };
const REBUILDING: StatusMap = { rebuilding: 'REBUILD' };

const STATE_MAP: Readonly<Record<VmState, StatusMap>> = {
  active: { default: 'ACTIVE', rebooting: 'REBOOT', rebooting_hard: 'HARD_REBOOT', ...REBUILDING, ...RESIZING },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', ...RESIZING, ...REBUILDING },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED' },
  error: { default: 'ERROR', ...REBUILDING },
  deleted: { default: 'DELETED' },
};

/** Nova's status for a (vm_state, task_state) pair. */
export function statusOf(vmState: VmState, taskState: TaskState | null): ServerStatus {
  const map = STATE_MAP[vmState];
  return (taskState !== null ? map[taskState] : undefined) ?? map.default ?? 'UNKNOWN';
}

/** The (vm_state, task_state) pairs a status filter selects, as Nova's task_and_vm_state_from_status does. */
export function statesForStatus(statuses: readonly string[]): { vmStates: Set<VmState>; taskStates: Set<TaskState | 'default'> } {
  const wanted = new Set(statuses.map((s) => s.toLowerCase()));
  const vmStates = new Set<VmState>();
  const taskStates = new Set<TaskState | 'default'>();
  for (const [vm, map] of Object.entries(STATE_MAP) as Array<[VmState, StatusMap]>) {
    for (const [task, status] of Object.entries(map) as Array<[TaskState | 'default', ServerStatus]>) {
      if (wanted.has(status.toLowerCase())) {
        vmStates.add(vm);
        taskStates.add(task);
      }
    }
  }
  return { vmStates, taskStates };
}

/** A flavor as it was when given to a server (Nova keeps a copy on the instance). */
export interface FlavorSnapshot {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  extraSpecs: Record<string, string>;
}

/** A server fault as Nova shows it. */
export interface ServerFault {
  code: number;
  message: string;
  details?: string;
  /** ISO-8601. */
  created: string;
}

/** Nova's hostId: sha224 of project id and host, so users can tell servers apart by host without seeing it. */
export function hostIdOf(host: string | null, projectId: string, sha224: (s: string) => string): string {
  return host ? sha224(projectId + host) : '';
}

/** Time as Nova's utils.isotime writes it: seconds, `Z`. */
export function isoSeconds(iso: string | null | undefined): string | null {
  if (!iso) return null;
  return `${iso.slice(0, 19)}Z`;
}

/** Time as Python's JSON serialisation of a naive datetime writes it: microseconds, no zone. */
export function isoMicros(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const ms = iso.length > 19 && iso[19] === '.' ? iso.slice(20, 23).padEnd(3, '0') : '000';
  return `${iso.slice(0, 19)}.${ms}000`;
}
