/**
 * Drives one server toward its spec (style.md §5): load the spec; run small idempotent phases (config
 * drive, container, limits, power, ports, snapshot); report what was observed, with the generation
 * applied and any fault, even when a phase threw. Level-based: the key is a server id, never an event,
 * so a pass may run any number of times, or be cut short by a SIGKILL, and the next one converges.
 */
import type { Logger } from '../platform/log.js';
import type { AgentComputeClient } from '../compute/client.js';
import type { ObservedServer, ServerSpec } from '../compute/agent-protocol.js';
import { EngineError, type ContainerInspect, type DockerApi } from './docker-api.js';
import { createBody, limitsFor, limitsMatch, STOP_TIMEOUT_S } from './container-spec.js';
import { writeConfigDrive } from './config-drive.js';
import { ServerFault } from './faults.js';
import type { ImageCache } from './images.js';
import { containerName, LABEL, type AgentLayout } from './layout.js';
import type { HostNetwork } from './network.js';
import type { NeutronPorts } from './network-sync.js';
import type { AppliedState, ServerFiles } from './server-state.js';
import type { WorkResult } from './work-queue.js';

/** A container that exits this soon after starting, with an error, did not boot: retrying will not help. */
const EARLY_EXIT_MS = 3000;

export interface ReconcilerDeps {
  host: string;
  layout: AgentLayout;
  docker: () => DockerApi;
  network: HostNetwork;
  /** Neutron's data plane (ports with `source: 'neutron'`); undefined when the agent has no network service. */
  neutron: NeutronPorts | undefined;
  images: ImageCache;
  files: ServerFiles;
  compute: AgentComputeClient;
  logger: Logger;
  /** The desired servers as last polled, or undefined before the first answer. */
  desired: () => ReadonlyMap<string, ServerSpec> | undefined;
  /** Called when a server left the host (its network may be unused now). */
  onServerGone: () => void;
}

/** What one pass learned; the report is built from it. */
interface Scope {
  spec: ServerSpec;
  applied: AppliedState;
  container: ContainerInspect | undefined;
}

