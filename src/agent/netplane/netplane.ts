/**
 * The host agent's network data plane (docs/design/networks.md, "The data plane"): given this host's
 * HostNetworkPlan, drives the kernel toward it and removes what no plan resource owns.
 *
 *   root ns ── fx<tag> ═ rt0 ── external segment ns: br0 (external gateway) ─┬─ fp ═ qg ── router ns (NAT)
 *                                                                           │             ├─ qr ═ fp ── segment A
 *   host ns (VTEP address) ─ creates vx<VNI> and moves it into ─┐           │             └─ qr ═ fp ── segment B
 *                                                               ▼
 *   segment ns (one per network per host): br0 ─┬─ vx<VNI> (static FDB, flood list)
 *                                               └─ fp<port> ═ ethN in a server (plugServerPort)
 *
 * Each segment with server ports also runs a metadata proxy on 169.254.169.254:80 (metadata-proxy.ts).
 *
 * segment.ts, router.ts, uplink.ts, server-port.ts and metadata-proxy.ts hold the steps; firewall.ts and router-nat.ts render
 * the nftables tables; names.ts names everything from the agent's tag. A KeyedMutex serialises the work
 * on each resource (a segment is touched by apply and by plugServerPort), one pass of apply at a time.
 */
import type { HostNetworkPlan, NetworkPlan, NetworkReport, PortPlan } from '../../network/agent-protocol.js';
import type { Logger } from '../../platform/log.js';
import { ipJson } from '../command.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { shortHash, type AgentLayout } from '../layout.js';
import { cidr, contains } from './addresses.js';
import { deleteNamespace, ipBatchForce, namespaces, type LinkState } from './kernel.js';
import { bridgePortLink, routerNamespace, routerPrefix, segmentNamespace, segmentPrefix } from './names.js';
import { applyRouter, routerLegs } from './router.js';
import { plugServerPort } from './server-port.js';
import { applySegment, removeBridgePort, type SegmentResult } from './segment.js';
import { applyUplink } from './uplink.js';
import { applyMetadataProxies, metadataProxyUnavailable, runningProxies, stopMetadataProxies, stopOrphanedProxies } from './metadata-proxy.js';

/** How many segments or routers are worked on at once (each is a handful of short processes). */
const PARALLEL = 4;

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface PlugOptions {
  /** Whether this port carries the server's default route (default: true). */
  defaultRoute?: boolean;
  /**
   * The server's network namespace is new and nothing was plugged into it yet (its container was just
   * started): the veth is made without looking first, and looked at only if that fails.
   */
  fresh?: boolean;
}

export class NetPlane {
  readonly #layout: AgentLayout;
  readonly #log: Logger;
  readonly #lock = new KeyedMutex();
  /** The last plan applied: plugServerPort takes a port's network (MTU, host routes) from it. */
  #plan: HostNetworkPlan | undefined;
  #warnedNoProxy = false;
  /**
   * What the last passes applied without error: per resource (`seg:<network>`, `router:<id>`, `uplink`,
   * `proxies`, `topology`), the JSON of the plan's part it was applied from. A full pass starts empty.
   */
  readonly #done = new Map<string, string>();
  /** Each segment's last result by network id; plugging and unplugging server ports keep `present` current. */
  readonly #segments = new Map<string, SegmentResult>();
  /** Per network, the bridge ports plugged since its links part last looked (so a pass does not lose them). */
  readonly #plugs = new Map<string, Set<string>>();
  /** The routers applied, by id, with their legs' port ids. */
  readonly #routers = new Map<string, string[]>();

  constructor(layout: AgentLayout, logger: Logger) {
    this.#layout = layout;
    this.#log = logger.child({ component: 'netplane' });
  }

  #segKey(networkId: string): string { return `seg:${shortHash(networkId)}`; }
  #routerKey(routerId: string): string { return `router:${shortHash(routerId)}`; }

