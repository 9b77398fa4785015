/**
 * A server's Nova state, derived every time from what was asked (desired), what the agent last reported
 * (observed) and what compute established (fault, launch time, the host's liveness). Nothing here is
 * stored: a verdict that could go stale is never written down.
 */
import { PowerState, statusOf, type PowerStateValue, type ServerFault, type ServerStatus, type TaskState, type VmState } from '../model.js';
import type { ServerRecord } from './store.js';

/** How long a host may be silent before pending tasks on it are shown as abandoned (Nova shows them forever). */
export const TASK_GIVE_UP_AFTER_MS = 60_000;

export interface DerivedState {
  vmState: VmState;
  taskState: TaskState | null;
  powerState: PowerStateValue;
  status: ServerStatus;
  /** The fault to show with ERROR. */
  fault: ServerFault | null;
  /** The agent has carried out everything asked up to the current generation. */
  converged: boolean;
}

/** What compute knows of the server's host when it derives the state. */
export interface HostView {
  /** Heartbeat within HOST_DOWN_AFTER_S. */
  up: boolean;
  /** Milliseconds since the last heartbeat (Infinity when never seen). */
  silentForMs: number;
}

function powerOf(state: ServerRecord['observed']['state']): PowerStateValue {
  switch (state) {
    case 'running': return PowerState.RUNNING;
    case 'paused': return PowerState.PAUSED;
    case 'stopped': return PowerState.SHUTDOWN;
    case 'error': return PowerState.CRASHED;
    case 'absent':
    case null: return PowerState.NOSTATE;
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** True while a snapshot asked for has not been reported done, and has not failed. */
export function snapshotPending(s: ServerRecord): boolean {
  const snap = s.desired.snapshot;
  if (!snap || s.observed.snapshotDone === snap.imageId) return false;
  const appliedWithFault = s.observed.generation >= s.desired.taskGeneration && s.observed.fault !== null;
  return !appliedWithFault;
}

/** The task still in flight, if any. */
function pendingTask(s: ServerRecord, host: HostView | undefined): TaskState | null {
  const task = s.desired.task;
  if (task === null) return null;
  // A host gone silent for long will not carry the task out soon: show it abandoned rather than forever.
  if (host && !host.up && host.silentForMs > TASK_GIVE_UP_AFTER_MS && task !== 'deleting') return null;
  const applied = s.observed.generation >= s.desired.taskGeneration;
  if (task === 'image_snapshot' || task === 'image_backup' || task === 'image_uploading') {
    if (!snapshotPending(s)) return null;
    return applied ? 'image_uploading' : task;
  }
  return applied ? null : task;
}

/** The vm_state the observed power state maps to, or the desired one while the container is not there. */
function steadyState(s: ServerRecord): VmState {
  const state = s.observed.state ?? 'absent';
  switch (state) {
    case 'running': return 'active';
    case 'stopped': return 'stopped';
    case 'paused': return 'paused';
    case 'error': return 'error';
    case 'absent':
      // Between a rebuild's removal and its new container, say: show what is being converged to.
      return s.desired.power === 'stopped' ? 'stopped' : s.desired.power === 'paused' ? 'paused' : 'active';
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** Derives Nova's vm_state, task_state, power_state and status of a server. */
export function deriveState(s: ServerRecord, host: HostView | undefined): DerivedState {
  const converged = s.observed.generation >= s.desired.generation;
  const powerState = powerOf(s.observed.state);
  if (s.deleted) return { vmState: 'deleted', taskState: null, powerState: PowerState.NOSTATE, status: 'DELETED', fault: s.fault, converged: true };
  // An administrator's os-resetState stands until the next action on the server.
  if (s.resetState !== null) return { vmState: s.resetState, taskState: null, powerState, status: statusOf(s.resetState, null), fault: null, converged };
  let taskState = pendingTask(s, host);
  let vmState: VmState;
  let fault: ServerFault | null = null;
  const observedFault = (): ServerFault | null => (s.observed.fault
    ? { ...s.observed.fault, created: s.observed.at ?? s.updatedAt }
    : null);
  if (s.fault) {
    vmState = 'error';
    fault = s.fault;
  } else if (s.launchedAt === null) {
    if (s.observed.state === 'error' && s.observed.generation >= 1) {
      vmState = 'error';
      fault = observedFault() ?? { code: 500, message: 'Build of instance failed', created: s.observed.at ?? s.updatedAt };
    } else {
      vmState = 'building';
      taskState ??= 'spawning';
    }
  } else {
    vmState = steadyState(s);
    if (vmState === 'error') fault = observedFault() ?? { code: 500, message: 'The server is in an error state.', created: s.observed.at ?? s.updatedAt };
    else {
      const applied = s.observed.generation >= s.desired.taskGeneration;
      // Resized and waiting for confirmation; or being reverted, which Nova shows as still resized.
      if ((s.resizePhase === 'migrating' && applied) || (s.resizePhase === 'reverting' && !applied)) vmState = 'resized';
    }
  }
  return { vmState, taskState, powerState, status: statusOf(vmState, taskState), fault, converged };
}