export class ServerReconciler {
  readonly #d: ReconcilerDeps;
  readonly #log: Logger;
  /** The last report sent per server, so an unchanged observation is not sent again. */
  readonly #reported = new Map<string, string>();
  /** The container pid whose ports were plugged per server (ports are re-plugged for a new pid). */
  readonly #plugged = new Map<string, { pid: number; ports: string }>();
  /** Each server's Neutron port ids as last plugged, to unplug them when compute no longer lists it. */
  readonly #neutronPorts = new Map<string, string[]>();
  /** Images known to have /bin/sh (checked on the first container made from each). */
  readonly #shellChecked = new Set<string>();
  /**
   * Per server, the container pid this agent process last started and which of its ports were plugged
   * since: a port not yet plugged into a namespace this process just made is plugged without looking.
   */
  readonly #fresh = new Map<string, { pid: number; plugged: Set<string> }>();
  /** The generation at which this agent process last started each server (to tell a failed boot). */
  readonly #startedAt = new Map<string, number>();

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'reconciler' });
  }

  async reconcile(id: string): Promise<WorkResult> {
    const desired = this.#d.desired();
    if (!desired) return {};
    const spec = desired.get(id);
    if (!spec) { await this.#forget(id); return {}; }
    if (spec.power === 'deleted') {
      await this.#teardown(id, spec);
      await this.#report(id, { state: 'absent', generation: spec.generation, rebootCount: spec.rebootCount, rebuildCount: spec.rebuildCount });
      return {};
    }
    const applied: AppliedState = this.#d.files.load(id) ?? { generation: 0, rebootCount: spec.rebootCount };
    const scope: Scope = { spec, applied, container: await this.#d.docker().findContainer(containerName(id)) };
    if (applied.fault && applied.fault.generation === spec.generation) {
      await this.#report(id, this.#observe(scope));
      return {};
    }
    let failure: unknown;
    const timings: Record<string, number> = {};
    const phase = async (name: string, fn: (s: Scope) => Promise<void>): Promise<void> => {
      const t0 = performance.now();
      await fn(scope);
      timings[name] = Math.round(performance.now() - t0);
    };
    try {
      await phase('configDrive', (s) => this.#phaseConfigDrive(s));
      await phase('container', (s) => this.#phaseContainer(s));
      await phase('limits', (s) => this.#phaseLimits(s));
      await phase('power', (s) => this.#phasePower(s));
      await phase('snapshot', (s) => this.#phaseSnapshot(s));
      this.#log.debug({ server: id, generation: spec.generation, ms: timings }, 'server pass');
      applied.generation = spec.generation;
      delete applied.fault;
      this.#d.files.save(id, applied);
    } catch (err) {
      failure = err;
      if (err instanceof ServerFault) {
        this.#log.warn({ server: id, err: err.message }, 'server fault');
        applied.generation = spec.generation;
        applied.fault = { generation: spec.generation, code: err.code, message: err.message, keepsRunning: !err.breaksServer, ...(err.details ? { details: err.details } : {}) };
        this.#d.files.save(id, applied);
      }
    } finally {
      scope.container = await this.#d.docker().findContainer(containerName(id)).catch(() => scope.container);
      await this.#report(id, this.#observe(scope));
    }
    if (failure !== undefined && !(failure instanceof ServerFault)) throw failure;
    return {};
  }

  /** The observation to report: the container's state, the generation applied, any fault. */
  #observe(scope: Scope): ObservedServer {
    const { spec, applied, container: c } = scope;
    const fault = applied.fault?.generation === spec.generation ? applied.fault : undefined;
    const base = {
      generation: applied.generation,
      rebootCount: applied.rebootCount,
      rebuildCount: c ? Number(c.Config.Labels[LABEL.rebuild] ?? 0) : spec.rebuildCount,
      ...(applied.snapshotDone ? { snapshotDone: applied.snapshotDone } : {}),
      ...(c?.State.StartedAt && !c.State.StartedAt.startsWith('0001') ? { startedAt: c.State.StartedAt } : {}),
    };
    const faultBody = fault ? { fault: { code: fault.code, message: fault.message, ...(fault.details ? { details: fault.details } : {}) } } : {};
    const state = !c ? 'absent' : c.State.Paused ? 'paused' : c.State.Running ? 'running' : 'stopped';
    if (fault && !fault.keepsRunning) return { state: 'error', ...base, ...faultBody };
    return { state, ...base, ...faultBody };
  }

  async #report(id: string, observed: ObservedServer): Promise<void> {
    const text = JSON.stringify(observed);
    if (this.#reported.get(id) === text) return;
    await this.#d.compute.reportObserved(id, observed);
    this.#reported.set(id, text);
  }

  #phaseConfigDrive(s: Scope): Promise<void> {
    writeConfigDrive(this.#d.files.configDir(s.spec.id), s.spec);
    return Promise.resolve();
  }

  /** The container exists, from the spec's image and rebuild count; a rebuild recreates it. */
  async #phaseContainer(s: Scope): Promise<void> {
    const api = this.#d.docker();
    const c = s.container;
    if (c && (c.Config.Labels[LABEL.image] !== s.spec.image.id || Number(c.Config.Labels[LABEL.rebuild] ?? 0) < s.spec.rebuildCount)) {
      this.#log.info({ server: s.spec.id }, 'rebuilding: removing the old container');
      await api.removeContainer(c.Id);
      this.#plugged.delete(s.spec.id);
      s.container = undefined;
    }
    if (s.container) return;
    await this.#d.images.ensure(s.spec.image.id);
    const name = containerName(s.spec.id);
    let id: string;
    try {
      id = await api.createContainer(name, createBody(s.spec, this.#d.host, this.#d.layout.initScript, this.#d.files.configDir(s.spec.id)));
    } catch (err) {
      // A pass cut short after create: the container is there, take it.
      if (!(err instanceof EngineError && err.status === 409)) throw err;
      id = name;
    }
    if (!this.#shellChecked.has(s.spec.image.id)) {
      if (!(await api.pathExists(id, '/bin/sh'))) {
        await api.removeContainer(id);
        throw new ServerFault(`Image ${s.spec.image.id} has no /bin/sh: Flotilla's init needs a POSIX shell in the image.`);
      }
      this.#shellChecked.add(s.spec.image.id);
    }
    s.container = await api.inspectContainer(id);
  }

  /** The flavor's limits, changed live (resize) when they differ. */
  async #phaseLimits(s: Scope): Promise<void> {
    const c = s.container!;
    const want = limitsFor(s.spec);
    if (limitsMatch(c, want)) return;
    try {
      await this.#d.docker().updateContainer(c.Id, want);
    } catch (err) {
      if (err instanceof EngineError && err.status < 500) throw new ServerFault(`Applying flavor ${s.spec.flavor.name}'s limits failed: ${err.message}`, 500, false);
      throw err;
    }
    s.container = await this.#d.docker().inspectContainer(c.Id);
  }

  /** Power state, reboots, and the ports of a running container. */
  async #phasePower(s: Scope): Promise<void> {
    const api = this.#d.docker();
    let c = s.container!;
    const want = s.spec.power;
    if (want === 'stopped') {
      if (c.State.Paused) await api.unpauseContainer(c.Id);
      if (c.State.Running) await api.stopContainer(c.Id, STOP_TIMEOUT_S);
      s.applied.rebootCount = s.spec.rebootCount;
      return;
    }
    // running or paused: the container must run (with its ports) before it can be paused.
    if (c.State.Paused && want === 'running') await api.unpauseContainer(c.Id);
    let fresh = false;
    if (!c.State.Running) {
      // Started at this generation already and dead again: a boot that failed, not a server to restart.
      if (this.#startedAt.get(s.spec.id) === s.spec.generation) this.#checkEarlyExit(c);
      await api.startContainer(c.Id);
      this.#startedAt.set(s.spec.id, s.spec.generation);
      fresh = true;
    } else if (s.applied.rebootCount < s.spec.rebootCount) {
      this.#log.info({ server: s.spec.id }, 'rebooting');
      if (c.State.Paused) await api.unpauseContainer(c.Id);
      await api.restartContainer(c.Id, STOP_TIMEOUT_S);
      fresh = true;
    }
    s.applied.rebootCount = s.spec.rebootCount;
    c = await api.inspectContainer(c.Id);
    s.container = c;
    if (fresh && c.State.Running) this.#fresh.set(s.spec.id, { pid: c.State.Pid, plugged: new Set() });
    if (!c.State.Running) {
      this.#checkEarlyExit(c);
      throw new Error(`server ${s.spec.id} is not running after start (${c.State.Status})`);
    }
    await this.#plugPorts(s.spec, c.State.Pid, fresh);
    if (want === 'paused' && !c.State.Paused) await api.pauseContainer(c.Id);
  }

  /** A container that died right after it started, with an error, is an unbootable image. */
  #checkEarlyExit(c: ContainerInspect): void {
    const started = Date.parse(c.State.StartedAt);
    const finished = Date.parse(c.State.FinishedAt);
    if (!(started > 0) || !(finished >= started)) return;
    if (c.State.ExitCode !== 0 && !c.State.OOMKilled && finished - started < EARLY_EXIT_MS) {
      throw new ServerFault(`The server stopped ${finished - started} ms after it started (exit code ${c.State.ExitCode}${c.State.Error ? `: ${c.State.Error}` : ''}); see its console log.`);
    }
  }

  /**
   * Interim ports go into the interim per-project namespaces; Neutron ports into their network's segment,
   * by the port as the host's last applied network plan has it. A Neutron port the plan does not name yet
   * is left for later: the server is not marked plugged, and the network loop wakes it after each plan it
   * applies while one of its ports is not in place (see `needsPorts`).
   */
  async #plugPorts(spec: ServerSpec, pid: number, fresh: boolean): Promise<void> {
    const ports = JSON.stringify(spec.ports);
    const done = this.#plugged.get(spec.id);
    if (done && done.pid === pid && done.ports === ports) return;
    await this.#d.network.plugPorts(pid, spec.ports, fresh);
    const t0 = performance.now();
    let waiting = 0;
    const neutronIds: string[] = [];
    for (const [i, port] of spec.ports.entries()) {
      if (port.source !== 'neutron') continue;
      neutronIds.push(port.id);
      const neutron = this.#d.neutron;
      if (!neutron) throw new ServerFault(`Port ${port.id} is a Neutron port, and this host's agent runs without the network service.`);
      const planned = neutron.portPlan(port.id);
      if (!planned) { waiting += 1; continue; }
      // ethN by the port's place in the server's list; the first port carries the default route.
      const f = this.#fresh.get(spec.id);
      await neutron.plugServerPort(planned, pid, `eth${i}`, { defaultRoute: i === 0, fresh: f?.pid === pid && !f.plugged.has(port.id) });
      if (f?.pid === pid) f.plugged.add(port.id);
    }
    if (neutronIds.length > 0) this.#neutronPorts.set(spec.id, neutronIds);
    if (waiting > 0) {
      this.#log.info({ server: spec.id, waiting }, 'Neutron ports not in the host\'s network plan yet: plugged when it names them');
      return;
    }
    this.#plugged.set(spec.id, { pid, ports });
    if (neutronIds.length > 0) this.#log.debug({ server: spec.id, ports: neutronIds.length, ms: Math.round(performance.now() - t0) }, 'Neutron ports plugged');
  }

  /** Whether a server has Neutron ports that `active` (the last network report) does not list. */
  needsPorts(spec: ServerSpec, active: ReadonlySet<string>): boolean {
    return (spec.power === 'running' || spec.power === 'paused') && spec.ports.some((p) => p.source === 'neutron' && !active.has(p.id));
  }

  /** Forgets that a server's ports were plugged (its veths went with a rebuilt segment): the next pass plugs them. */
  replug(id: string): void {
    this.#plugged.delete(id);
  }

  /** A requested snapshot not yet taken: commit, save, upload. */
  async #phaseSnapshot(s: Scope): Promise<void> {
    const snap = s.spec.snapshot;
    if (!snap || s.applied.snapshotDone === snap.imageId) return;
    const started = Date.now();
    await this.#d.images.snapshot(s.container!.Id, snap.imageId, s.spec.image.id);
    s.applied.snapshotDone = snap.imageId;
    this.#log.info({ server: s.spec.id, image: snap.imageId, ms: Date.now() - started }, 'snapshot uploaded');
  }

  /**
   * Removes the server's container, its nested engine's volume and its files (delete requested), and its Neutron ports' veths: the
   * container's end goes with its namespace, the bridge end is removed here rather than left to the next
   * network pass. Interim ports go with the container; their namespace with the next garbage collection.
   */
  async #teardown(id: string, spec?: ServerSpec): Promise<void> {
    const api = this.#d.docker();
    await api.removeContainer(containerName(id));
    // A nested engine's volume goes with its container; one an engine crash left behind goes here.
    for (const v of await api.listVolumes(`${LABEL.server}=${id}`, true)) await api.removeVolume(v.Name);
    const neutronIds = new Set([...(this.#neutronPorts.get(id) ?? []), ...(spec?.ports.filter((p) => p.source === 'neutron').map((p) => p.id) ?? [])]);
    if (this.#d.neutron) for (const portId of neutronIds) await this.#d.neutron.unplugServerPort(portId);
    this.#neutronPorts.delete(id);
    this.#d.files.remove(id);
    this.#plugged.delete(id);
    this.#fresh.delete(id);
    this.#startedAt.delete(id);
    this.#d.onServerGone();
  }

  /** Compute no longer lists the server: remove what is left of it without reporting. */
  async #forget(id: string): Promise<void> {
    await this.#teardown(id);
    this.#reported.delete(id);
  }
}
