/**
 * Crash safety of the network service and the host's data plane (issue 5, item 4), against the real
 * all-in-one process with its compute host h1 (its in-process agent dies with it):
 *
 *  1. Rounds of 20 concurrent operations through the Neutron API (ports bound to h1 on three networks and
 *     unbound ones, routers created with a gateway on `public`, a gateway set, interfaces added and
 *     removed, ports and a router deleted) with a SIGKILL at a chosen moment; restarted on the same data
 *     dir, the API and the kernel must match: every namespace, bridge port, VXLAN device, nftables table
 *     and root-namespace route the agent owns (names by its tag, src/agent/netplane/names.ts) belongs to a
 *     network, port or router in the API, every resource that needs kernel state has it (a segment per
 *     network with a port bound to h1, a router namespace per router, router ports ACTIVE), every
 *     acknowledged operation took effect, and no port or router is half-made (each complete or absent).
 *  2. Every segment and router namespace of the host deleted by hand: once with the cloud running (the
 *     agent re-applies its plan at least every NETWORK_RESYNC_MS), once while it is down and then
 *     restarted; the time until the same match holds is printed.
 *
 * On SQLite, and on PostgreSQL (a database per run) when FLOTILLA_TEST_DATABASE_URL is set. The tenant
 * subnets (10.81.k.0/24) exist only inside namespaces this cloud makes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listNamespaces } from '../src/agent/netns.js';
import { BRIDGE, TABLE, bridgePortLink, routerGatewayLink, routerInterfaceLink, routerNamespace, routerPrefix, segmentNamespace, segmentPrefix, uplinkLink } from '../src/agent/netplane/names.js';
import { NETWORK_RESYNC_MS } from '../src/agent/network-sync.js';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cleanupHost, computeUnavailable, hostLayout } from './support/compute.js';
import { createScratchDatabase, postgresSkipReason, type ScratchDatabase } from './support/pg-database.js';

const HOST = 'h1';
const why = computeUnavailable('nft', 'nsenter');
if (why) console.log(`# network crash test skipped: ${why}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number): string => (ms / 1000).toFixed(1);

type Reply = { status: number; body: any; headers: Headers };

/** A JSON request; undefined when the server gave no answer (it is dead). */
async function call(url: string, method: string, token: string | undefined, body?: unknown): Promise<Reply | undefined> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { 'x-auth-token': token } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, body: parsed, headers: res.headers };
  } catch {
    return undefined;
  }
}

interface Session { token: string; net: string }

async function session(cloud: TestCloud): Promise<Session> {
  const res = await call(`${cloud.identityUrl}/auth/tokens?nocatalog`, 'POST', undefined, {
    auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: cloud.adminPassword } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } },
  });
  assert.equal(res?.status, 201, `admin login: ${JSON.stringify(res?.body)}`);
  return { token: res.headers.get('x-subject-token')!, net: `http://127.0.0.1:${cloud.flotillaEnv.FLOTILLA_NETWORK_PORT}/v2.0` };
}