  /**
   * Builds what the plan names, fixes what differs, removes what it does not name; reports per resource.
   * With `changesOnly`, the segments, routers and uplink whose part of the plan is what this NetPlane last
   * applied without error are taken as they are (their kernel state is not looked at), and the sweeps
   * for what no resource owns run only when the plan's set of networks or routers changed: the agent's
   * loop applies each new plan this way, so a port bound on one network costs that segment's pass, not the
   * whole host's, and a full pass (the default) every NETWORK_RESYNC_MS still repairs what was changed
   * behind its back.
   */
  apply(plan: HostNetworkPlan, opts: { changesOnly?: boolean } = {}): Promise<NetworkReport> {
    return this.#lock.run('apply', () => this.#apply(plan, opts.changesOnly ?? false));
  }

  async #apply(plan: HostNetworkPlan, changesOnly: boolean): Promise<NetworkReport> {
    this.#plan = plan;
    if (!changesOnly) this.#done.clear();
    const done = this.#done;
    const ms: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string): void => { const t = performance.now(); ms[name] = Math.round(t - mark); mark = t; };
    const errors: Array<{ id: string; message: string }> = [];
    const layout = this.#layout;
    const networks = new Map(plan.networks.map((n) => [n.id, n]));
    const routers = plan.routers;

    // Which bridge ports may exist on each segment: the plan's ports there, and the routers' legs.
    const legLinks = new Map<string, Map<string, { up: boolean }>>();
    const linksOf = (networkId: string): Map<string, { up: boolean }> => {
      let m = legLinks.get(networkId);
      if (!m) legLinks.set(networkId, (m = new Map()));
      return m;
    };
    for (const p of plan.ports) linksOf(p.networkId).set(bridgePortLink(p.id), { up: p.adminStateUp });
    for (const r of routers) for (const leg of routerLegs(r)) linksOf(leg.networkId).set(bridgePortLink(leg.portId), { up: true });

    for (const p of plan.ports) if (!networks.has(p.networkId)) errors.push({ id: p.id, message: `network ${p.networkId} is not in the plan` });
    const external = plan.externalPool === undefined ? undefined : pickExternal(plan.networks, plan.externalPool);
    const failedNetworks = new Set<string>();
    /** Segments whose namespace this pass made (what lived in a namespace of that name is gone). */
    const madeNetworks = new Set<string>();
    // Segments where servers are plugged answer metadata; router legs alone need none.
    const withServers = new Set(plan.ports.filter((p) => p.deviceOwner.startsWith('compute:')).map((p) => p.networkId));
    // The sweeps look at every namespace, link and process of the host: they run when the set of
    // resources changed (or on a full pass), not for a port more on a segment.
    const topology = JSON.stringify([plan.networks.map((n) => [n.id, n.vni]), routers.map((r) => r.id), plan.endpoint]);
    const sweep = done.get('topology') !== topology;
    done.delete('topology');
    let proxies: Map<string, number[]> | undefined;
    if (sweep) {
      await this.#removeStrayVxlans(plan);
      // A proxy left in a namespace that is gone keeps its VXLAN device (and VNI) alive: it goes first, and
      // the kernel frees that namespace asynchronously, so give it a moment.
      proxies = runningProxies(layout);
      const seen = proxies;
      if (await this.#lock.run('metadata', () => stopOrphanedProxies(layout, seen))) await new Promise((r) => setTimeout(r, 200));
    }
    lap('prepare');
    let segmentsApplied = 0;
    await eachLimited(plan.networks, async (n) => {
      const want = {
        ns: segmentNamespace(layout, n.id), network: n, hostNs: layout.hostNamespace, endpoint: plan.endpoint,
        links: linksOf(n.id), ports: plan.ports.filter((p) => p.networkId === n.id), uplink: external?.id === n.id,
        metadata: withServers.has(n.id),
      };
      // The segment's parts, each with the part of the plan it is made from (segment.ts).
      const { remotePorts, remoteEndpoints, ...own } = n;
      const inputs = {
        links: JSON.stringify({ own, endpoint: want.endpoint, uplink: want.uplink, metadata: want.metadata }),
        fdb: JSON.stringify({ remotePorts, remoteEndpoints, vni: n.vni, endpoint: want.endpoint }),
        firewall: JSON.stringify({ ports: want.ports, vni: n.vni }),
      };
      const linkKey = `seg:${n.id}:links`;
      const had = this.#segments.get(n.id);
      // Bridge ports the plan only added need nothing here: plugServerPort enslaves and raises its own.
      const hadLinks = new Map(JSON.parse(done.get(linkKey) ?? '[]') as Array<[string, { up: boolean }]>);
      const linksKept = done.has(linkKey) && [...hadLinks].every(([name, { up }]) => want.links.get(name)?.up === up);
      const parts = {
        links: !had || !linksKept || done.get(`seg:${n.id}:base`) !== inputs.links || !namespaces().has(want.ns),
        fdb: done.get(`seg:${n.id}:fdb`) !== inputs.fdb,
        firewall: done.get(`seg:${n.id}:firewall`) !== inputs.firewall,
      };
      if (had && !parts.links && !parts.fdb && !parts.firewall) {
        errors.push(...had.errors);
        return;
      }
      for (const part of ['base', 'fdb', 'firewall', 'links']) done.delete(`seg:${n.id}:${part}`);
      this.#segments.delete(n.id);
      segmentsApplied += 1;
      try {
        // Only the links part (which removes bridge ports and may make the namespace anew) excludes
        // plugs; the FDB and the tables run alongside them.
        const key = this.#segKey(n.id);
        const plugged = this.#plugs.get(n.id) ?? new Set<string>();
        this.#plugs.set(n.id, plugged);
        const res = await applySegment(want, parts, had, {
          exclusive: (fn) => this.#lock.run(key, () => { plugged.clear(); return fn(); }),
          shared: (fn) => this.#lock.runShared(key, fn),
        });
        // Ports plugged since the links part looked are there too.
        for (const link of plugged) res.present.add(link);
        if (res.made) madeNetworks.add(n.id);
        this.#segments.set(n.id, res);
        done.set(`seg:${n.id}:base`, inputs.links);
        done.set(`seg:${n.id}:fdb`, inputs.fdb);
        done.set(`seg:${n.id}:firewall`, inputs.firewall);
        done.set(linkKey, JSON.stringify([...want.links]));
        errors.push(...res.errors);
      } catch (err) {
        failedNetworks.add(n.id);
        errors.push({ id: n.id, message: message(err) });
      }
    });
    for (const id of this.#segments.keys()) if (!networks.has(id)) this.#segments.delete(id);
    for (const id of this.#plugs.keys()) if (!networks.has(id)) this.#plugs.delete(id);
    lap('segments');

    // Metadata next, before the uplink and the routers: a proxy lives in its segment alone, and servers
    // booting there ask it for their keys and certificates while the routers are still being made.
    const proxied = plan.networks.filter((n) => withServers.has(n.id) && !failedNetworks.has(n.id)).map((n) => n.id);
    const proxiesInput = JSON.stringify(proxied);
    if (sweep || madeNetworks.size > 0 || done.get('proxies') !== proxiesInput) {
      done.delete('proxies');
      if (await this.#applyProxies(proxied, proxies ?? runningProxies(layout))) done.set('proxies', proxiesInput);
    }
    lap('proxies');

    const uplink = external && !failedNetworks.has(external.id) && plan.externalPool ? {
      ns: segmentNamespace(layout, external.id),
      pool: plan.externalPool,
      addresses: routers.flatMap((r) => [...(r.gateway?.fixedIps.map((f) => f.address) ?? []), ...r.floatingIps.map((f) => f.floatingIp)]),
      routed: routers.flatMap((r) => {
        const via = r.gateway?.networkId === external.id ? r.gateway.fixedIps[0]?.address : undefined;
        return via === undefined || !r.adminStateUp ? [] : r.routed.map((c) => ({ cidr: c, via }));
      }),
    } : undefined;
    const uplinkInput = JSON.stringify(uplink ?? null);
    if (done.get('uplink') !== uplinkInput || (external !== undefined && madeNetworks.has(external.id))) {
      done.delete('uplink');
      try {
        await this.#lock.run('uplink', () => applyUplink(layout, uplink));
        done.set('uplink', uplinkInput);
      } catch (err) {
        errors.push({ id: external?.id ?? 'uplink', message: `uplink: ${message(err)}` });
      }
    }
    lap('uplink');

    let routersApplied = 0;
    await eachLimited(routers, (r) => this.#lock.run(this.#routerKey(r.id), async () => {
      const legs = routerLegs(r);
      const key = `router:${r.id}`;
      // A router's legs are veths into its networks' segments: a segment made anew (or failing) takes its
      // router along, as does a changed MTU; the rest of those networks' plans is none of the router's.
      const input = JSON.stringify({ r, mtu: legs.map((l) => networks.get(l.networkId)?.mtu ?? null) });
      if (done.get(key) === input && this.#routers.has(r.id) && !legs.some((l) => madeNetworks.has(l.networkId) || failedNetworks.has(l.networkId))) return;
      done.delete(key);
      this.#routers.delete(r.id);
      routersApplied += 1;
      try {
        await applyRouter(routerNamespace(layout, r.id), r, (id) => segmentNamespace(layout, id), networks);
        this.#routers.set(r.id, legs.map((l) => l.portId));
        done.set(key, input);
      } catch (err) {
        errors.push({ id: r.id, message: message(err) });
      }
    }));
    const planned = new Set(routers.map((r) => r.id));
    for (const id of this.#routers.keys()) if (!planned.has(id)) this.#routers.delete(id);
    lap('routers');

    if (sweep) await this.#removeUnowned(plan);
    lap('unowned');

    const portErrors = new Set(errors.map((e) => e.id));
    const routerPorts = new Set([...this.#routers.values()].flat());
    const activePorts = plan.ports.filter((p) => !portErrors.has(p.id) && !failedNetworks.has(p.networkId)
      && (routerPorts.has(p.id) || (this.#segments.get(p.networkId)?.present.has(bridgePortLink(p.id)) ?? false))).map((p) => p.id);
    // The sweeps are owed until a pass ends without errors.
    if (errors.length === 0) done.set('topology', topology);
    this.#log.debug({ revision: plan.revision, full: !changesOnly, sweep, segments: `${segmentsApplied}/${plan.networks.length}`, routers: `${routersApplied}/${routers.length}`, ms }, 'data plane passes');
    if (errors.length > 0) this.#log.warn({ revision: plan.revision, errors }, 'network plan applied with errors');
    return { revision: plan.revision, activePorts, activeRouters: [...this.#routers.keys()], ...(errors.length > 0 ? { errors } : {}) };
  }

  /**
   * The metadata proxies of these networks' segments, and no others. Their failures are logged, not
   * reported: a port's status says whether its traffic flows, which does not depend on them. True when
   * every one runs.
   */
  async #applyProxies(networkIds: readonly string[], seen: Map<string, number[]>): Promise<boolean> {
    const why = networkIds.length > 0 ? metadataProxyUnavailable() : undefined;
    if (why) {
      if (!this.#warnedNoProxy) this.#log.warn({ reason: why }, 'servers get no metadata service on this host');
      this.#warnedNoProxy = true;
    }
    const errors = await this.#lock.run('metadata', () => applyMetadataProxies(this.#layout, why ? [] : networkIds.map((id) => ({ ns: segmentNamespace(this.#layout, id), networkId: id })), seen));
    if (errors.length > 0) this.#log.warn({ errors }, 'metadata proxies could not be started');
    return errors.length === 0;
  }

  /** VXLAN devices left in the host namespace by a pass killed between making and moving them. */
  async #removeStrayVxlans(plan: HostNetworkPlan): Promise<void> {
    if (!namespaces().has(this.#layout.hostNamespace)) return;
    const wanted = new Set(plan.networks.flatMap((n) => (n.vni === undefined ? [] : [`vx${n.vni}`])));
    const stray = (await ipJson<LinkState>(this.#layout.hostNamespace, ['link', 'show'])).map((l) => l.ifname).filter((n) => /^vx\d+$/.test(n) && !wanted.has(n));
    await ipBatchForce(this.#layout.hostNamespace, stray.map((n) => `link del ${n}`));
  }

  /** Namespaces with this agent's prefixes that the plan does not name. */
  async #removeUnowned(plan: HostNetworkPlan | undefined): Promise<void> {
    const layout = this.#layout;
    const segs = new Set((plan?.networks ?? []).map((n) => segmentNamespace(layout, n.id)));
    const rts = new Set((plan?.routers ?? []).map((r) => routerNamespace(layout, r.id)));
    const removed: string[] = [];
    for (const ns of namespaces()) {
      if (ns.startsWith(segmentPrefix(layout)) && !segs.has(ns)) {
        await this.#lock.run(`seg:${ns.slice(segmentPrefix(layout).length)}`, () => deleteNamespace(ns));
        removed.push(ns);
      } else if (ns.startsWith(routerPrefix(layout)) && !rts.has(ns)) {
        await this.#lock.run(`router:${ns.slice(routerPrefix(layout).length)}`, () => deleteNamespace(ns));
        removed.push(ns);
      }
    }
    if (removed.length > 0) this.#log.info({ removed }, 'removed namespaces no plan resource owns');
  }

  /**
   * Plugs a server's port into the server whose network namespace `containerPid` is in, as `ifname`. The
   * port must be in the last applied plan (its filters come from there: a port plugged before the plan
   * names it would pass traffic unfiltered); the plan's copy of it is used.
   */
  async plugServerPort(port: PortPlan, containerPid: number, ifname: string, opts: PlugOptions = {}): Promise<void> {
    const planned = this.#plan?.ports.find((p) => p.id === port.id);
    const network = this.#plan?.networks.find((n) => n.id === planned?.networkId);
    if (!planned || !network) throw new Error(`port ${port.id} is not in this host's network plan yet`);
    // Plugs into one segment touch only their own veths: they run together, and a pass over the segment
    // (which may make its namespace anew) waits for them, or they for it.
    await this.#lock.runShared(this.#segKey(network.id), async () => {
      const ns = segmentNamespace(this.#layout, network.id);
      if (!namespaces().has(ns)) throw new Error(`network ${network.id} has no segment on this host yet`);
      await plugServerPort({ ns, port: planned, network, pid: containerPid, ifname, defaultRoute: opts.defaultRoute ?? true, fresh: opts.fresh ?? false });
      // Its bridge end is enslaved and up now: the next report lists the port without a segment pass.
      this.#segments.get(network.id)?.present.add(bridgePortLink(planned.id));
      this.#plugs.get(network.id)?.add(bridgePortLink(planned.id));
    });
  }

  /** Removes a server's port (both ends of its veth), wherever it is plugged. */
  async unplugServerPort(portId: string): Promise<void> {
    const link = bridgePortLink(portId);
    const prefix = segmentPrefix(this.#layout);
    for (const seg of this.#segments.values()) seg.present.delete(link);
    for (const plugged of this.#plugs.values()) plugged.delete(link);
    for (const ns of namespaces()) {
      if (!ns.startsWith(prefix)) continue;
      await this.#lock.runShared(`seg:${ns.slice(prefix.length)}`, () => removeBridgePort(ns, link));
    }
  }

  /** Removes everything the data plane made for this agent (the host namespace is the agent's, not ours). */
  destroy(): Promise<void> {
    return this.#lock.run('apply', async () => {
      this.#plan = undefined;
      this.#done.clear();
      this.#segments.clear();
      this.#plugs.clear();
      this.#routers.clear();
      await this.#removeStrayVxlans({ revision: 0, host: '', networks: [], ports: [], routers: [] });
      await this.#lock.run('uplink', () => applyUplink(this.#layout, undefined));
      await this.#lock.run('metadata', () => stopMetadataProxies(this.#layout));
      await this.#removeUnowned(undefined);
    });
  }
}

/** The external network whose segment the root namespace's uplink enters: one inside the pool, else the first. */
function pickExternal(networks: readonly NetworkPlan[], pool: string): NetworkPlan | undefined {
  const ext = networks.filter((n) => n.external);
  const p = cidr(pool);
  return ext.find((n) => n.subnets.some((s) => contains(p, cidr(s.cidr).network))) ?? ext[0];
}
