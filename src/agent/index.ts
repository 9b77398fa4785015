/**
 * The host agent: one per compute host. It owns the host's Docker engine, namespaces and veths, registers
 * the host with compute and beats its heart every 2 s, long-polls the host's desired servers, and drives
 * each server toward its spec with a level-based reconciler; orphans (containers, files, network
 * namespaces no spec claims) are removed on start and every minute. See docs/design/compute-and-images.md.
 * With the network service's URL it also follows the host's network plan and drives the Neutron data
 * plane (network-sync.ts, netplane/; docs/design/networks.md), and answers the metadata service its
 * segments' proxies forward to it (metadata-server.ts).
 *
 * @example
 *   const agent = await createAgent({ config, logger, host: 'h1', zone: 'nova', dataDir, computeUrl, imageUrl, networkUrl, session });
 *   …
 *   await agent.close();
 */
import fs from 'node:fs';
import type http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { Config } from '../platform/config.js';
import { silentLogger, type Logger } from '../platform/log.js';
import type { ServiceSession } from '../platform/auth/service-session.js';
import { writeFileAtomic } from '../platform/files.js';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { ComputeClient, type AgentComputeClient } from '../compute/client.js';
import { ImageClient } from '../image/client.js';
import { NetworkClient } from '../network/client.js';
import { startConsoleServer } from './console-server.js';
import { Engine } from './engine.js';
import { ImageCache } from './images.js';
import { INIT_SCRIPT } from './init-script.js';
import { agentLayout, LABEL, type AgentLayout } from './layout.js';
import { run } from './command.js';
import { HostNetwork } from './network.js';
import { NetworkSync } from './network-sync.js';
import { metadataSocket, NetPlane, proxyUser, registrySocket } from './netplane/index.js';
import { findServer, startMetadataServer } from './metadata-server.js';
import { ServerReconciler } from './reconciler.js';
import { startRegistryRelay } from './registry-relay.js';
import { hostResources } from './resources.js';
import { ServerFiles } from './server-state.js';
import { registerHost, sweepAbandonedHosts, unregisterHost } from './sweep.js';
import { leaveUnderlay } from './underlay.js';
import { WorkQueue } from './work-queue.js';

export const AGENT_VERSION = '0.1.0';
const HEARTBEAT_MS = 2000;
const POLL_WAIT_S = 25;
const RESYNC_MS = 30_000;
const GC_MS = 60_000;

export interface AgentOptions {
  config: Config;
  logger: Logger;
  /** The host's name as compute knows it (os-services, os-hypervisors). */
  host: string;
  /** Availability zone (default `nova`). */
  zone: string;
  /** The agent's own directory, e.g. $FLOTILLA_DATA_DIR/hosts/<host>. */
  dataDir: string;
  /** Compute's root URL, e.g. http://127.0.0.1:8774. */
  computeUrl: string;
  /** The image endpoint, e.g. http://127.0.0.1:9292. */
  imageUrl: string;
  /**
   * The network service's root, e.g. http://127.0.0.1:9696: the agent follows its host's network plan
   * there and plugs Neutron ports. Without it the agent plugs interim ports only.
   */
  networkUrl?: string;
  /** The orchestration API's root, e.g. http://127.0.0.1:8004: where wait-condition signals from servers go. */
  orchestrationUrl?: string;
  /** The container-infra API's root, e.g. http://127.0.0.1:9511: where cluster nodes' CSRs go. */
  containerInfraUrl?: string;
  /** Flotilla's private registry, host:port (e.g. 127.0.0.1:5050): servers reach it at 169.254.169.254:5000. */
  registryAddress?: string;
  /** Logged in as the `compute-agent` service user (a ServiceSession; anything that yields its tokens). */
  session: Pick<ServiceSession, 'token' | 'invalidate'>;
  /** How many servers are worked on at once (default 8). */
  concurrency?: number;
}

