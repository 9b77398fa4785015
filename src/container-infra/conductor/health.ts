/**
 * The periodic health check of idle clusters (Magnum's sync_cluster_health_status, every few seconds
 * here instead of 60), and auto re-spawn, which Magnum left to in-cluster add-ons: a worker whose server
 * is gone, stopped or in ERROR, or whose engine the swarm has seen down for a grace period, is replaced
 * through a `heal` operation; a stopped master is started again (replacing it would lose the swarm's
 * state). On by default; the label `auto_healing_enabled=false` turns it off.
 */
import type { Logger } from '../../platform/log.js';
import type { ContainerInfraStore } from '../store.js';
import type { Cluster, ClusterOperation, ClusterStatus, ClusterTemplate } from '../model.js';
import type { CoeAccess, Driver } from '../drivers/driver.js';

/** How long a node may look down in the swarm before it is replaced (an engine restarting comes back sooner). */
export const DOWN_GRACE_MS = 8000;

/** Statuses whose clusters are checked (Magnum checks COMPLETE ones and running updates; updates are ours here). */
const CHECKED: readonly ClusterStatus[] = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'RESUME_COMPLETE', 'RESTORE_COMPLETE', 'ROLLBACK_COMPLETE', 'CHECK_COMPLETE', 'ADOPT_COMPLETE', 'SNAPSHOT_COMPLETE'];

export interface HealthWatchOptions {
  store: ContainerInfraStore;
  log: Logger;
  access(c: Cluster): Promise<CoeAccess>;
  driverOf(template: ClusterTemplate): Driver;
  /** The cluster project's servers: id → Nova status. */
  servers(c: Cluster): Promise<Map<string, string>>;
  heal(c: Cluster, op: ClusterOperation): Promise<void>;
  startServer(c: Cluster, serverId: string): Promise<void>;
}

/** Whether the cluster's labels leave auto re-spawn on (Flotilla's default; Magnum's label name). */
export const autoHealing = (labels: Record<string, string>): boolean => String(labels.auto_healing_enabled ?? 'true').toLowerCase() !== 'false';

export class HealthWatch {
  readonly #o: HealthWatchOptions;
  /** Server id → when it was first seen unhealthy (cleared when it looks fine again). */
  readonly #since = new Map<string, number>();
  /** Cluster id → when its COE API first stopped answering (cleared when it answers again). */
  readonly #unreachableSince = new Map<string, number>();
  /** Masters a start was asked for, and when (not asked again for a while). */
  readonly #started = new Map<string, number>();

  constructor(o: HealthWatchOptions) {
    this.#o = o;
  }

  async check(clusters: readonly Cluster[]): Promise<void> {
    for (const c of clusters) {
      if (!CHECKED.includes(c.status) || !c.apiAddress) continue;
      try {
        await this.#checkOne(c);
      } catch (err) {
        this.#o.log.debug({ err, cluster: c.uuid }, 'health check failed');
      }
    }
  }

  async #checkOne(c: Cluster): Promise<void> {
    const { store } = this.#o;
    const template = await store.getTemplate(c.clusterTemplateId);
    if (!template) return;
    const driver = this.#o.driverOf(template);
    const groups = await store.listNodeGroups(c.uuid);
    const members = groups.flatMap((g) => g.nodes.map((serverId) => ({ serverId, master: g.role === 'master' })));
    const [report, servers] = await Promise.all([
      driver.health(await this.#o.access(c), { expected: members.map((m) => ({ serverId: m.serverId })) }),
      this.#o.servers(c),
    ]);
    const reason: Record<string, string> = { ...report.reason };
    const now = Date.now();
    const dead: string[] = [];
    for (const m of members) {
      const status = servers.get(m.serverId);
      const node = report.nodes.find((n) => n.serverId === m.serverId && n.expected);
      let problem: string | undefined;
      let immediate = false;
      if (status === undefined) { problem = 'server gone'; immediate = true; }
      else if (status === 'SHUTOFF' || status === 'ERROR') { problem = `server ${status}`; immediate = true; }
      else if (report.status !== 'UNKNOWN' && (!node || node.state !== 'ready')) problem = node ? `node ${node.state}` : 'node missing from the swarm';
      if (!problem) { this.#since.delete(m.serverId); continue; }
      reason[`${m.serverId}.server`] = problem;
      const first = this.#since.get(m.serverId) ?? now;
      this.#since.set(m.serverId, first);
      if (m.master) {
        if (status === 'SHUTOFF' && now - (this.#started.get(m.serverId) ?? 0) > 60_000) {
          this.#started.set(m.serverId, now);
          await this.#o.startServer(c, m.serverId).catch((err: unknown) => this.#o.log.warn({ err }, 'could not start a stopped master'));
          await store.addEvent(c.uuid, 'heal', `master ${m.serverId} was stopped: starting it`);
        }
        continue;
      }
      if (immediate || now - first >= DOWN_GRACE_MS) dead.push(m.serverId);
    }
    const status = report.status === 'HEALTHY' && Object.keys(reason).every((k) => !k.endsWith('.server')) ? 'HEALTHY' : report.status === 'UNKNOWN' ? 'UNKNOWN' : 'UNHEALTHY';
    // One unanswered probe (a busy host, a slow TLS handshake) is not yet UNKNOWN: the API must stay
    // silent for the same grace as a node before the cluster says so.
    if (report.status === 'UNKNOWN') this.#unreachableSince.set(c.uuid, this.#unreachableSince.get(c.uuid) ?? now);
    else this.#unreachableSince.delete(c.uuid);
    const settled = report.status !== 'UNKNOWN' || now - this.#unreachableSince.get(c.uuid)! >= DOWN_GRACE_MS;
    if (settled && (status !== c.healthStatus || JSON.stringify(reason) !== JSON.stringify(c.healthStatusReason))) {
      await store.updateCluster(c.uuid, { healthStatus: status, healthStatusReason: reason });
      if (status !== c.healthStatus) await store.addEvent(c.uuid, 'health', `health ${status}${status === 'HEALTHY' ? '' : `: ${Object.entries(reason).filter(([, v]) => v !== 'ok' && v !== 'True').map(([k, v]) => `${k}=${v}`).join(', ')}`}`);
    }
    if (dead.length > 0 && autoHealing(c.labels)) {
      const fresh = await store.getCluster(c.uuid);
      if (!fresh || fresh.operation || fresh.generation !== c.generation) return;
      for (const id of dead) this.#since.delete(id);
      await store.addEvent(c.uuid, 'heal', `auto re-spawn: ${dead.map((id) => `${id} (${reason[`${id}.server`]})`).join(', ')}`);
      await this.#o.heal(c, { kind: 'heal', replace: dead });
    }
  }
}
