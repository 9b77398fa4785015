/**
 * The agent's side of the network service's agent API (src/network/agent-protocol.ts): puts the host on
 * the machine's underlay (underlay.ts) and registers that address as its tunnel endpoint, then follows
 * its HostNetworkPlan by long poll and drives the data plane (src/agent/netplane) toward each plan,
 * reporting what it applied, so ports and routers turn ACTIVE in the API.
 *
 * Level-based like the server reconciler: a plan is the host's whole desired state, so an agent that was
 * killed converges from the next plan alone (its first pass is a full one). A new plan is applied
 * as changes only (NetPlane.apply's `changesOnly`: the segments, routers and uplink whose part of the
 * plan changed), since the revision is cloud-wide and most plans differ from the last in a port or two;
 * every NETWORK_RESYNC_MS the current plan is applied again in full even if nothing changed (at the first
 * turn without a new plan, at most RESYNC_GRACE_MS later), so kernel state someone removed by hand (a
 * deleted namespace, a flushed FDB) comes back within a minute.
 * Failures back off from 1 s to 10 s and the loop carries on.
 */
import { NETWORK_PLAN_WAIT_S, type HostNetworkPlan, type NetworkReport, type PortPlan } from '../network/agent-protocol.js';
import type { AgentNetworkClient } from '../network/client.js';
import type { Logger } from '../platform/log.js';
import type { AgentLayout } from './layout.js';
import { NetPlane, type PlugOptions } from './netplane/index.js';
import { ensureUnderlay } from './underlay.js';

/** The longest the current plan goes without being applied again (issue 5: hand-made damage heals within a minute). */
export const NETWORK_RESYNC_MS = 30_000;
/**
 * A full pass that falls due while plans keep changing waits for the first turn without a change, but
 * no longer than this: under a burst of boots it would otherwise hold every segment for seconds.
 */
const RESYNC_GRACE_MS = 20_000;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 10_000;
/** A plugged port is reported after this pause, so servers plugged together cost one apply. */
const KICK_DELAY_MS = 300;

export interface NetworkSyncOptions {
  layout: AgentLayout;
  client: AgentNetworkClient;
  logger: Logger;
  /**
   * Called after each plan the loop applied (not after the re-applies that only report plugged ports):
   * the server reconciler wakes the servers whose Neutron ports are not in place yet.
   */
  onApplied: (plan: HostNetworkPlan, report: NetworkReport) => void;
}

/** What the server reconciler needs of the data plane: a port's plan, and plugging by it. */
export interface NeutronPorts {
  /** The port as the last applied plan has it, or undefined when the plan does not name it (yet). */
  portPlan(portId: string): PortPlan | undefined;
  plugServerPort(port: PortPlan, containerPid: number, ifname: string, opts?: PlugOptions): Promise<void>;
  unplugServerPort(portId: string): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

export class NetworkSync implements NeutronPorts {
  readonly plane: NetPlane;
  readonly #opts: NetworkSyncOptions;
  readonly #log: Logger;
  /** The last plan handed to the data plane. */
  #latest: HostNetworkPlan | undefined;
  /** When #latest was last applied and reported (0: its report is owed). */
  #appliedAt = 0;
  /** When the last full pass (every resource looked at again) started (0: the next pass is one). */
  #fullAt = 0;
  /** This host's address on the underlay as last ensured (undefined: ensure it on the next turn). */
  #endpoint: string | undefined;
  /** When the underlay was last ensured. */
  #underlayAt = 0;
  /** The endpoint the service has from us (undefined: register on the next turn). */
  #registered: string | undefined;
  /** Applies and reports run one after another, so reports reach the service in order. */
  #chain: Promise<void> = Promise.resolve();
  #kick: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;