/** A request that must succeed (setup and cleanup). */
async function must(s: Session, method: string, p: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<any> {
  const res = await call(`${s.net}${p}`, method, s.token, body);
  assert.ok(res && ok.includes(res.status), `${method} ${p}: ${res?.status} ${JSON.stringify(res?.body)}`);
  return res.body;
}

interface Port { id: string; network_id: string; status: string; device_owner: string; device_id: string; 'binding:host_id': string; port_security_enabled: boolean; fixed_ips: Array<{ subnet_id: string; ip_address: string }> }
interface Router { id: string; name: string; status: string; external_gateway_info: null | { network_id: string; enable_snat?: boolean; external_fixed_ips?: Array<{ subnet_id: string; ip_address: string }> } }
interface Network { id: string; name: string; 'provider:segmentation_id': number | null; 'router:external': boolean; subnets: string[] }

interface ApiState { networks: Network[]; ports: Port[]; routers: Router[] }

async function apiState(s: Session): Promise<ApiState | undefined> {
  const [n, p, r] = await Promise.all(['networks', 'ports', 'routers'].map((c) => call(`${s.net}/${c}`, 'GET', s.token)));
  if (n?.status !== 200 || p?.status !== 200 || r?.status !== 200) return undefined;
  return { networks: n.body.networks, ports: p.body.ports, routers: r.body.routers };
}

interface Link { ifname: string; master?: string; linkinfo?: { info_kind?: string } }
function ipJson<T>(ns: string | undefined, args: string[]): T[] {
  const r = spawnSync('ip', [...(ns ? ['-n', ns] : []), '-j', ...args], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  try { return JSON.parse(r.stdout) as T[]; } catch { return []; }
}
function nft(ns: string, args: string[]): string {
  const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, 'nft', ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

/** What the kernel holds for this host, in the agent's names, and the API state it is checked against. */
interface Observation { problems: string[]; segments: number; routers: number; bridgePorts: number; routerPortsActive: number; routerPorts: number; boundPorts: number }

/**
 * Compares the API with the kernel of host h1 and returns every mismatch as a sentence (none: converged).
 * Only namespaces with this host's prefixes are looked at; the cloud is this test's alone, so every
 * network, port and router in the API is this test's (or `public`'s).
 */
function compare(layout: ReturnType<typeof hostLayout>, api: ApiState): Observation {
  const problems: string[] = [];
  const routerIds = new Set(api.routers.map((r) => r.id));
  const netById = new Map(api.networks.map((n) => [n.id, n]));
  const bound = api.ports.filter((p) => p['binding:host_id'] === HOST);
  const isRouterPort = (p: Port): boolean => p.device_owner === 'network:router_interface' || p.device_owner === 'network:router_gateway';

  // The API on its own: nothing half-made.
  for (const p of api.ports) {
    if (p.fixed_ips.length === 0) problems.push(`port ${p.id} (${p.device_owner || 'no owner'}) has no address`);
    if (isRouterPort(p) && !routerIds.has(p.device_id)) problems.push(`port ${p.id} is ${p.device_owner} of router ${p.device_id}, which does not exist`);
    if (isRouterPort(p) && p['binding:host_id'] !== HOST) problems.push(`router port ${p.id} is bound to '${p['binding:host_id']}', not ${HOST}`);
    if (!netById.has(p.network_id)) problems.push(`port ${p.id} is on network ${p.network_id}, which does not exist`);
  }
  for (const r of api.routers) {
    const gws = api.ports.filter((p) => p.device_id === r.id && p.device_owner === 'network:router_gateway');
    if (r.external_gateway_info) {
      const ips = (r.external_gateway_info.external_fixed_ips ?? []).map((f) => f.ip_address).sort();
      if (gws.length !== 1) problems.push(`router ${r.name} has a gateway but ${gws.length} gateway ports`);
      else if (JSON.stringify(ips) !== JSON.stringify(gws[0]!.fixed_ips.map((f) => f.ip_address).sort())) problems.push(`router ${r.name}'s gateway addresses ${ips} are not its port's`);
    } else if (gws.length > 0) {
      problems.push(`router ${r.name} has no gateway but ${gws.length} gateway ports`);
    }
    if (r.status !== 'ACTIVE') problems.push(`router ${r.name} is ${r.status}`);
  }

  // Namespaces: exactly one segment per network with a port bound here, one namespace per router.
  const wantSegs = new Map([...new Set(bound.map((p) => p.network_id))].map((id) => [segmentNamespace(layout, id), id]));
  const wantRouters = new Map(api.routers.map((r) => [routerNamespace(layout, r.id), r]));
  const have = listNamespaces();
  const haveSegs = have.filter((n) => n.startsWith(segmentPrefix(layout)));
  const haveRouters = have.filter((n) => n.startsWith(routerPrefix(layout)));
  for (const ns of haveSegs) if (!wantSegs.has(ns)) problems.push(`segment namespace ${ns} belongs to no network with a port on ${HOST}`);
  for (const ns of haveRouters) if (!wantRouters.has(ns)) problems.push(`router namespace ${ns} belongs to no router`);
  for (const [ns, id] of wantSegs) if (!haveSegs.includes(ns)) problems.push(`network ${netById.get(id)?.name ?? id} has ports on ${HOST} but no segment ${ns}`);
  for (const [ns, r] of wantRouters) if (!haveRouters.includes(ns)) problems.push(`router ${r.name} has no namespace ${ns}`);

  // Each segment: br0, the network's VXLAN device, bridge ports only for the router legs on it (no server
  // is plugged in this test), the firewall table naming exactly the filtered ports bound here.
  let bridgePorts = 0;
  for (const [ns, id] of wantSegs) {
    if (!haveSegs.includes(ns)) continue;
    const n = netById.get(id)!;
    const links = ipJson<Link>(ns, ['-d', 'link', 'show']);
    const names = new Set(links.map((l) => l.ifname));
    if (!names.has(BRIDGE)) problems.push(`segment of ${n.name} has no ${BRIDGE}`);
    const vni = n['provider:segmentation_id'];
    if (!n['router:external'] && vni !== null) {
      const vx = links.find((l) => l.ifname === `vx${vni}`);
      if (vx?.master !== BRIDGE) problems.push(`segment of ${n.name} has no vx${vni} on ${BRIDGE}`);
    }
    for (const l of links) if (/^vx\d+$/.test(l.ifname) && l.ifname !== `vx${vni}`) problems.push(`segment of ${n.name} holds a stray ${l.ifname}`);
    const legs = new Set(bound.filter((p) => p.network_id === id && isRouterPort(p)).map((p) => bridgePortLink(p.id)));
    const fps = [...names].filter((x) => x.startsWith('fp'));
    bridgePorts += fps.length;
    for (const fp of fps) if (!legs.has(fp)) problems.push(`segment of ${n.name} has bridge port ${fp} that no router leg owns`);
    for (const fp of legs) if (!names.has(fp)) problems.push(`segment of ${n.name} lacks router leg ${fp}`);
    if (!n['router:external']) {
      const table = nft(ns, ['list', 'table', 'bridge', TABLE]);
      if (!table) problems.push(`segment of ${n.name} has no nftables table bridge ${TABLE}`);
      const filtered = new Set(bound.filter((p) => p.network_id === id && p.port_security_enabled && !p.device_owner.startsWith('network:') && p.fixed_ips.length > 0).map((p) => bridgePortLink(p.id)));
      const named = new Set([...table.matchAll(/"(fp[0-9a-f]{10})"/g)].map((m) => m[1]!));
      for (const fp of named) if (!filtered.has(fp)) problems.push(`segment of ${n.name} filters ${fp}, which no port bound here owns`);
      for (const fp of filtered) if (!named.has(fp)) problems.push(`segment of ${n.name} does not filter port ${fp}`);
    }
  }

  // Each router: exactly its interface and gateway legs, and its NAT table (SNAT to the gateway address).
  for (const [ns, r] of wantRouters) {
    if (!haveRouters.includes(ns)) continue;
    const own = api.ports.filter((p) => p.device_id === r.id && isRouterPort(p));
    const want = new Set(own.map((p) => (p.device_owner === 'network:router_gateway' ? routerGatewayLink(p.id) : routerInterfaceLink(p.id))));
    const legs = ipJson<Link>(ns, ['link', 'show']).map((l) => l.ifname).filter((x) => x.startsWith('qr') || x.startsWith('qg'));
    for (const l of legs) if (!want.has(l)) problems.push(`router ${r.name} has leg ${l} that none of its ports owns`);
    for (const l of want) if (!legs.includes(l)) problems.push(`router ${r.name} lacks leg ${l}`);
    // A router without a gateway translates nothing and has no table; with one and an interface, it SNATs
    // the interfaces' subnets to the gateway address.
    const table = nft(ns, ['list', 'table', 'inet', TABLE]);
    const gwIp = r.external_gateway_info?.external_fixed_ips?.[0]?.ip_address;
    if (gwIp && !table) problems.push(`router ${r.name} has a gateway but no nftables table inet ${TABLE}`);
    if (!gwIp && table) problems.push(`router ${r.name} has no gateway but an nftables table inet ${TABLE}`);
    const interfaces = own.filter((p) => p.device_owner === 'network:router_interface').length;
    if (gwIp && interfaces > 0 && r.external_gateway_info?.enable_snat !== false && !table.includes(`snat ip to ${gwIp}`)) problems.push(`router ${r.name}'s NAT table does not SNAT to ${gwIp}`);
  }

  // The host namespace holds no VXLAN device left between make and move; the root namespace routes
  // exactly the gateway addresses of this host's routers to its uplink.
  for (const l of ipJson<Link>(layout.hostNamespace, ['link', 'show'])) if (/^vx\d+$/.test(l.ifname)) problems.push(`host namespace holds a stray ${l.ifname}`);
  const gwIps = new Set(api.routers.flatMap((r) => (r.external_gateway_info?.external_fixed_ips ?? []).map((f) => f.ip_address)));
  const fx = uplinkLink(layout);
  const routes = ipJson<{ dst: string; protocol?: string }>(undefined, ['-4', 'route', 'show', 'dev', fx]);
  const hostRoutes = new Set(routes.filter((x) => x.protocol !== 'kernel' && !x.dst.includes('/') && x.dst !== 'default').map((x) => x.dst));
  for (const a of hostRoutes) if (!gwIps.has(a)) problems.push(`the root namespace routes ${a} to ${fx}, but no router has it`);
  for (const a of gwIps) if (!hostRoutes.has(a)) problems.push(`the root namespace has no route for gateway ${a} via ${fx}`);
  const wantUplink = gwIps.size > 0 || [...wantSegs.values()].some((id) => netById.get(id)?.['router:external']);
  const haveUplink = ipJson<Link>(undefined, ['link', 'show', 'dev', fx]).length > 0;
  if (wantUplink !== haveUplink) problems.push(`uplink ${fx} ${haveUplink ? 'exists with no external segment here' : 'is missing'}`);

  // Statuses derive from the agent's reports: the router legs are in place, so their ports are ACTIVE.
  const routerPorts = bound.filter(isRouterPort);
  for (const p of routerPorts) if (p.status !== 'ACTIVE') problems.push(`router port ${p.id} (${p.device_owner}) is ${p.status}`);
  return {
    problems, segments: haveSegs.length, routers: haveRouters.length, bridgePorts,
    routerPortsActive: routerPorts.filter((p) => p.status === 'ACTIVE').length, routerPorts: routerPorts.length, boundPorts: bound.length,
  };
}

/** Polls until the API and the kernel match (or `withinMs` passes); the last observation and when it held. */
async function converge(s: Session, layout: ReturnType<typeof hostLayout>, withinMs: number, t0: number): Promise<{ obs: Observation; ms: number; api: ApiState | undefined }> {
  const deadline = Date.now() + withinMs;
  let obs: Observation = { problems: ['no answer from the API'], segments: 0, routers: 0, bridgePorts: 0, routerPortsActive: 0, routerPorts: 0, boundPorts: 0 };
  let api: ApiState | undefined;
  for (;;) {
    api = await apiState(s);
    if (api) obs = compare(layout, api);
    if ((api && obs.problems.length === 0) || Date.now() > deadline) return { obs, ms: Date.now() - t0, api };
    await sleep(250);
  }
}

type OpKind = 'create bound port' | 'create unbound port' | 'create router with gateway' | 'set gateway' | 'add interface' | 'remove interface' | 'delete port' | 'delete router';
interface Op { kind: OpKind; status?: number; id?: string; target?: string; subnet?: string }

interface Moment { label: string; afterAcks: number; ms: number }

const ENGINES: Array<{ engine: 'sqlite' | 'postgres'; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason()! } : {}) },
];

