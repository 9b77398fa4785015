/**
 * The network data plane against the real kernel: two hosts simulated on this machine (two agent layouts,
 * each with its own host namespace, joined by an underlay bridge; testbed.ts), servers as plain
 * namespaces. Skipped, with the reason printed, where the machine cannot run it (not root, no nft).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostNetworkPlan, NetworkPlan, PortPlan, RouterPlan, SecurityGroupRulePlan } from '../../network/agent-protocol.js';
import { silentLogger } from '../../platform/log.js';
import { NetPlane } from './netplane.js';
import { bridgeMac, routerNamespace, routerPrefix, segmentNamespace, segmentPrefix, uplinkLink } from './names.js';
import { ECHO_PEER, Testbed, namespaces, netplaneUnavailable, pings, ready, tcpProbe, type TestServer } from './testbed.js';

const why = netplaneUnavailable();
if (why) console.log(`# netplane tests skipped: ${why}`);

const mac = (): string => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const sh = (cmd: string, args: string[]): string => spawnSync(cmd, args, { encoding: 'utf8' }).stdout;

const rule = (over: Partial<SecurityGroupRulePlan> & Pick<SecurityGroupRulePlan, 'direction'>): SecurityGroupRulePlan => ({ id: randomUUID(), ethertype: 'IPv4', ...over });

describe('network data plane', { skip: why, concurrency: false }, () => {
  let bed: Testbed;
  let h1: NetPlane;
  let h2: NetPlane;
  const NET_A = randomUUID();
  const NET_B = randomUUID();
  const NET_EXT = randomUUID();
  const SUB_A = randomUUID();
  const SUB_B = randomUUID();
  const SUB_EXT = randomUUID();
  let ext = '';
  const servers: Record<string, TestServer> = {};
  const ports: Record<string, PortPlan> = {};
  let router: RouterPlan;
  let revision = 1;

  const ssh = rule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0' });
  const rulesA = (): SecurityGroupRulePlan[] => [
    rule({ direction: 'egress' }),
    rule({ direction: 'ingress', protocol: 'icmp' }),
    ssh,
    // Only the members of the "group" (a1) may reach 2222.
    rule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 2222, portRangeMax: 2222, remoteGroupAddresses: ['10.0.0.11'] }),
  ];
  const rulesB = (): SecurityGroupRulePlan[] => [rule({ direction: 'egress' }), rule({ direction: 'ingress', protocol: 'icmp' }), rule({ direction: 'ingress', protocol: 'tcp' })];

  function serverPort(networkId: string, subnetId: string, address: string, rules: SecurityGroupRulePlan[]): PortPlan {
    return {
      id: randomUUID(), networkId, mac: mac(), fixedIps: [{ subnetId, address, prefixLength: 24, gateway: '10.0.0.1' }],
      deviceOwner: 'compute:nova', deviceId: randomUUID(), adminStateUp: true, portSecurity: true, allowedAddressPairs: [], rules,
    };
  }

  function network(id: string, vni: number | undefined, subnet: string, cidr: string, gateway: string, remote?: { endpoint: string; ports: PortPlan[] }): NetworkPlan {
    const hostRoutes = id === NET_A ? [{ destination: '10.8.0.0/16', nexthop: '10.0.0.14' }] : [];
    return {
      id, ...(vni === undefined ? {} : { vni }), mtu: vni === undefined ? 1500 : 1450, external: vni === undefined,
      subnets: [{ id: subnet, cidr, gateway, hostRoutes, dnsNameservers: [] }],
      remoteEndpoints: remote ? [remote.endpoint] : [],
      remotePorts: remote ? remote.ports.map((p) => ({ mac: p.mac, endpoint: remote.endpoint })) : [],
    };
  }

  /** Host 1: a1, a3, b1 and the router; host 2: a2 and b2. */
  function plan1(over: { a1?: Partial<PortPlan> } = {}): HostNetworkPlan {
    const v2 = bed.hosts[1]!.vtep;
    return {
      revision: revision++, host: 'h1', endpoint: bed.hosts[0]!.vtep,
      networks: [
        network(NET_A, 1001, SUB_A, '10.0.0.0/24', '10.0.0.1', { endpoint: v2, ports: [ports.a2!] }),
        network(NET_B, 1002, SUB_B, '10.0.0.0/24', '10.0.0.1', { endpoint: v2, ports: [ports.b2!] }),
        network(NET_EXT, undefined, SUB_EXT, `${ext}.0/24`, `${ext}.1`),
      ],
      ports: [{ ...ports.a1!, ...over.a1 }, ports.a3!, ports.b1!, ports.rA!, ports.rG!],
      routers: [router],
      externalPool: `${ext}.0/24`,
    };
  }

  function plan2(over: { a2?: Partial<PortPlan> } = {}): HostNetworkPlan {
    const v1 = bed.hosts[0]!.vtep;
    return {
      revision: revision++, host: 'h2', endpoint: bed.hosts[1]!.vtep,
      networks: [
        network(NET_A, 1001, SUB_A, '10.0.0.0/24', '10.0.0.1', { endpoint: v1, ports: [ports.a1!, ports.a3!, ports.rA!] }),
        network(NET_B, 1002, SUB_B, '10.0.0.0/24', '10.0.0.1', { endpoint: v1, ports: [ports.b1!] }),
        network(NET_EXT, undefined, SUB_EXT, `${ext}.0/24`, `${ext}.1`),
      ],
      ports: [{ ...ports.a2!, ...over.a2 }, ports.b2!],
      routers: [],
      externalPool: `${ext}.0/24`,
    };
  }

  async function plugAll(): Promise<void> {
    for (const [name, plane] of [['a1', h1], ['a3', h1], ['b1', h1], ['a2', h2], ['b2', h2]] as const) {
      await plane.plugServerPort(ports[name]!, servers[name]!.pid, 'eth0');
    }
  }

  before(async () => {
    bed = new Testbed();
    ext = bed.externalPrefix;
    await bed.start(2);
    h1 = new NetPlane(bed.hosts[0]!.layout, silentLogger());
    h2 = new NetPlane(bed.hosts[1]!.layout, silentLogger());
    ports.a1 = serverPort(NET_A, SUB_A, '10.0.0.11', rulesA());
    ports.a2 = serverPort(NET_A, SUB_A, '10.0.0.12', rulesA());
    ports.a3 = serverPort(NET_A, SUB_A, '10.0.0.14', rulesA());
    ports.b1 = serverPort(NET_B, SUB_B, '10.0.0.11', rulesB());
    ports.b2 = serverPort(NET_B, SUB_B, '10.0.0.13', rulesB());
    ports.rA = { ...serverPort(NET_A, SUB_A, '10.0.0.1', []), deviceOwner: 'network:router_interface', portSecurity: false };
    ports.rG = {
      ...serverPort(NET_EXT, SUB_EXT, `${ext}.10`, []), deviceOwner: 'network:router_gateway', portSecurity: false,
      fixedIps: [{ subnetId: SUB_EXT, address: `${ext}.10`, prefixLength: 24, gateway: `${ext}.1` }],
    };
    router = {
      id: randomUUID(), adminStateUp: true,
      gateway: { portId: ports.rG.id, networkId: NET_EXT, mac: ports.rG.mac, fixedIps: ports.rG.fixedIps, snat: true },
      interfaces: [{ portId: ports.rA.id, networkId: NET_A, mac: ports.rA.mac, fixedIps: ports.rA.fixedIps.map((f) => ({ ...f, gateway: undefined })) }],
      routes: [],
      floatingIps: [{ id: randomUUID(), floatingIp: `${ext}.50`, fixedIp: '10.0.0.12', portId: ports.a2.id }],
      routed: [],
    };
    for (const name of ['a1', 'a2', 'a3', 'b1', 'b2']) servers[name] = await bed.server(name);
    for (const [name, port] of [['a2', 22], ['a2', 2222]] as const) await ready(bed.spawnIn(servers[name]!.ns, [process.execPath, '-e', ECHO_PEER, String(port)]));
  });

  after(async () => {
    await h1?.destroy().catch(() => {});
    await h2?.destroy().catch(() => {});
    await bed?.cleanup();
  });

  test('builds each segment with VXLAN and static FDB, plugs servers, and reports what is in place', async () => {
    const r1 = await h1.apply(plan1());
    const r2 = await h2.apply(plan2());
    assert.deepEqual(r1.errors ?? [], []);
    assert.deepEqual(r2.errors ?? [], []);
    assert.deepEqual(r1.activeRouters, [router.id]);
    // Router legs are in place; server ports wait for their servers.
    assert.deepEqual(new Set(r1.activePorts), new Set([ports.rA!.id, ports.rG!.id]));
    await plugAll();
    const again = await h1.apply(plan1());
    assert.deepEqual(new Set(again.activePorts), new Set([ports.a1!.id, ports.a3!.id, ports.b1!.id, ports.rA!.id, ports.rG!.id]));
    assert.deepEqual(new Set((await h2.apply(plan2())).activePorts), new Set([ports.a2!.id, ports.b2!.id]));

    const seg = segmentNamespace(bed.hosts[0]!.layout, NET_A);
    const fdb = sh('bridge', ['-n', seg, 'fdb', 'show', 'dev', 'vx1001']);
    assert.match(fdb, new RegExp(`00:00:00:00:00:00 dst ${bed.hosts[1]!.vtep.replace(/\./g, '\\.')}`));
    assert.match(fdb, new RegExp(`${ports.a2!.mac} dst ${bed.hosts[1]!.vtep.replace(/\./g, '\\.')}`));
    const inside = sh('ip', ['-n', servers.a1!.ns, '-4', 'route', 'show']);
    assert.match(inside, /default via 10\.0\.0\.1 dev eth0/);
    assert.match(inside, /169\.254\.169\.254 dev eth0 scope link/);
    assert.match(inside, /10\.8\.0\.0\/16 via 10\.0\.0\.14 dev eth0/, 'the subnet\'s host routes');
    assert.match(sh('ip', ['-n', servers.a1!.ns, '-4', 'addr', 'show', 'eth0']), /inet 10\.0\.0\.11\/24/);
    assert.match(sh('ip', ['-n', servers.a1!.ns, 'link', 'show', 'eth0']), new RegExp(ports.a1!.mac));
    await h1.plugServerPort(ports.a1!, servers.a1!.pid, 'eth0'); // again: nothing to change

    // A remote port that leaves the plan leaves the FDB.
    const without = plan1();
    without.networks[0] = { ...without.networks[0]!, remotePorts: [] };
    await h1.apply(without);
    assert.doesNotMatch(sh('bridge', ['-n', seg, 'fdb', 'show', 'dev', 'vx1001']), new RegExp(ports.a2!.mac));
    await h1.apply(plan1());
    assert.match(sh('bridge', ['-n', seg, 'fdb', 'show', 'dev', 'vx1001']), new RegExp(ports.a2!.mac));
    assert.match(sh('ip', ['-n', servers.a1!.ns, 'link', 'show', 'eth0']), /mtu 1450/);
  });

  test('two tenants with the same CIDR: ping and TCP within a tenant across hosts, never between them', async () => {
    assert.ok(pings(servers.a1!.ns, '10.0.0.12'), 'a1 (host 1) reaches a2 (host 2) over VXLAN');
    assert.equal(await tcpProbe(servers.a1!.ns, '10.0.0.12', 22), '10.0.0.11');
    assert.ok(pings(servers.b1!.ns, '10.0.0.13'), 'b1 reaches b2');
    assert.equal(await tcpProbe(servers.b1!.ns, '10.0.0.13', 80), undefined, 'nothing listens there: refused, not routed elsewhere');
    assert.ok(!pings(servers.b1!.ns, '10.0.0.12'), 'b1 cannot reach a2');
    assert.equal(await tcpProbe(servers.b1!.ns, '10.0.0.12', 22), undefined);
    assert.ok(!pings(servers.a1!.ns, '10.0.0.13'), 'a1 cannot reach b2');
    // ARP never crossed: b1 has no neighbour entry with a2's MAC.
    assert.doesNotMatch(sh('ip', ['-n', servers.b1!.ns, 'neigh', 'show']), new RegExp(ports.a2!.mac));
    assert.match(sh('ip', ['-n', servers.a1!.ns, 'neigh', 'show', '10.0.0.12']), new RegExp(ports.a2!.mac));
  });

  test('anti-spoofing: another source address or MAC is dropped; an allowed address pair passes', async () => {
    const ns = servers.a1!.ns;
    sh('ip', ['-n', ns, 'addr', 'add', '10.0.0.99/24', 'dev', 'eth0']);
    try {
      assert.ok(pings(ns, '10.0.0.12'), 'its own address passes');
      assert.ok(!pings(ns, '10.0.0.12', '10.0.0.99'), 'a spoofed source is dropped');
      assert.ok(!pings(servers.a2!.ns, '10.0.0.99'));
      assert.doesNotMatch(sh('ip', ['-n', servers.a2!.ns, 'neigh', 'show', '10.0.0.99']), new RegExp(ports.a1!.mac), 'so is its ARP answer for an address not its own');
      await h1.apply(plan1({ a1: { allowedAddressPairs: [{ ipAddress: '10.0.0.99', macAddress: ports.a1!.mac }] } }));
      assert.ok(pings(ns, '10.0.0.12', '10.0.0.99'), 'an allowed address pair passes');
      await h1.apply(plan1());
      assert.ok(!pings(ns, '10.0.0.12', '10.0.0.99'), 'and is dropped again once the pair is gone');
    } finally {
      sh('ip', ['-n', ns, 'addr', 'del', '10.0.0.99/24', 'dev', 'eth0']);
    }
    sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', 'fa:16:3e:00:00:99']);
    try {
      sh('ip', ['-n', ns, 'neigh', 'flush', 'dev', 'eth0']);
      assert.ok(!pings(ns, '10.0.0.12'), 'a spoofed MAC is dropped (its ARP too)');
    } finally {
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', ports.a1!.mac]);
    }
    assert.ok(pings(ns, '10.0.0.12'));
  });

  test('security groups: a removed ingress rule blocks new connections once applied; re-added, it allows', async () => {
    const a1 = servers.a1!.ns;
    assert.equal(await tcpProbe(a1, '10.0.0.12', 22), '10.0.0.11');
    assert.equal(await tcpProbe(a1, '10.0.0.12', 2222), '10.0.0.11', 'a member of the remote group is admitted');
    assert.equal(await tcpProbe(servers.a3!.ns, '10.0.0.12', 2222), undefined, 'a non-member is not');
    assert.equal(await tcpProbe(servers.a3!.ns, '10.0.0.12', 22), '10.0.0.14');

    // How long an apply takes is printed, not asserted (timings are the bench's; a loaded CI machine
    // must not fail a correct data plane).
    let t = Date.now();
    await h2.apply(plan2({ a2: { rules: rulesA().filter((r) => r.id !== ssh.id) } }));
    console.log(`# rule removal applied in ${Date.now() - t} ms`);
    assert.equal(await tcpProbe(a1, '10.0.0.12', 22), undefined, 'without the rule a new connection is refused');
    assert.ok(pings(a1, '10.0.0.12'), 'the other rules still hold');

    t = Date.now();
    await h2.apply(plan2());
    console.log(`# rule re-add applied in ${Date.now() - t} ms`);
    assert.equal(await tcpProbe(a1, '10.0.0.12', 22), '10.0.0.11');

    // An empty rule list with port security on drops everything; port security off passes everything.
    await h2.apply(plan2({ a2: { rules: [] } }));
    assert.ok(!pings(a1, '10.0.0.12'));
    await h2.apply(plan2({ a2: { rules: [], portSecurity: false } }));
    assert.equal(await tcpProbe(servers.a3!.ns, '10.0.0.12', 2222), '10.0.0.14');
    // A port set administratively down passes nothing, and is not reported active.
    const down = await h2.apply(plan2({ a2: { adminStateUp: false } }));
    assert.ok(!pings(a1, '10.0.0.12'));
    assert.ok(down.activePorts.includes(ports.a2!.id), 'its plumbing is in place (the network service shows it DOWN from admin_state_up)');
    await h2.apply(plan2());
    assert.ok(pings(a1, '10.0.0.12'));
  });

  test('changes only: what a plan changed is applied, the rest is trusted until a full pass', async () => {
    const a1 = servers.a1!.ns;
    const segB = segmentNamespace(bed.hosts[1]!.layout, NET_B);
    const tables = (): string => sh('ip', ['netns', 'exec', segB, 'nft', 'list', 'tables']);
    await h2.apply(plan2());
    // A rule change re-renders the port's segment; an administrative state change reaches its link.
    await h2.apply(plan2({ a2: { rules: rulesA().filter((r) => r.id !== ssh.id) } }), { changesOnly: true });
    assert.equal(await tcpProbe(a1, '10.0.0.12', 22), undefined, 'the removed rule is gone');
    await h2.apply(plan2({ a2: { adminStateUp: false } }), { changesOnly: true });
    assert.ok(!pings(a1, '10.0.0.12'), 'the port is down');
    await h2.apply(plan2(), { changesOnly: true });
    assert.equal(await tcpProbe(a1, '10.0.0.12', 22), '10.0.0.11', 'up again, with its rules');

    // Damage to a segment the plan did not change waits for the full pass.
    assert.match(tables(), /netplane/);
    sh('ip', ['netns', 'exec', segB, 'nft', 'delete', 'table', 'bridge', 'netplane']);
    await h2.apply(plan2(), { changesOnly: true });
    assert.doesNotMatch(tables(), /bridge netplane/, 'an unchanged segment is not looked at');
    await h2.apply(plan2());
    assert.match(tables(), /bridge netplane/, 'the full pass puts it back');

    // A port unplugged and plugged again between passes is reported as it is, with no segment pass.
    await h2.unplugServerPort(ports.b2!.id);
    assert.ok(!(await h2.apply(plan2(), { changesOnly: true })).activePorts.includes(ports.b2!.id));
    await h2.plugServerPort(ports.b2!, servers.b2!.pid, 'eth0');
    assert.ok((await h2.apply(plan2(), { changesOnly: true })).activePorts.includes(ports.b2!.id));
    assert.ok(pings(servers.b2!.ns, '10.0.0.11'));
  });

  test('an unplugged port is gone from the server and the segment; plugged again, it works', async () => {
    // The bridge keeps its own MAC while ports come and go (left to itself it takes its lowest port's).
    const brMac = (): string => JSON.parse(sh('ip', ['-j', '-n', segmentNamespace(bed.hosts[0]!.layout, NET_B), 'link', 'show', 'br0']))[0].address as string;
    assert.equal(brMac(), bridgeMac(NET_B));
    await h1.unplugServerPort(ports.b1!.id);
    assert.doesNotMatch(sh('ip', ['-n', servers.b1!.ns, 'link', 'show']), /eth0/);
    assert.ok(!(await h1.apply(plan1())).activePorts.includes(ports.b1!.id));
    assert.equal(brMac(), bridgeMac(NET_B));
    await h1.plugServerPort(ports.b1!, servers.b1!.pid, 'eth0');
    assert.ok((await h1.apply(plan1())).activePorts.includes(ports.b1!.id));
    assert.equal(brMac(), bridgeMac(NET_B));
    assert.ok(pings(servers.b1!.ns, '10.0.0.13'));
  });

  test('router: servers on both hosts reach the external segment, SNATed to the gateway or their floating IP', async () => {
    const extNs = segmentNamespace(bed.hosts[0]!.layout, NET_EXT);
    await ready(bed.spawnIn(extNs, [process.execPath, '-e', ECHO_PEER, '8080']));
    assert.ok(pings(servers.a1!.ns, `${ext}.1`));
    assert.equal(await tcpProbe(servers.a1!.ns, `${ext}.1`, 8080), `${ext}.10`, 'a1 leaves as the router gateway');
    assert.equal(await tcpProbe(servers.a2!.ns, `${ext}.1`, 8080), `${ext}.50`, 'a2 (host 2, through the router on host 1) leaves as its floating IP');
    assert.ok(!pings(servers.b1!.ns, `${ext}.1`), 'tenant B has no router');
    assert.equal(await tcpProbe(servers.a1!.ns, `${ext}.50`, 22), '10.0.0.1', 'a server reaches another through its floating IP (hairpin, via the router)');

    // Static routes become kernel routes in the router's namespace, and go with the plan's.
    const ns = routerNamespace(bed.hosts[0]!.layout, router.id);
    const plain = router;
    router = { ...plain, routes: [{ destination: '10.9.0.0/24', nexthop: '10.0.0.14' }] };
    try {
      assert.deepEqual((await h1.apply(plan1())).errors ?? [], []);
      assert.match(sh('ip', ['-n', ns, 'route', 'show']), /10\.9\.0\.0\/24 via 10\.0\.0\.14 dev qr/);
    } finally {
      router = plain;
    }
    await h1.apply(plan1());
    assert.doesNotMatch(sh('ip', ['-n', ns, 'route', 'show']), /10\.9\.0\.0/);
    assert.match(sh('ip', ['-n', ns, 'route', 'show']), new RegExp(`default via ${ext.replace(/\./g, '\\.')}\\.1 dev qg`));
  });

  test('floating IP: the root namespace reaches the server through it', async () => {
    assert.ok(pings(undefined, `${ext}.50`));
    const seen = await tcpProbe(undefined, `${ext}.50`, 22);
    assert.match(seen ?? '', /^169\.254\./, 'the server sees the machine\'s uplink address, un-NATed');
    assert.match(sh('ip', ['route', 'show', 'dev', uplinkLink(bed.hosts[0]!.layout)]), new RegExp(`${ext.replace(/\./g, '\\.')}\\.50 via`));
  });

  test('apply rebuilds what was deleted by hand, and removes what an interrupted pass left', async () => {
    const l1 = bed.hosts[0]!.layout;
    const l2 = bed.hosts[1]!.layout;
    sh('ip', ['netns', 'delete', segmentNamespace(l2, NET_A)]);
    sh('ip', ['netns', 'delete', routerNamespace(l1, router.id)]);
    sh('ip', ['-n', segmentNamespace(l1, NET_A), 'link', 'del', 'vx1001']);
    // Left by a pass killed between making a VXLAN device and moving it, and a bridge port nobody owns.
    sh('ip', ['-n', l1.hostNamespace, 'link', 'add', 'vx4242', 'type', 'vxlan', 'id', '4242', 'local', bed.hosts[0]!.vtep, 'dstport', '4789']);
    sh('ip', ['-n', segmentNamespace(l1, NET_B), 'link', 'add', 'fp0123456789', 'type', 'veth', 'peer', 'name', 'x0']);
    const r1 = await h1.apply(plan1());
    const r2 = await h2.apply(plan2());
    assert.deepEqual([...(r1.errors ?? []), ...(r2.errors ?? [])], []);
    assert.ok(!r2.activePorts.includes(ports.a2!.id), 'a2 went with its segment: down until its server is plugged again');
    assert.doesNotMatch(sh('ip', ['-n', l1.hostNamespace, 'link', 'show']), /vx4242/);
    assert.doesNotMatch(sh('ip', ['-n', segmentNamespace(l1, NET_B), 'link', 'show']), /fp0123456789/);
    await h2.plugServerPort(ports.a2!, servers.a2!.pid, 'eth0');
    assert.ok((await h2.apply(plan2())).activePorts.includes(ports.a2!.id));
    assert.ok(pings(servers.a1!.ns, '10.0.0.12'));
    assert.equal(await tcpProbe(undefined, `${ext}.50`, 22) !== undefined, true, 'the floating IP works again');
  });

  test('a pass killed (SIGKILL) at any moment is finished by the next', async () => {
    const layout = bed.hosts[0]!.layout;
    const file = path.join(os.tmpdir(), `fl-netplane-plan-${process.pid}.json`);
    const here = (rel: string): string => new URL(rel, import.meta.url).href;
    // Another process tears host 1 down and builds it again, over and over, until it is killed.
    const script = [
      `import { NetPlane } from '${here('./netplane.js')}';`,
      `import { agentLayout } from '${here('../layout.js')}';`,
      `import { silentLogger } from '${here('../../platform/log.js')}';`,
      "import fs from 'node:fs';",
      'const plan = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));',
      'const p = new NetPlane(agentLayout(process.argv[2]), silentLogger());',
      'console.log("go");',
      'for (;;) { await p.destroy(); await p.apply(plan); }',
    ].join('\n');
    try {
      for (const delay of [0, 40, 90, 150, 240, 400]) {
        fs.writeFileSync(file, JSON.stringify(plan1()));
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, layout.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        await ready(child);
        await new Promise((r) => setTimeout(r, delay));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const r = await h1.apply(plan1());
        assert.deepEqual(r.errors ?? [], [], `after a kill at ${delay} ms`);
        assert.deepEqual(r.activeRouters, [router.id]);
      }
      for (const name of ['a1', 'a3', 'b1'] as const) await h1.plugServerPort(ports[name]!, servers[name]!.pid, 'eth0');
      assert.equal(new Set((await h1.apply(plan1())).activePorts).size, 5);
      assert.ok(pings(servers.a1!.ns, '10.0.0.12'));
      assert.ok(pings(servers.b1!.ns, '10.0.0.13'));
      assert.equal(await tcpProbe(undefined, `${ext}.50`, 22) !== undefined, true);
      assert.ok(pings(servers.a1!.ns, `${ext}.1`), 'through the router, rebuilt');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('an empty plan leaves nothing with the tag', async () => {
    for (const [plane, host] of [[h1, bed.hosts[0]!], [h2, bed.hosts[1]!]] as const) {
      const r = await plane.apply({ revision: revision++, host: 'x', endpoint: host.vtep, networks: [], ports: [], routers: [] });
      assert.deepEqual(r, { revision: revision - 1, activePorts: [], activeRouters: [] });
      const mine = [...namespaces()].filter((n) => n.startsWith(segmentPrefix(host.layout)) || n.startsWith(routerPrefix(host.layout)));
      assert.deepEqual(mine, []);
      assert.equal(spawnSync('ip', ['link', 'show', uplinkLink(host.layout)]).status !== 0, true, 'no uplink in the root namespace');
      assert.doesNotMatch(sh('ip', ['-n', host.layout.hostNamespace, 'link', 'show']), /vx\d/);
    }
    assert.doesNotMatch(sh('nft', ['list', 'tables']), /netplane/);
    assert.doesNotMatch(sh('ip', ['route', 'show']), new RegExp(`${ext.replace(/\./g, '\\.')}\\.`));
  });
});