  constructor(opts: NetworkSyncOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'network-sync' });
    this.plane = new NetPlane(opts.layout, opts.logger);
  }

  /** Starts following the plan (returns at once). */
  start(): void {
    this.#loop ??= this.#run();
  }

  portPlan(portId: string): PortPlan | undefined {
    return this.#latest?.ports.find((p) => p.id === portId);
  }

  /** The floating IP of a port, when a router on this host holds it (the metadata service's public-ipv4). */
  floatingIp(portId: string): string | undefined {
    for (const r of this.#latest?.routers ?? []) for (const f of r.floatingIps) if (f.portId === portId) return f.floatingIp;
    return undefined;
  }

  async plugServerPort(port: PortPlan, containerPid: number, ifname: string, opts?: PlugOptions): Promise<void> {
    await this.plane.plugServerPort(port, containerPid, ifname, opts);
    // The service learns a port is in place from a report, and reports follow applies: one soon.
    this.#kickSoon();
  }

  async unplugServerPort(portId: string): Promise<void> {
    await this.plane.unplugServerPort(portId);
    this.#kickSoon();
  }

  /**
   * Stops following the plan and waits for an apply under way; the kernel state stays as it is (the
   * next start converges from the plan). A long poll in flight is abandoned, not awaited.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#kick) clearTimeout(this.#kick);
    await this.#chain;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        // The underlay takes a machine-wide lock and a handful of `ip` runs: it is checked when the
        // endpoint is not known to be registered, after a failure and with each full pass, not per plan.
        if (this.#endpoint === undefined || this.#registered === undefined || Date.now() - this.#underlayAt >= NETWORK_RESYNC_MS) {
          this.#endpoint = await ensureUnderlay(this.#opts.layout);
          this.#underlayAt = Date.now();
        }
        const endpoint = this.#endpoint;
        if (this.#closed) return;
        if (endpoint !== this.#registered) {
          await this.#opts.client.registerEndpoint(endpoint);
          this.#registered = endpoint;
          this.#log.info({ endpoint }, 'tunnel endpoint registered');
        }
        const latest = this.#latest;
        // Wait for a change, but no longer than the resync is due (a plan never seen is fetched at once).
        const dueInMs = this.#fullAt + NETWORK_RESYNC_MS - Date.now();
        const waitS = latest === undefined ? 0 : Math.max(1, Math.min(NETWORK_PLAN_WAIT_S, Math.ceil(dueInMs / 1000)));
        const plan = await this.#opts.client.plan(latest?.revision ?? -1, waitS);
        if (this.#closed) return;
        // The service does not know our endpoint (its state was reset): tell it again on the next turn.
        if (plan.endpoint !== endpoint) this.#registered = undefined;
        const changed = plan.revision !== latest?.revision;
        const sinceFull = Date.now() - this.#fullAt;
        const full = sinceFull >= NETWORK_RESYNC_MS && (!changed || sinceFull >= NETWORK_RESYNC_MS + RESYNC_GRACE_MS);
        if (changed || this.#appliedAt === 0 || full) await this.#applyAndReport(plan, true, full);
        failures = 0;
      } catch (err) {
        if (this.#closed) return;
        this.#endpoint = undefined;
        failures += 1;
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (failures - 1));
        this.#log.warn({ err: (err as Error).message, retryInMs: delay }, 'following the network plan failed');
        await sleep(delay);
      }
    }
  }

  /** Applies `plan` (the latest one when undefined), in full or its changes only, and reports; one at a time. */
  #applyAndReport(plan: HostNetworkPlan | undefined, wake: boolean, full = false): Promise<void> {
    const step = this.#chain.then(async () => {
      const target = plan ?? this.#latest;
      if (!target || this.#closed) return;
      const started = Date.now();
      this.#latest = target;
      // A new plan changes a few resources: only those are applied; a full pass looks at everything again.
      const report = await this.plane.apply(target, { changesOnly: !full });
      if (full) this.#fullAt = started;
      try {
        await this.#opts.client.report(report);
      } catch (err) {
        // The report is owed: the loop applies again (and reports) on its next turn.
        this.#appliedAt = 0;
        throw err;
      }
      this.#appliedAt = started;
      this.#log.debug({ revision: target.revision, full, ms: Date.now() - started, activePorts: report.activePorts.length, errors: report.errors?.length ?? 0 }, 'network plan applied');
      if (wake) this.#opts.onApplied(target, report);
    });
    this.#chain = step.catch(() => { /* the caller sees it */ });
    return step;
  }

  #kickSoon(): void {
    if (this.#kick || this.#closed) return;
    this.#kick = setTimeout(() => {
      this.#kick = undefined;
      this.#applyAndReport(undefined, false, false).catch((err: Error) => this.#log.warn({ err: err.message }, 'reporting plugged ports failed; the next pass reports them'));
    }, KICK_DELAY_MS);
    this.#kick.unref();
  }
}