export interface Agent {
  readonly host: string;
  readonly layout: AgentLayout;
  readonly engine: Engine;
  /** Resolves when no server pass is queued or running (tests, benchmarks). */
  settled(): Promise<void>;
  /**
   * Stops polling and the engine (its servers stop with it) and removes the host's interim network
   * plumbing; keeps the data (images, containers, config drives) and the Neutron data plane's namespaces
   * for the next start, which plumbs everything again and converges on the network plan.
   */
  close(): Promise<void>;
  /** close(), then removes every container, namespace, veth, cgroup and file of this host (tests, decommission). */
  destroy(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function installInit(layout: AgentLayout): void {
  try { if (fs.readFileSync(layout.initScript, 'utf8') === INIT_SCRIPT) return; } catch { /* not yet */ }
  writeFileAtomic(layout.initScript, INIT_SCRIPT, 0o755);
  fs.chmodSync(path.dirname(layout.initScript), 0o755);
}

export async function createAgent(opts: AgentOptions): Promise<Agent> {
  const log = opts.logger.child({ component: 'agent', host: opts.host });
  const layout = agentLayout(opts.dataDir);
  fs.mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  // Containers read the init and their config drives through bind mounts: the path must be traversable.
  fs.chmodSync(layout.dir, 0o711);
  installInit(layout);
  await sweepAbandonedHosts(log).catch((err: Error) => log.warn({ err: err.message }, 'sweeping abandoned hosts failed'));
  registerHost(layout, opts.host);
  const network = new HostNetwork(layout, opts.logger);
  await network.ensureHost();
  const engine = await Engine.start(layout, opts.logger);
  const compute: AgentComputeClient = new ComputeClient(opts.computeUrl).forAgent(opts.host, () => opts.session.token(), () => opts.session.invalidate());
  const files = new ServerFiles(layout.serversDir);
  fs.mkdirSync(layout.serversDir, { recursive: true, mode: 0o711 });
  const images = new ImageCache(() => engine.api, new ImageClient(opts.imageUrl), () => opts.session.token(), log);

  let closed = false;
  let desired: Map<string, ServerSpec> | undefined;
  let since = 0;
  const timers: NodeJS.Timeout[] = [];
  let gcSoon: NodeJS.Timeout | undefined;

  const networkSync = opts.networkUrl === undefined ? undefined : new NetworkSync({
    layout, logger: opts.logger,
    client: new NetworkClient(opts.networkUrl).forAgent(opts.host, () => opts.session.token(), () => opts.session.invalidate()),
    // After each plan: servers whose Neutron ports are not in place (the plan named them only now, or a
    // segment was rebuilt and took their veths) get a pass that plugs them.
    onApplied: (_plan, report) => {
      const active = new Set(report.activePorts);
      for (const s of desired?.values() ?? []) {
        if (!reconciler.needsPorts(s, active)) continue;
        log.debug({ server: s.id, revision: _plan.revision }, 'ports not in place after the plan: plugging');
        reconciler.replug(s.id);
        queue.add(s.id);
      }
    },
  });

  const reconciler = new ServerReconciler({
    host: opts.host, layout, docker: () => engine.api, network, neutron: networkSync, images, files, compute, logger: opts.logger,
    desired: () => desired,
    onServerGone: () => {
      if (gcSoon || closed) return;
      gcSoon = setTimeout(() => { gcSoon = undefined; void collectGarbage(); }, 500);
      gcSoon.unref();
    },
  });
  const queue = new WorkQueue({
    concurrency: opts.concurrency ?? 8,
    handler: (id) => reconciler.reconcile(id),
    onError: (id, err, retryInMs) => log.warn({ server: id, err: (err as Error).message, retryInMs }, 'server pass failed; retrying'),
  });

  /** Orphans: containers, volumes, server files and network namespaces that no desired server claims. */
  let collecting = false;
  async function collectGarbage(): Promise<void> {
    const d = desired;
    if (!d || closed || collecting) return;
    collecting = true;
    try {
      for (const c of await engine.api.listContainers(`${LABEL.host}=${opts.host}`)) {
        const id = c.Labels[LABEL.server];
        if (id && !d.has(id)) queue.add(id);
      }
      for (const c of await engine.api.listContainers(LABEL.server)) {
        // A container of this engine labelled for another host name (the host was renamed): not ours to keep.
        if (c.Labels[LABEL.host] !== opts.host) await engine.api.removeContainer(c.Id);
      }
      for (const id of files.list()) if (!d.has(id)) queue.add(id);
      await queue.idle();
      // Nested engines' volumes that no container uses (their server's container is gone).
      for (const v of await engine.api.listVolumes(`${LABEL.host}=${opts.host}`, true)) {
        if (!d.has(v.Labels?.[LABEL.server] ?? '')) await engine.api.removeVolume(v.Name).catch(() => { /* in use again: keep */ });
      }
      const keep = new Map<string, string>();
      for (const s of d.values()) if (s.power !== 'deleted') for (const p of s.ports) if (p.source !== 'neutron') keep.set(p.networkId, p.cidr);
      await network.removeUnusedNetworks(keep);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'garbage collection failed; next round retries');
    } finally {
      collecting = false;
    }
  }

  async function heartbeat(): Promise<void> {
    try {
      const reply = await compute.registerHost({ zone: opts.zone, resources: hostResources(layout.dir), agentSocket: layout.agentSocket, version: AGENT_VERSION });
      // Compute's revisions went backwards (its state was reset): poll from the start again.
      if (reply.revision < since) since = 0;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
  }

  async function pollLoop(): Promise<void> {
    let failures = 0;
    while (!closed) {
      try {
        const answer = await compute.desiredServers(since, POLL_WAIT_S);
        if (closed) return;
        failures = 0;
        const prev = desired;
        const next = new Map(answer.servers.map((s) => [s.id, s]));
        desired = next;
        since = answer.revision;
        for (const s of answer.servers) if (!prev || JSON.stringify(prev.get(s.id)) !== JSON.stringify(s)) queue.add(s.id);
        const fresh = answer.servers.filter((s) => prev && !prev.has(s.id)).map((s) => s.id);
        if (fresh.length > 0) log.debug({ servers: fresh, revision: answer.revision }, 'new servers seen');
        for (const id of prev?.keys() ?? []) if (!next.has(id)) queue.add(id);
        if (!prev) void collectGarbage();
      } catch (err) {
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 8));
        log.warn({ err: (err as Error).message, retryInMs: delay }, 'polling desired servers failed');
        await sleep(delay);
      }
    }
  }

