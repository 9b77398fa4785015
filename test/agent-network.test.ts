/**
 * The host agents drive the Neutron data plane (issue 5, the agent's wiring): the cloud's own host h1 and
 * a standalone `flotilla agent --host h2` each put their host namespace on the machine's underlay,
 * register that address as their tunnel endpoint, follow their network plan and report. Through the
 * network API (admin): a network with a subnet, a router with its gateway on `public` and an interface,
 * and a port bound to each host. Shown on the real kernel: each host builds the network's segment with
 * VXLAN flood and FDB entries pointing at the other host's endpoint, the router namespace stands on the
 * host the service placed it on, the router's ports turn ACTIVE, the machine reaches the router's gateway
 * address through the uplink, a segment namespace deleted by hand comes back within a minute, and
 * deleting the resources removes the namespaces on both hosts.
 *
 * Servers with Neutron ports end to end need compute's side; until then the bound ports are plugged here
 * into stand-in "servers" (a namespace with a sleep in it) by the data plane's own plugServerPort, with
 * the port and network as the host's plan gives them, exactly as the agent's reconciler plugs a server's
 * port. They then turn ACTIVE from the agents' reports and reach each other across hosts over VXLAN.
 * The tenant subnet (10.77.0.0/24) is the tenant's choice and exists only inside namespaces of this test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { serverArgs, SERVER_ENV } from '../src/platform/runtime.js';
import { NetworkClient, type NeutronPort } from '../src/network/client.js';
import type { HostNetworkPlan } from '../src/network/agent-protocol.js';
import type { AgentLayout } from '../src/agent/layout.js';
import { listNamespaces } from '../src/agent/netns.js';
import { routerNamespace, segmentNamespace, uplinkLink } from '../src/agent/netplane/index.js';
import { plugServerPort } from '../src/agent/netplane/server-port.js';
import { UNDERLAY_HOST_LINK, UNDERLAY_NAMESPACE, underlayLink } from '../src/agent/underlay.js';
import { NETWORK_RESYNC_MS } from '../src/agent/network-sync.js';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cleanupHost, computeUnavailable, hostLayout } from './support/compute.js';
import { KeystoneClient } from './support/keystone.js';

const skip = computeUnavailable('nft', 'bridge', 'nsenter');
if (skip) console.log(`# agent network test skipped: ${skip}`);

const HOSTS = ['h1', 'h2'] as const;
type Host = (typeof HOSTS)[number];

interface FdbEntry { mac: string; dst?: string }
interface Addr { ifname: string; master?: string; ifalias?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

function ipJson<T>(ns: string | undefined, args: string[]): T[] {
  const r = spawnSync('ip', [...(ns ? ['-n', ns] : []), '-j', ...args], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  try { return JSON.parse(r.stdout) as T[]; } catch { return []; }
}

function fdb(ns: string, dev: string): FdbEntry[] {
  const r = spawnSync('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', dev], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  try { return JSON.parse(r.stdout) as FdbEntry[]; } catch { return []; }
}

async function until<T>(what: string, withinMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether `ns` (a namespace this test or the agents made) reaches `ip` by ping. */
function pings(ns: string | undefined, ip: string): boolean {
  const args = ['ping', '-c', '1', '-W', '1', ip];
  const r = ns ? spawnSync('ip', ['netns', 'exec', ns, 'busybox', ...args]) : spawnSync('busybox', args);
  return r.status === 0;
}