for (const { engine, skip } of ENGINES) {
  describe(`network crash safety on the real data plane (${engine})`, { skip: why ?? skip, concurrency: false }, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-network-crash-'));
    const layout = hostLayout(dataDir, HOST);
    let database: ScratchDatabase | undefined;
    let cloud: TestCloud | undefined;

    const start = async (): Promise<TestCloud> => {
      if (engine === 'postgres' && !database) database = await createScratchDatabase(process.env.FLOTILLA_TEST_DATABASE_URL!, 'network_crash');
      cloud = await startTestCloud({
        dataDir, ...(database ? { databaseUrl: database.url } : {}), timeoutMs: 180_000,
        env: { FLOTILLA_COMPUTE_HOST: HOST, FLOTILLA_BASE_IMAGES: 'none' },
      });
      return cloud;
    };

    after(async () => {
      await cloud?.stop();
      await cleanupHost(layout);
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      const left = listNamespaces().filter((n) => n.includes(layout.tag));
      if (left.length > 0) console.log(`# namespaces left after cleanup: ${left.join(', ')}`);
    });

    test('SIGKILL amid 20 concurrent port and router operations, restart, and namespaces deleted by hand: the data plane matches the API', { timeout: 1_800_000 }, async () => {
      await start();
      let s = await session(cloud!);
      // Routers are placed on hosts that registered a tunnel endpoint: wait for h1's.
      for (let i = 0; ; i++) {
        const agents = await call(`${s.net}/agents`, 'GET', s.token);
        if ((agents?.body?.agents as Array<{ host: string }> | undefined)?.some((a) => a.host === HOST)) break;
        assert.ok(i < 600, `${HOST} registered no tunnel endpoint`);
        await sleep(100);
      }
      const publicNet = ((await must(s, 'GET', '/networks?name=public')).networks as Network[])[0]!;
      assert.ok(publicNet, 'the public network exists');
      // Three tenant networks (admin's), each with a subnet; they stay for the whole test.
      const nets: Array<{ id: string; subnet: string }> = [];
      for (const k of [0, 1, 2, 3]) {
        const n = (await must(s, 'POST', '/networks', { network: { name: `cn${k}` } })).network;
        const sub = (await must(s, 'POST', '/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: `10.81.${k}.0/24`, name: `cs${k}` } })).subnet;
        nets.push({ id: n.id, subnet: sub.id });
      }
      const gw = { network_id: publicNet.id };

      const moments: Moment[] = [
        { label: 'after 3 answers', afterAcks: 3, ms: 0 },
        { label: 'after 10 answers', afterAcks: 10, ms: 0 },
        { label: 'after 17 answers +20ms', afterAcks: 17, ms: 20 },
        { label: 'all answered +150ms', afterAcks: 20, ms: 150 },
      ];
      const rows: string[] = [];
      const problems: string[] = [];
      for (const [i, m] of moments.entries()) {
        // Before the burst: routers A (gateway, interface on cn3), B (no gateway, interface on cn2), C (gateway;
        // deleted in the burst) and three ports bound to h1 (two deleted in the burst).
        const rA = (await must(s, 'POST', '/routers', { router: { name: `r${i}-A`, external_gateway_info: gw } })).router;
        const rB = (await must(s, 'POST', '/routers', { router: { name: `r${i}-B` } })).router;
        const rC = (await must(s, 'POST', '/routers', { router: { name: `r${i}-C`, external_gateway_info: gw } })).router;
        await must(s, 'PUT', `/routers/${rB.id}/add_router_interface`, { subnet_id: nets[3]!.subnet });
        const pre: Port[] = [];
        for (const k of [0, 1, 2]) pre.push((await must(s, 'POST', '/ports', { port: { network_id: nets[k]!.id, name: `r${i}-pre${k}`, 'binding:host_id': HOST } })).port);

        const ops: Array<{ op: Op; run: () => Promise<Reply | undefined> }> = [];
        const add = (op: Op, run: () => Promise<Reply | undefined>): void => { ops.push({ op, run }); };
        for (let k = 0; k < 8; k++) {
          add({ kind: 'create bound port', target: nets[k % 3]!.id }, () => call(`${s.net}/ports`, 'POST', s.token, { port: { network_id: nets[k % 3]!.id, name: `r${i}-b${k}`, 'binding:host_id': HOST } }));
        }
        add({ kind: 'create unbound port', target: nets[0]!.id }, () => call(`${s.net}/ports`, 'POST', s.token, { port: { network_id: nets[0]!.id, name: `r${i}-u0` } }));
        for (let k = 0; k < 3; k++) {
          add({ kind: 'create router with gateway' }, () => call(`${s.net}/routers`, 'POST', s.token, { router: { name: `r${i}-new${k}`, external_gateway_info: gw } }));
        }
        add({ kind: 'set gateway', target: rB.id }, () => call(`${s.net}/routers/${rB.id}`, 'PUT', s.token, { router: { external_gateway_info: gw } }));
        add({ kind: 'add interface', target: rA.id, subnet: nets[0]!.subnet }, () => call(`${s.net}/routers/${rA.id}/add_router_interface`, 'PUT', s.token, { subnet_id: nets[0]!.subnet }));
        add({ kind: 'add interface', target: rA.id, subnet: nets[1]!.subnet }, () => call(`${s.net}/routers/${rA.id}/add_router_interface`, 'PUT', s.token, { subnet_id: nets[1]!.subnet }));
        add({ kind: 'add interface', target: rB.id, subnet: nets[2]!.subnet }, () => call(`${s.net}/routers/${rB.id}/add_router_interface`, 'PUT', s.token, { subnet_id: nets[2]!.subnet }));
        add({ kind: 'remove interface', target: rB.id, subnet: nets[3]!.subnet }, () => call(`${s.net}/routers/${rB.id}/remove_router_interface`, 'PUT', s.token, { subnet_id: nets[3]!.subnet }));
        add({ kind: 'delete port', target: pre[0]!.id }, () => call(`${s.net}/ports/${pre[0]!.id}`, 'DELETE', s.token));
        add({ kind: 'delete port', target: pre[1]!.id }, () => call(`${s.net}/ports/${pre[1]!.id}`, 'DELETE', s.token));
        add({ kind: 'delete router', target: rC.id }, () => call(`${s.net}/routers/${rC.id}`, 'DELETE', s.token));
        assert.equal(ops.length, 20);

        const victim = cloud!;
        let acked = 0;
        let killed = false;
        const kill = async (): Promise<void> => {
          if (killed) return;
          killed = true;
          if (m.ms > 0) await sleep(m.ms);
          await victim.stop('SIGKILL');
        };
        await Promise.all(ops.map(async ({ op, run }) => {
          const res = await run();
          op.status = res?.status;
          if (res && res.status < 300) {
            op.id = res.body?.port?.id ?? res.body?.router?.id ?? res.body?.port_id;
          }
          if (res) acked += 1;
          if (acked >= m.afterAcks) await kill();
        }));
        await kill();

        // Restart on the same data dir; measure how long until the API and the kernel match.
        const t0 = Date.now();
        await start();
        const restartMs = Date.now() - t0;
        s = await session(cloud!);
        const { obs, ms, api } = await converge(s, layout, 120_000, t0);
        for (const p of obs.problems) problems.push(`round ${i} (${m.label}): ${p}`);

        // Every acknowledged operation took effect; unacknowledged ones did or did not, whole.
        const ok = ops.filter(({ op }) => op.status !== undefined && op.status < 300).map(({ op }) => op);
        const failed = ops.filter(({ op }) => op.status !== undefined && op.status >= 300).map(({ op }) => `${op.kind} ${op.status}`);
        if (api) {
          const portIds = new Set(api.ports.map((p) => p.id));
          const routerById = new Map(api.routers.map((r) => [r.id, r]));
          for (const op of ok) {
            const lost = (what: string): void => { problems.push(`round ${i} (${m.label}): acknowledged ${op.kind} ${op.id ?? op.target}: ${what}`); };
            if (op.kind.startsWith('create') && op.kind.endsWith('port') && !portIds.has(op.id!)) lost('the port is gone');
            if (op.kind === 'create router with gateway' && !routerById.get(op.id!)?.external_gateway_info) lost('no router with a gateway');
            if (op.kind === 'set gateway' && !routerById.get(op.target!)?.external_gateway_info) lost('the router has no gateway');
            if (op.kind === 'add interface' && !api.ports.some((p) => p.device_id === op.target && p.fixed_ips.some((f) => f.subnet_id === op.subnet))) lost('no interface on the subnet');
            if (op.kind === 'remove interface' && api.ports.some((p) => p.device_id === op.target && p.fixed_ips.some((f) => f.subnet_id === op.subnet))) lost('the interface is still there');
            if (op.kind === 'delete port' && portIds.has(op.target!)) lost('the port is still there');
            if (op.kind === 'delete router' && routerById.has(op.target!)) lost('the router is still there');
          }
        }
        rows.push([
          `${i}`.padEnd(2), m.label.padEnd(24), `${ok.length}/20`.padEnd(6), `${failed.length}`.padEnd(5),
          secs(restartMs).padStart(7), secs(ms).padStart(8),
          `${obs.segments}`.padStart(4), `${obs.routers}`.padStart(4), `${obs.bridgePorts}`.padStart(4),
          `${obs.routerPortsActive}/${obs.routerPorts}`.padStart(7), `${obs.boundPorts}`.padStart(5), `${obs.problems.length}`.padStart(4),
        ].join(' '));
        if (failed.length > 0) console.log(`# round ${i}: answered with errors (the cloud died under them or they lost a race): ${failed.join(', ')}`);
        console.log(`# ${engine} round ${i} (${m.label}): ${rows[rows.length - 1]}${obs.problems.length > 0 ? `\n#   ${obs.problems.join('\n#   ')}` : ''}`);

        // The next round starts from the networks alone, which also shows deletes work after the restart.
        if (i < moments.length - 1) {
          const now = (await apiState(s))!;
          for (const r of now.routers) {
            for (const p of now.ports.filter((x) => x.device_id === r.id && x.device_owner === 'network:router_interface')) {
              await must(s, 'PUT', `/routers/${r.id}/remove_router_interface`, { port_id: p.id }, [200, 404]);
            }
            await must(s, 'DELETE', `/routers/${r.id}`, undefined, [204, 404]);
          }
          for (const p of now.ports.filter((x) => !x.device_owner.startsWith('network:'))) await must(s, 'DELETE', `/ports/${p.id}`, undefined, [204, 404]);
          const clean = await converge(s, layout, 60_000, Date.now());
          for (const p of clean.obs.problems) problems.push(`round ${i} cleanup: ${p}`);
          if (clean.obs.segments !== 0 || clean.obs.routers !== 0) problems.push(`round ${i} cleanup: ${clean.obs.segments} segments and ${clean.obs.routers} routers left`);
        }
      }
      console.log([
        `network crash rounds on ${engine} (restart and converge: s from the SIGKILL's restart; seg/rtr: namespaces; fp: bridge ports; rtr ports ACTIVE; bound: ports bound to ${HOST}):`,
        'n  moment                   acked  err  restart converge  seg  rtr   fp rtrport bound prob',
        ...rows,
      ].join('\n'));

      // 2. The last round's topology stays. Every segment and router namespace of the host deleted by hand,
      //    with the cloud running: the agent's periodic re-apply brings them back.
      const handRows: string[] = [];
      const deleteByHand = (): string[] => {
        const gone = listNamespaces().filter((n) => n.startsWith(segmentPrefix(layout)) || n.startsWith(routerPrefix(layout)));
        for (const n of gone) assert.equal(spawnSync('ip', ['netns', 'del', n]).status, 0, `ip netns del ${n}`);
        return gone;
      };
      let gone = deleteByHand();
      let t0 = Date.now();
      let res = await converge(s, layout, NETWORK_RESYNC_MS + 60_000, t0);
      handRows.push(`deleted ${gone.length} namespaces by hand, cloud running: matched again after ${secs(res.ms)} s (re-apply at least every ${NETWORK_RESYNC_MS / 1000} s); ${res.obs.segments} segments, ${res.obs.routers} routers, ${res.obs.bridgePorts} bridge ports`);
      for (const p of res.obs.problems) problems.push(`deleted by hand, running: ${p}`);

      // …and with the cloud stopped, as after a reboot that lost them, then started.
      await cloud!.stop();
      gone = deleteByHand();
      t0 = Date.now();
      await start();
      const restartMs = Date.now() - t0;
      s = await session(cloud!);
      res = await converge(s, layout, 120_000, t0);
      handRows.push(`deleted ${gone.length} namespaces by hand, cloud stopped: ready ${secs(restartMs)} s after the start, matched again after ${secs(res.ms)} s; ${res.obs.segments} segments, ${res.obs.routers} routers, ${res.obs.bridgePorts} bridge ports`);
      for (const p of res.obs.problems) problems.push(`deleted by hand, restarted: ${p}`);
      console.log(handRows.map((r) => `# ${engine}: ${r}`).join('\n'));

      // Deleting everything leaves nothing of this host's data plane behind.
      const now = (await apiState(s))!;
      for (const r of now.routers) {
        for (const p of now.ports.filter((x) => x.device_id === r.id && x.device_owner === 'network:router_interface')) await must(s, 'PUT', `/routers/${r.id}/remove_router_interface`, { port_id: p.id });
        await must(s, 'DELETE', `/routers/${r.id}`);
      }
      for (const p of now.ports.filter((x) => !x.device_owner.startsWith('network:'))) await must(s, 'DELETE', `/ports/${p.id}`);
      for (const n of nets) await must(s, 'DELETE', `/networks/${n.id}`);
      const end = await converge(s, layout, 60_000, Date.now());
      for (const p of end.obs.problems) problems.push(`after deleting everything: ${p}`);
      const left = listNamespaces().filter((n) => n.startsWith(segmentPrefix(layout)) || n.startsWith(routerPrefix(layout)));
      if (left.length > 0) problems.push(`after deleting everything, namespaces left: ${left.join(', ')}`);
      assert.deepEqual(problems, []);
    });
  });
}