  let stopEvents: (() => void) | undefined;
  async function watchEvents(): Promise<void> {
    if (closed) return;
    stopEvents?.();
    const again = (): void => { if (!closed) setTimeout(() => void watchEvents(), 1000).unref(); };
    try {
      stopEvents = await engine.api.events((e) => {
        const id = e.Actor.Attributes[LABEL.server];
        if (id && (e.Action === 'die' || e.Action === 'oom' || e.Action === 'destroy')) queue.add(id);
      }, again);
    } catch {
      again();
    }
  }
  const resyncAll = (): void => { for (const id of desired?.keys() ?? []) queue.add(id); };
  engine.onRestart(() => { void watchEvents(); resyncAll(); });

  let consoleServer: http.Server;
  let metadataServer: http.Server | undefined;
  let registryRelay: net.Server | undefined;
  try {
    consoleServer = await startConsoleServer(layout.agentSocket, () => engine.api);
    // Answers from the desired servers alone: a request costs no API call.
    if (networkSync) {
      const sync = networkSync;
      metadataServer = await startMetadataServer(metadataSocket(layout), {
        find: (networkId, address) => {
          const found = findServer(desired?.values() ?? [], networkId, address);
          const floatingIp = found ? sync.floatingIp(found.portId) : undefined;
          return found && { ...found, address, ...(floatingIp ? { floatingIp } : {}) };
        },
      }, proxyUser()?.gid, {
        ...(opts.orchestrationUrl ? { orchestration: opts.orchestrationUrl } : {}),
        ...(opts.containerInfraUrl ? { 'container-infra': opts.containerInfraUrl } : {}),
      });
      if (opts.registryAddress) registryRelay = await startRegistryRelay(registrySocket(layout), opts.registryAddress, proxyUser()?.gid);
    }
  } catch (err) {
    await engine.close();
    throw err;
  }
  await watchEvents();
  await heartbeat();
  timers.push(setInterval(() => void heartbeat(), HEARTBEAT_MS));
  timers.push(setInterval(resyncAll, RESYNC_MS));
  timers.push(setInterval(() => void collectGarbage(), GC_MS));
  const recheckNetworks = async (): Promise<void> => {
    await network.ensureHost();
    const nets = new Map<string, ServerSpec['ports'][number]>();
    for (const s of desired?.values() ?? []) if (s.power !== 'deleted') for (const p of s.ports) if (p.source !== 'neutron') nets.set(p.networkId, p);
    await network.recheck(nets.values());
  };
  timers.push(setInterval(() => void recheckNetworks().catch((err: Error) => log.warn({ err: err.message }, 'network check failed')), GC_MS));
  for (const t of timers) t.unref();
  void pollLoop();
  networkSync?.start();
  log.info({ dir: layout.dir, socket: layout.agentSocket, engine: layout.engine.socket }, 'agent started');

