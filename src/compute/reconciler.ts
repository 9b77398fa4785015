/**
 * Compute's own reconciler: finishes what agents cannot (their host is gone) so nothing stays pending
 * forever, after a restart or a lost host. Level-based: each pass looks at every live server and decides
 * from its record and its host's liveness alone.
 *
 *  - a delete on a host that has been down past HOST_LOST_AFTER_MS completes locally (the agent removes the
 *    container no record claims when it comes back);
 *  - a build on such a host is aborted with a fault (the server goes ERROR, its address is released);
 *  - a build no agent has reported on for BUILD_TIMEOUT_MS is aborted with a fault.
 * It also heartbeats the control plane's own services (nova-scheduler, nova-conductor) in os-services.
 */
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from '../platform/log.js';
import { inTransaction } from '../platform/db/database.js';
import type { ComputeTables } from './tables.js';
import { HostStore } from './hosts/store.js';
import type { RevisionNotifier } from './hosts/notifier.js';
import type { ServerStore } from './servers/store.js';
import type { ServerService } from './servers/service.js';
import type { ActionStore } from './servers/actions-store.js';
import { holdsNeutronPorts, PORTS_RELEASE, type ServerPorts } from './ports.js';

/** A host silent this long is considered lost for pending deletes and builds. */
export const HOST_LOST_AFTER_MS = 60_000;
/** A build no agent has acknowledged in this long is aborted. */
export const BUILD_TIMEOUT_MS = 30 * 60_000;

export interface ReconcilerDeps {
  db: Kysely<ComputeTables>;
  servers: ServerStore;
  hosts: HostStore;
  serverService: ServerService;
  actions: ActionStore;
  ports: ServerPorts;
  notifier: RevisionNotifier;
  log: Logger;
  intervalMs?: number;
  hostLostAfterMs?: number;
  buildTimeoutMs?: number;
  /** The name the control plane's services are listed under. */
  controlHost?: string;
}

export class ComputeReconciler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #o: Required<Omit<ReconcilerDeps, 'log'>> & { log: Logger };

  constructor(deps: ReconcilerDeps) {
    this.#o = { intervalMs: 5000, hostLostAfterMs: HOST_LOST_AFTER_MS, buildTimeoutMs: BUILD_TIMEOUT_MS, controlHost: os.hostname(), ...deps };
  }

  start(): void {
    const tick = (): void => {
      this.#running = this.pass().catch((err) => { this.#o.log.error({ err }, 'compute reconcile pass failed'); }).finally(() => { this.#running = undefined; });
    };
    tick();
    this.#timer = setInterval(() => { if (!this.#running) tick(); }, this.#o.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass over every live server. */
  async pass(): Promise<void> {
    const o = this.#o;
    await o.hosts.heartbeatControlService(o.controlHost, 'nova-scheduler');
    await o.hosts.heartbeatControlService(o.controlHost, 'nova-conductor');
    const views = await o.serverService.hostViews();
    const now = Date.now();
    const touched = new Set<string>();
    for (const s of await o.servers.query({ deleted: false })) {
      const view = s.host ? views.get(s.host) : undefined;
      const lost = s.host !== null && (view === undefined || (!view.up && view.silentForMs > o.hostLostAfterMs));
      if (s.desired.power === 'deleted' && lost) {
        await inTransaction(o.db, (tx) => o.serverService.finishDelete(tx, s));
        if (holdsNeutronPorts(s)) o.ports.kickRelease(s.id);
        o.log.info({ server: s.id, host: s.host }, 'delete completed locally: host lost');
        if (s.host) touched.add(s.host);
        continue;
      }
      const building = s.launchedAt === null && s.fault === null && s.host !== null && !(s.observed.state === 'error' && s.observed.generation >= 1);
      if (!building) continue;
      const age = now - Date.parse(s.createdAt);
      const reason = lost ? `host ${s.host} is down` : age > o.buildTimeoutMs && s.observed.generation < 1 ? `no report from host ${s.host} in ${Math.round(age / 60_000)} minutes` : undefined;
      if (!reason) continue;
      const fault = { code: 500, message: `Build of instance ${s.id} aborted: ${reason}.`, created: new Date().toISOString() };
      await inTransaction(o.db, async (tx) => {
        // Only if still building: the agent may have reported in the meantime.
        const cur = await o.servers.find(s.id, tx);
        if (!cur || cur.deleted || cur.launchedAt !== null || cur.fault !== null) return;
        const neutron = holdsNeutronPorts(cur);
        await tx.updateTable('server').set({ fault: JSON.stringify(fault), host: null, updated_at: fault.created, ...(neutron ? { ports_pending: PORTS_RELEASE } : {}) })
          .where('id', '=', s.id).execute();
        await o.actions.failOpen(tx, s.id, { message: fault.message });
        await HostStore.bump(tx, s.host);
      });
      o.log.warn({ server: s.id, host: s.host, reason }, 'build aborted');
      touched.add(s.host!);
    }
    o.notifier.changed(...touched);
    await o.ports.adoptInterim();
    await o.ports.reconcile();
  }
}