describe('host agents drive the Neutron data plane', { skip, concurrency: false }, () => {
  let cloud: TestCloud | undefined;
  let dataDir = '';
  let h2: ChildProcess | undefined;
  let h2Output = '';
  let network: NetworkClient;
  let token = '';
  let agentToken = '';
  const layouts = {} as Record<Host, AgentLayout>;
  const standIns: Array<{ ns: string; child: ChildProcess }> = [];
  const testId = randomBytes(3).toString('hex');

  // Resources made through the API, filled in as the tests go.
  let netId = '';
  let subnetId = '';
  let routerId = '';
  let routerHost: Host = 'h1';
  const ports = {} as Record<Host, NeutronPort>;

  async function startH2(): Promise<void> {
    const p = spawn(process.execPath, [...serverArgs(), 'agent', '--host', 'h2'], {
      env: { ...(process.env as Record<string, string>), ...cloud!.flotillaEnv, ...SERVER_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    h2 = p;
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => { h2Output += d.toString(); if (h2Output.includes('host h2 running')) resolve(); };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`agent h2 exited with ${code}:\n${h2Output}`)));
    });
  }

  async function stopH2(): Promise<void> {
    const p = h2;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((resolve) => { p.once('exit', resolve); p.kill('SIGTERM'); });
  }

  /** A host's plan as its agent gets it (read with the agent's own credentials; no long poll). */
  const planOf = (host: Host): Promise<HostNetworkPlan> => network.networkPlan(agentToken, host, -1, 0);
  const other = (host: Host): Host => (host === 'h1' ? 'h2' : 'h1');
  const endpointOf = (host: Host): string | undefined =>
    ipJson<Addr>(layouts[host].hostNamespace, ['addr', 'show', 'dev', UNDERLAY_HOST_LINK])[0]?.addr_info?.find((a) => a.family === 'inet')?.local;

  before(async () => {
    cloud = await startTestCloud({ env: { FLOTILLA_COMPUTE_HOST: 'h1', FLOTILLA_BASE_IMAGES: 'none' }, timeoutMs: 180_000 });
    dataDir = cloud.dataDir;
    for (const h of HOSTS) layouts[h] = hostLayout(dataDir, h);
    await startH2();
    network = new NetworkClient(`http://127.0.0.1:${cloud.flotillaEnv.FLOTILLA_NETWORK_PORT}`);
    token = await new KeystoneClient(cloud.identityUrl).login('admin', cloud.adminPassword, { project: 'admin' });
    const passwords = JSON.parse(fs.readFileSync(path.join(dataDir, 'service-passwords.json'), 'utf8')) as Record<string, string>;
    agentToken = await new KeystoneClient(cloud.identityUrl).login('compute-agent', passwords['compute-agent']!, { project: 'service' });
  });

  after(async () => {
    for (const s of standIns) {
      s.child.kill('SIGKILL');
      spawnSync('ip', ['netns', 'delete', s.ns]);
    }
    await stopH2();
    await cloud?.stop();
    if (dataDir) {
      for (const host of HOSTS) await cleanupHost(hostLayout(dataDir, host));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // Another test's agents may still be on the underlay; ours are not.
    for (const host of HOSTS) {
      if (!layouts[host]) continue;
      assert.ok(!ipJson<Addr>(UNDERLAY_NAMESPACE, ['link', 'show']).some((l) => l.ifname === underlayLink(layouts[host])), `${host} left the underlay`);
      assert.deepEqual(listNamespaces().filter((n) => n.includes(layouts[host].tag)), [], `${host} left no namespace`);
    }
  });

  it('each host is on the underlay with its own endpoint, registered with the network service, and reaches the other', { timeout: 60_000 }, async () => {
    const endpoints = {} as Record<Host, string>;
    for (const h of HOSTS) {
      endpoints[h] = await until(`${h} registers its endpoint`, 30_000, async () => {
        const plan = await planOf(h);
        return plan.endpoint !== undefined && plan.endpoint === endpointOf(h) ? plan.endpoint : undefined;
      });
      assert.match(endpoints[h], /^169\.254\.(12[89]|1[3-5]\d)\.\d+$/, 'inside 169.254.128.0/19');
      const bridgeEnd = ipJson<Addr>(UNDERLAY_NAMESPACE, ['link', 'show', 'dev', underlayLink(layouts[h])])[0];
      assert.equal(bridgeEnd?.master, 'br0', `${h}'s veth is on the underlay bridge`);
      assert.equal(bridgeEnd?.ifalias, endpoints[h], 'the bridge end names the address it holds');
    }
    console.log(`# endpoints: h1 ${endpoints.h1}, h2 ${endpoints.h2}`);
    assert.notEqual(endpoints.h1, endpoints.h2);
    assert.ok(pings(layouts.h1.hostNamespace, endpoints.h2), 'h1 reaches h2 over the underlay');
    assert.ok(pings(layouts.h2.hostNamespace, endpoints.h1), 'h2 reaches h1 over the underlay');
  });

  it('a network, a router with a gateway and an interface, and a port on each host: segments with VXLAN towards the other host, the router on its host, ports ACTIVE', { timeout: 180_000 }, async () => {
    const net = await network.createNetwork(token, { name: 'agent-net' });
    netId = net.id;
    const vni = net['provider:segmentation_id'];
    assert.equal(typeof vni, 'number');
    subnetId = (await network.createSubnet(token, { network_id: netId, ip_version: 4, cidr: '10.77.0.0/24', name: 'agent-subnet' })).id;
    const publicNet = (await network.listNetworks(token, { name: 'public' }))[0];
    assert.ok(publicNet, 'the cloud made the external network public');
    const router = await network.createRouter(token, { name: 'agent-router', external_gateway_info: { network_id: publicNet.id } });
    routerId = router.id;
    await network.addRouterInterface(token, routerId, { subnet_id: subnetId });
    for (const h of HOSTS) ports[h] = await network.createPort(token, { network_id: netId, name: `port-${h}`, 'binding:host_id': h });

    const routerPorts = await network.listPorts(token, { device_id: routerId });
    const gw = routerPorts.find((p) => p.device_owner === 'network:router_gateway')!;
    const intf = routerPorts.find((p) => p.device_owner === 'network:router_interface')!;
    assert.ok(gw && intf, JSON.stringify(routerPorts));
    routerHost = gw['binding:host_id'] as Host;
    assert.ok(HOSTS.includes(routerHost), `router placed on ${routerHost}`);
    console.log(`# router ${routerId} placed on ${routerHost}; network VNI ${vni}`);

    const t0 = Date.now();
    for (const h of HOSTS) {
      const seg = segmentNamespace(layouts[h], netId);
      const remote = endpointOf(other(h))!;
      // The other host's ports: its bound port, and the router's interface when the router is there.
      const remoteMacs = [ports[other(h)].mac_address, ...(routerHost === other(h) ? [intf.mac_address] : [])];
      await until(`${h}: segment ${seg} with vx${vni} flooding to ${remote} and FDB entries for ${remoteMacs.join(', ')}`, 60_000, () => {
        if (!listNamespaces().includes(seg)) return undefined;
        const entries = fdb(seg, `vx${vni}`);
        const flood = entries.some((e) => e.mac === '00:00:00:00:00:00' && e.dst === remote);
        const unicast = remoteMacs.every((m) => entries.some((e) => e.mac === m && e.dst === remote));
        return flood && unicast ? true : undefined;
      });
    }
    console.log(`# both segments with their FDB entries ${Date.now() - t0} ms after the last API call`);
    await until(`router namespace on ${routerHost}`, 30_000, () => (listNamespaces().includes(routerNamespace(layouts[routerHost], routerId)) ? true : undefined));
    assert.ok(!listNamespaces().includes(routerNamespace(layouts[other(routerHost)], routerId)), `no router namespace on ${other(routerHost)}`);

    for (const p of [gw, intf]) {
      await until(`router port ${p.device_owner} ACTIVE`, 30_000, async () => ((await network.getPort(token, p.id)).status === 'ACTIVE' ? true : undefined));
    }
    await until('router ACTIVE', 30_000, async () => ((await network.getRouter(token, routerId)).status === 'ACTIVE' ? true : undefined));
    for (const h of HOSTS) assert.equal((await network.getPort(token, ports[h].id)).status, 'DOWN', `port-${h} is DOWN while nothing is plugged into it`);

    // The machine reaches the router's gateway address through the uplink of the router's host.
    const gwAddress = gw.fixed_ips[0]!.ip_address;
    const route = ipJson<{ dev?: string }>(undefined, ['route', 'get', gwAddress])[0];
    assert.equal(route?.dev, uplinkLink(layouts[routerHost]), `the root namespace routes ${gwAddress} to ${routerHost}'s uplink`);
    await until(`ping ${gwAddress} from the root namespace`, 15_000, () => (pings(undefined, gwAddress) ? true : undefined));
  });

  it('ports plugged by the data plane into stand-in servers turn ACTIVE and reach each other and the router across hosts', { timeout: 120_000 }, async () => {
    const addresses = {} as Record<Host, string>;
    for (const h of HOSTS) {
      const plan = await planOf(h);
      const port = plan.ports.find((p) => p.id === ports[h].id);
      const net = plan.networks.find((n) => n.id === netId);
      assert.ok(port && net, `${h}'s plan names its port and the network`);
      const ns = `flotilla-t-${testId}-${h}`;
      spawnSync('ip', ['netns', 'add', ns]);
      const child = spawn('ip', ['netns', 'exec', ns, 'sleep', 'infinity'], { stdio: 'ignore' });
      standIns.push({ ns, child });
      await until(`stand-in ${ns} running`, 5000, () => (spawnSync('ip', ['netns', 'identify', String(child.pid)], { encoding: 'utf8' }).stdout.trim() === ns ? true : undefined));
      spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await plugServerPort({ ns: segmentNamespace(layouts[h], netId), port, network: net, pid: child.pid!, ifname: 'eth0', defaultRoute: true });
      addresses[h] = port.fixedIps[0]!.address;
    }
    const t0 = Date.now();
    for (const h of HOSTS) {
      await until(`port-${h} ACTIVE`, NETWORK_RESYNC_MS + 15_000, async () => ((await network.getPort(token, ports[h].id)).status === 'ACTIVE' ? true : undefined));
    }
    console.log(`# both bound ports ACTIVE ${Date.now() - t0} ms after they were plugged (the agents' next pass reports them; resync every ${NETWORK_RESYNC_MS} ms)`);
    const h1ns = standIns[0]!.ns;
    const h2ns = standIns[1]!.ns;
    await until(`h1's stand-in reaches h2's at ${addresses.h2} over VXLAN`, 15_000, () => (pings(h1ns, addresses.h2) ? true : undefined));
    assert.ok(pings(h2ns, addresses.h1), `h2's stand-in reaches h1's at ${addresses.h1}`);
    for (const ns of [h1ns, h2ns]) assert.ok(pings(ns, '10.77.0.1'), `${ns} reaches the router's interface (on ${routerHost})`);
  });

  it('a segment namespace deleted by hand is rebuilt within a minute', { timeout: 120_000 }, async () => {
    const host = other(routerHost);
    const seg = segmentNamespace(layouts[host], netId);
    const vni = (await network.getNetwork(token, netId))['provider:segmentation_id'];
    assert.equal(spawnSync('ip', ['netns', 'delete', seg]).status, 0);
    const t0 = Date.now();
    const remote = endpointOf(other(host))!;
    await until(`${seg} rebuilt`, 60_000, () => (listNamespaces().includes(seg) && fdb(seg, `vx${vni}`).some((e) => e.mac === '00:00:00:00:00:00' && e.dst === remote) ? true : undefined));
    const s = (Date.now() - t0) / 1000;
    console.log(`# ${host}'s segment, deleted by hand, was back with its VXLAN flood entry after ${s.toFixed(1)} s`);
    assert.ok(s < 60);
    // Its stand-in's veth went with the namespace: the port is reported DOWN (a real server is re-plugged by its reconciler).
    await until(`port-${host} DOWN`, NETWORK_RESYNC_MS + 15_000, async () => ((await network.getPort(token, ports[host].id)).status === 'DOWN' ? true : undefined));
  });

  it('deleting the resources through the API removes the namespaces on both hosts', { timeout: 120_000 }, async () => {
    await network.removeRouterInterface(token, routerId, { subnet_id: subnetId });
    await network.deleteRouter(token, routerId);
    for (const h of HOSTS) await network.deletePort(token, ports[h].id);
    await network.deleteNetwork(token, netId);
    const t0 = Date.now();
    const gone = [...HOSTS.map((h) => segmentNamespace(layouts[h], netId)), routerNamespace(layouts[routerHost], routerId)];
    await until(`namespaces ${gone.join(', ')} removed`, 60_000, () => (gone.every((n) => !listNamespaces().includes(n)) ? true : undefined));
    console.log(`# segments and router namespace removed ${Date.now() - t0} ms after the deletes`);
    for (const h of HOSTS) {
      const plan = await planOf(h);
      assert.deepEqual([plan.networks.length, plan.ports.length, plan.routers.length], [0, 0, 0], `${h}'s plan is empty`);
    }
  });
});