  async function stop(purge: boolean): Promise<void> {
    if (closed) return;
    closed = true;
    for (const t of timers) clearInterval(t);
    if (gcSoon) clearTimeout(gcSoon);
    stopEvents?.();
    // The data plane's namespaces stay as they are: the next start (or destroyHost) takes them from here.
    await networkSync?.close();
    await queue.close();
    if (purge) for (const c of await engine.api.listContainers(LABEL.server).catch(() => [])) await engine.api.removeContainer(c.Id).catch(() => {});
    await new Promise<void>((r) => consoleServer.close(() => r()));
    if (metadataServer) {
      metadataServer.closeAllConnections();
      await new Promise<void>((r) => metadataServer!.close(() => r()));
    }
    if (registryRelay) await new Promise<void>((r) => registryRelay!.close(() => r()));
    await engine.close();
    // With the engine down no server has a port left: namespaces and veths would only linger.
    await network.destroy();
    unregisterHost(layout);
  }

  return {
    host: opts.host,
    layout,
    engine,
    settled: () => queue.idle(),
    close: () => stop(false),
    async destroy() {
      await stop(true);
      await destroyHost(layout);
    },
  };
}

/** Removes what an agent of `layout` left: namespaces, veths, cgroups, files. Its engine must be stopped. */
export async function destroyHost(layout: AgentLayout): Promise<void> {
  // The data plane first (its VXLAN strays sit in the host namespace), then the underlay veth, whose
  // namespace goes with the last agent's.
  await new NetPlane(layout, silentLogger()).destroy();
  await leaveUnderlay(layout);
  await new HostNetwork(layout, silentLogger()).destroy();
  unregisterHost(layout);
  for (const controller of fs.readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
    if (!controller.isDirectory()) continue;
    try { fs.rmdirSync(path.join('/sys/fs/cgroup', controller.name, layout.engine.cgroupParent)); } catch { /* absent or busy */ }
  }
  // An engine that was killed leaves its mounts (the data root, container shm) behind.
  const runDir = path.join('/run', `flotilla-${layout.tag}`);
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '')
    .map((m) => m.replace(/\\040/g, ' ')).filter((m) => m.startsWith(`${layout.dir}/`) || m.startsWith(`${runDir}/`));
  for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => {});
  fs.rmSync(layout.dir, { recursive: true, force: true });
  fs.rmSync(runDir, { recursive: true, force: true });
}
