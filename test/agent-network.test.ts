/**
 * The host agents drive the Neutron data plane (issue 5, the agent's wiring): the cloud's own host h1 and
 * a standalone `flotilla agent --host h2` each put their host namespace on the machine's underlay,
 * register that address as their tunnel endpoint, follow their network plan and report. Through the
 * network API (admin): a network with a subnet, a router with its gateway on `public` and an interface,
 * and a port bound to each host. Shown on the real kernel: each host builds the network's segment with
 * VXLAN flood and FDB entries pointing at the other host's endpoint, the router namespace stands on the
 * host the service placed it on, the router's ports turn ACTIVE, and the machine reaches the router's
 * gateway address through the uplink. Ports bound by hand are plugged into stand-in "servers" (a
 * namespace with a sleep in it) by the data plane's own plugServerPort, with the port and network as the
 * host's plan gives them; they turn ACTIVE from the agents' reports and reach each other over VXLAN.
 * Then real servers (`server create --network`, one per host): the agents plug their Neutron ports, the
 * ports turn ACTIVE, the servers reach each other and the router across hosts, and a floating IP reaches
 * one from the machine. A segment namespace deleted by hand comes back within a minute with its server
 * plugged again; deleting the servers and the resources removes every namespace on both hosts.
 * The tenant subnet (10.77.0.0/24) is the tenant's choice and exists only inside namespaces of this test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NetworkClient, type NeutronPort } from '../src/network/client.js';
import type { HostNetworkPlan } from '../src/network/agent-protocol.js';
import type { AgentLayout } from '../src/agent/layout.js';
import { listNamespaces } from '../src/agent/netns.js';
import { routerNamespace, segmentNamespace, uplinkLink } from '../src/agent/netplane/index.js';
import { plugServerPort } from '../src/agent/netplane/server-port.js';
import { UNDERLAY_HOST_LINK, UNDERLAY_NAMESPACE, underlayLink } from '../src/agent/underlay.js';
import { NETWORK_RESYNC_MS } from '../src/agent/network-sync.js';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { HostAgentProcess } from './support/host-agent.js';
import { openstack, openstackJson } from './support/cli.js';
import { addressesOf, cleanupHost, computeUnavailable, hostLayout, type ServerView } from './support/compute.js';
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
  const h2 = new HostAgentProcess(() => cloud!, 'h2');
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
  const servers = {} as Record<Host, ServerView>;



  /** A host's plan as its agent gets it (read with the agent's own credentials; no long poll). */
  const planOf = (host: Host): Promise<HostNetworkPlan> => network.networkPlan(agentToken, host, -1, 0);
  const other = (host: Host): Host => (host === 'h1' ? 'h2' : 'h1');
  const networkUrl = (): string => `http://127.0.0.1:${cloud!.flotillaEnv.FLOTILLA_NETWORK_PORT}`;
  const addresses = (host: Host): string => addressesOf(servers[host])[0]!;
  const serverPortGroups = async (): Promise<string[]> => (await network.getPort(token, ports.h1.id)).security_groups;
  const endpointOf = (host: Host): string | undefined =>
    ipJson<Addr>(layouts[host].hostNamespace, ['addr', 'show', 'dev', UNDERLAY_HOST_LINK])[0]?.addr_info?.find((a) => a.family === 'inet')?.local;

  before(async () => {
    cloud = await startTestCloud({ env: { FLOTILLA_COMPUTE_HOST: 'h1', FLOTILLA_BASE_IMAGES: 'busybox' }, timeoutMs: 180_000 });
    dataDir = cloud.dataDir;
    for (const h of HOSTS) layouts[h] = hostLayout(dataDir, h);
    await h2.start();
    network = new NetworkClient(networkUrl());
    token = await new KeystoneClient(cloud.identityUrl).login('admin', cloud.adminPassword, { project: 'admin' });
    const passwords = JSON.parse(fs.readFileSync(path.join(dataDir, 'service-passwords.json'), 'utf8')) as Record<string, string>;
    agentToken = await new KeystoneClient(cloud.identityUrl).login('compute-agent', passwords['compute-agent']!, { project: 'service' });
  });

  after(async () => {
    for (const s of standIns) {
      s.child.kill('SIGKILL');
      spawnSync('ip', ['netns', 'delete', s.ns]);
    }
    await h2.stop();
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

  /** The pid of a server's init, to look from inside its network namespace. */
  function serverPid(host: Host, serverId: string): number {
    const r = spawnSync('docker', ['-H', `unix://${layouts[host].engine.socket}`, 'inspect', '-f', '{{.State.Pid}}', `flotilla-${serverId}`], { encoding: 'utf8' });
    return Number(r.stdout.trim());
  }
  /** Whether the server on `host` reaches `ip` by ping (busybox's, run in the server's network namespace). */
  function serverPings(host: Host, ip: string): boolean {
    return spawnSync('nsenter', [`--net=/proc/${serverPid(host, servers[host].id)}/ns/net`, 'busybox', 'ping', '-c', '1', '-W', '1', ip]).status === 0;
  }
  const serverPort = async (host: Host): Promise<NeutronPort> => (await network.listPorts(token, { device_id: servers[host].id }))[0]!;

  it('servers on the network, one per host: their Neutron ports are plugged and ACTIVE, they reach each other and the router, a floating IP reaches one from the machine', { timeout: 300_000 }, async () => {
    const env = cloud!.cliEnv;
    // The default group lets its members in; ICMP from anywhere too, for the floating IP's ping.
    const group = (await serverPortGroups())[0]!;
    const rule = await fetch(`${networkUrl()}/v2.0/security-group-rules`, {
      method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ security_group_rule: { security_group_id: group, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp' } }),
    });
    assert.equal(rule.status, 201, await rule.text());
    for (const h of HOSTS) {
      const t0 = Date.now();
      servers[h] = await openstackJson<ServerView>(env, 'server', 'create', '--image', 'busybox', '--flavor', 'm1.tiny', '--network', 'agent-net',
        '--availability-zone', `nova:${h}`, '--wait', `agent-net-${h}`);
      assert.equal(servers[h].status, 'ACTIVE', JSON.stringify(servers[h]));
      const port = await until(`server on ${h}: its port ACTIVE`, 30_000, async () => {
        const p = await serverPort(h);
        return p?.status === 'ACTIVE' ? p : undefined;
      });
      assert.equal(port['binding:host_id'], h);
      console.log(`# server on ${h}: ACTIVE with its port ACTIVE ${Date.now() - t0} ms after create; ${addressesOf(servers[h]).join(', ')}`);
    }
    const ipOf = (h: Host): string => addressesOf(servers[h])[0]!;
    await until(`the server on h1 reaches the server on h2 (${ipOf('h2')})`, 15_000, () => (serverPings('h1', ipOf('h2')) ? true : undefined));
    assert.ok(serverPings('h2', ipOf('h1')), 'h2 → h1');
    for (const h of HOSTS) assert.ok(serverPings(h, '10.77.0.1'), `the server on ${h} reaches the router's interface on ${routerHost}`);

    const publicNet = (await network.listNetworks(token, { name: 'public' }))[0]!;
    const fip = await network.createFloatingIp(token, { floating_network_id: publicNet.id, port_id: (await serverPort(other(routerHost))).id });
    console.log(`# floating IP ${fip.floating_ip_address} → ${ipOf(other(routerHost))} (server on ${other(routerHost)}, router on ${routerHost})`);
    await until(`ping ${fip.floating_ip_address} from the root namespace`, 30_000, () => (pings(undefined, fip.floating_ip_address) ? true : undefined));
    await network.deleteFloatingIp(token, fip.id);
  });

  it('a segment namespace deleted by hand is rebuilt within a minute, its server plugged again', { timeout: 120_000 }, async () => {
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
    // The server's veth went with the namespace and its reconciler plugs it again; the stand-in's stays gone.
    await until(`the server on ${host} plugged again`, 30_000, () => (serverPings(host, addresses(other(host))) ? true : undefined));
    console.log(`# the server on ${host} reached the other again ${((Date.now() - t0) / 1000).toFixed(1)} s after the delete`);
    await until(`port-${host} DOWN`, NETWORK_RESYNC_MS + 15_000, async () => ((await network.getPort(token, ports[host].id)).status === 'DOWN' ? true : undefined));
    await until(`the port of the server on ${host} ACTIVE again`, 15_000, async () => ((await serverPort(host)).status === 'ACTIVE' ? true : undefined));
  });

  it('h2\'s agent stopped and started again: the same endpoint, its segment\'s VXLAN made again, its server running and reachable across hosts', { timeout: 180_000 }, async () => {
    const before = endpointOf('h2');
    await h2.stop();
    // Closing leaves the data plane's namespaces; the host namespace (and with it the VXLAN devices) goes.
    assert.ok(listNamespaces().includes(segmentNamespace(layouts.h2, netId)), 'the segment stays while the agent is down');
    const t0 = Date.now();
    await h2.start();
    const vni = (await network.getNetwork(token, netId))['provider:segmentation_id'];
    await until('h2 back with its endpoint and the VXLAN device', 60_000, () =>
      (endpointOf('h2') === before && fdb(segmentNamespace(layouts.h2, netId), `vx${vni}`).some((e) => e.mac === '00:00:00:00:00:00' && e.dst === endpointOf('h1')) ? true : undefined));
    await until('the server on h2 reaches the server on h1 again', 90_000, () => (serverPings('h2', addresses('h1')) ? true : undefined));
    await until('the port of the server on h2 ACTIVE', 30_000, async () => ((await serverPort('h2')).status === 'ACTIVE' ? true : undefined));
    console.log(`# h2 restarted: endpoint ${before} kept, its server reachable across hosts ${((Date.now() - t0) / 1000).toFixed(1)} s after the start`);
  });

  it('deleting the servers and then the resources through the API removes the namespaces on both hosts', { timeout: 180_000 }, async () => {
    for (const h of HOSTS) {
      const r = await openstack(cloud!.cliEnv, 'server', 'delete', '--wait', servers[h].id);
      assert.equal(r.code, 0, r.stderr);
      await until(`compute gave the port of the server on ${h} back`, 30_000, async () => ((await network.listPorts(token, { device_id: servers[h].id })).length === 0 ? true : undefined));
    }
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
