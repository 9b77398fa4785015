/**
 * The metadata service against the real kernel and Debian's haproxy: two hosts simulated on this machine
 * (testbed.ts), a network with a VNI on both, a stand-in server on each; each host's data plane runs a
 * proxy in its segment and each host's metadata server answers from its own server specs. A server gets
 * its own documents from 169.254.169.254 (never the other host's), a spoofed source gets nothing, an
 * unknown one a 404; the proxies are started once, restarted when killed or when their namespace was
 * rebuilt, kept across a new NetPlane (an agent restart), stopped with their segment and by destroy.
 * Skipped, with the reason printed, without root, nft or haproxy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { ServerSpec } from '../../compute/agent-protocol.js';
import type { HostNetworkPlan, NetworkPlan, PortPlan } from '../../network/agent-protocol.js';
import { silentLogger } from '../../platform/log.js';
import { run } from '../command.js';
import { processAlive } from '../netns.js';
import { findServer, startMetadataServer } from '../metadata-server.js';
import { metadataProxyUnavailable, proxyUser, runningProxies } from './metadata-proxy.js';
import { NetPlane } from './netplane.js';
import { metadataProxyStem, metadataSocket, segmentNamespace } from './names.js';
import { Testbed, netplaneUnavailable, type TestServer } from './testbed.js';

const why = netplaneUnavailable() ?? metadataProxyUnavailable();
if (why) console.log(`# metadata service tests skipped: ${why}`);

const mac = (): string => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const sh = (cmd: string, args: string[]): string => spawnSync(cmd, args, { encoding: 'utf8' }).stdout;

/** GET http://169.254.169.254<path> from inside `ns` (from `from` if given): status and body, or an error text. */
async function fetchIn(ns: string, urlPath: string, from?: string): Promise<{ status: number; body: string } | string> {
  const script = `const r=require('http').get({host:'169.254.169.254',port:80,path:process.argv[1],timeout:1500${from ? `,localAddress:'${from}'` : ''}},(res)=>{let b='';res.setEncoding('utf8').on('data',(d)=>b+=d).on('end',()=>{console.log(JSON.stringify({status:res.statusCode,body:b}));})});r.on('timeout',()=>{r.destroy();console.log(JSON.stringify('timeout'))});r.on('error',(e)=>console.log(JSON.stringify(e.code||e.message)))`;
  const out = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script, urlPath]);
  return JSON.parse(out.trim().split('\n').pop()!) as { status: number; body: string } | string;
}

async function get(ns: string, urlPath: string, from?: string): Promise<{ status: number; body: string }> {
  const r = await fetchIn(ns, urlPath, from);
  if (typeof r === 'string') assert.fail(`GET ${urlPath} from ${ns}: ${r}`);
  return r;
}

describe('metadata service at 169.254.169.254', { skip: why, concurrency: false }, () => {
  let bed: Testbed;
  let h1: NetPlane;
  let h2: NetPlane;
  const NET = randomUUID();
  const SUB = randomUUID();
  const servers: Record<string, TestServer> = {};
  const ports: Record<string, PortPlan> = {};
  const specs: Record<string, ServerSpec> = {};
  const metadataServers: http.Server[] = [];
  /** Every lookup the hosts' metadata servers made, as `<host index>:<source address>`. */
  const asked: string[] = [];
  let revision = 1;

  function serverPort(address: string): PortPlan {
    return {
      id: randomUUID(), networkId: NET, mac: mac(), fixedIps: [{ subnetId: SUB, address, prefixLength: 24, gateway: '10.0.0.1' }],
      deviceOwner: 'compute:nova', deviceId: randomUUID(), adminStateUp: true, portSecurity: true, allowedAddressPairs: [],
      rules: [{ id: randomUUID(), direction: 'egress', ethertype: 'IPv4' }],
    };
  }

  function spec(name: string, port: PortPlan, over: Partial<ServerSpec> = {}): ServerSpec {
    return {
      id: port.deviceId, projectId: 'p1', userId: 'u1', name, hostname: `${name}.example`, generation: 1, power: 'running',
      image: { id: randomUUID() }, flavor: { id: 'f1', name: 'm1.small', vcpus: 1, ramMb: 256, diskGb: 1, extraSpecs: {} },
      keyData: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${name} k@test`, keyName: 'k', metadata: { role: name },
      availabilityZone: 'nova', launchIndex: 0, rebootCount: 0, rebuildCount: 0,
      ports: [{ id: port.id, source: 'neutron', mac: port.mac, ip: port.fixedIps[0]!.address, prefixLength: 24, gateway: '10.0.0.1', networkId: NET, cidr: '10.0.0.0/24', mtu: 1450 }],
      ...over,
    };
  }

  function network(remote: { endpoint: string; ports: PortPlan[] }): NetworkPlan {
    return {
      id: NET, vni: 1101, mtu: 1450, external: false,
      subnets: [{ id: SUB, cidr: '10.0.0.0/24', gateway: '10.0.0.1', hostRoutes: [], dnsNameservers: [] }],
      remoteEndpoints: [remote.endpoint], remotePorts: remote.ports.map((p) => ({ mac: p.mac, endpoint: remote.endpoint })),
    };
  }

  /** Host 1: s1 and s3 (s3 unknown to compute); host 2: s2, at the same address as nothing on host 1. */
  const plan1 = (portsHere = [ports.s1!, ports.s3!]): HostNetworkPlan => ({
    revision: revision++, host: 'h1', endpoint: bed.hosts[0]!.vtep, networks: [network({ endpoint: bed.hosts[1]!.vtep, ports: [ports.s2!] })], ports: portsHere, routers: [],
  });
  const plan2 = (): HostNetworkPlan => ({
    revision: revision++, host: 'h2', endpoint: bed.hosts[1]!.vtep, networks: [network({ endpoint: bed.hosts[0]!.vtep, ports: [ports.s1!, ports.s3!] })], ports: [ports.s2!], routers: [],
  });
  const proxies = (i: number): number[] => runningProxies(bed.hosts[i]!.layout).get(metadataProxyStem(bed.hosts[i]!.layout, NET)) ?? [];

  before(async () => {
    bed = new Testbed();
    await bed.start(2);
    h1 = new NetPlane(bed.hosts[0]!.layout, silentLogger());
    h2 = new NetPlane(bed.hosts[1]!.layout, silentLogger());
    ports.s1 = serverPort('10.0.0.11');
    ports.s2 = serverPort('10.0.0.12');
    ports.s3 = serverPort('10.0.0.13');
    specs.s1 = spec('s1', ports.s1, { userData: '#!/bin/sh\necho hello from s1\n' });
    specs.s2 = spec('s2', ports.s2, { launchIndex: 2 });
    // Known to host 1's agent but not plugged anywhere: nobody answers for 10.0.0.14 but a spoofer.
    specs.s4 = spec('s4', serverPort('10.0.0.14'));
    for (const name of ['s1', 's2', 's3']) servers[name] = await bed.server(name);
    // Each host's agent answers from its own desired servers (s3's is not among them).
    const gid = proxyUser()?.gid;
    for (const [i, mine] of [[0, [specs.s1, specs.s4]], [1, [specs.s2]]] as const) {
      metadataServers.push(await startMetadataServer(metadataSocket(bed.hosts[i]!.layout), {
        find: (networkId, address) => {
          asked.push(`${i}:${address}`);
          const found = findServer(mine, networkId, address);
          return found && { ...found, address, ...(i === 0 ? { floatingIp: '198.51.100.7' } : {}) };
        },
      }, gid));
    }
  });

  after(async () => {
    for (const s of metadataServers) { s.closeAllConnections(); s.close(); }
    await h1?.destroy().catch(() => {});
    await h2?.destroy().catch(() => {});
    for (const h of bed?.hosts ?? []) fs.rmSync(path.dirname(metadataSocket(h.layout)), { recursive: true, force: true });
    await bed?.cleanup();
  });

  test('each server gets its own documents from its own host', async () => {
    assert.deepEqual([...((await h1.apply(plan1())).errors ?? []), ...((await h2.apply(plan2())).errors ?? [])], []);
    for (const [name, plane] of [['s1', h1], ['s3', h1], ['s2', h2]] as const) await plane.plugServerPort(ports[name]!, servers[name]!.pid, 'eth0');
    assert.equal(proxies(0).length, 1, 'one proxy on host 1');
    assert.equal(proxies(1).length, 1, 'one proxy on host 2');
    const seg = segmentNamespace(bed.hosts[0]!.layout, NET);
    assert.match(sh('ip', ['-n', seg, 'addr', 'show', 'br0']), /inet 169\.254\.169\.254\/32/);

    const md = await get(servers.s1!.ns, '/openstack/latest/meta_data.json');
    assert.equal(md.status, 200);
    const doc = JSON.parse(md.body) as Record<string, unknown>;
    assert.equal(doc.uuid, specs.s1!.id);
    assert.equal(doc.name, 's1');
    assert.equal(doc.hostname, 's1.example');
    assert.deepEqual(doc.meta, { role: 's1' });
    assert.equal((await get(servers.s1!.ns, '/openstack/latest/user_data')).body, '#!/bin/sh\necho hello from s1\n');
    assert.equal((await get(servers.s1!.ns, '/openstack/2012-08-10/meta_data.json')).status, 200, 'a dated version is an alias');
    assert.equal((JSON.parse((await get(servers.s1!.ns, '/openstack/latest/network_data.json')).body) as { networks: Array<{ ip_address: string }> }).networks[0]!.ip_address, '10.0.0.11');
    assert.equal((await get(servers.s1!.ns, '/latest/meta-data/hostname')).body, 's1.example');
    assert.equal((await get(servers.s1!.ns, '/latest/meta-data/local-ipv4')).body, '10.0.0.11');
    assert.equal((await get(servers.s1!.ns, '/latest/meta-data/public-ipv4')).body, '198.51.100.7');
    assert.match((await get(servers.s1!.ns, '/latest/meta-data/public-keys/0/openssh-key')).body, /AAAAIs1 k@test/);
    assert.match((await get(servers.s1!.ns, '/latest/meta-data/instance-id')).body, /^i-[0-9a-f]{8}$/);

    // s2 is on the same network on host 2: its host's proxy answers, with its documents.
    const md2 = JSON.parse((await get(servers.s2!.ns, '/openstack/latest/meta_data.json')).body) as Record<string, unknown>;
    assert.equal(md2.uuid, specs.s2!.id);
    assert.equal(md2.launch_index, 2);
    assert.equal((await get(servers.s2!.ns, '/openstack/latest/user_data')).status, 404, 'no user_data: 404');
    assert.equal((await get(servers.s2!.ns, '/latest/meta-data/ami-launch-index')).body, '2');
    // No ARP answer for the metadata address came over VXLAN: s2 knows only its own host's bridge.
    const brMac = JSON.parse(sh('ip', ['-j', '-n', segmentNamespace(bed.hosts[1]!.layout, NET), 'link', 'show', 'br0']))[0].address as string;
    assert.match(sh('ip', ['-n', servers.s2!.ns, 'neigh', 'show', '169.254.169.254']), new RegExp(brMac));

    assert.equal((await get(servers.s3!.ns, '/openstack/latest/meta_data.json')).status, 404, 'a source no desired server has: 404');
  });

  test('a spoofed source address gets no answer', async () => {
    const ns = servers.s3!.ns;
    sh('ip', ['-n', ns, 'addr', 'add', '10.0.0.14/32', 'dev', 'eth0']);
    try {
      asked.length = 0;
      const r = await fetchIn(ns, '/openstack/latest/meta_data.json', '10.0.0.14');
      assert.equal(typeof r, 'string', `s3 posing as s4 must not get s4's documents: ${JSON.stringify(r)}`);
      assert.deepEqual(asked, [], 'the spoofed request never reached the proxy (dropped at the bridge)');
    } finally {
      sh('ip', ['-n', ns, 'addr', 'del', '10.0.0.14/32', 'dev', 'eth0']);
    }
    assert.equal((await get(servers.s1!.ns, '/latest/meta-data/hostname')).body, 's1.example');
  });

  test('proxies are kept, restarted when dead or in a rebuilt namespace, and kept across a new NetPlane', async () => {
    const [pid] = proxies(0);
    await h1.apply(plan1());
    assert.deepEqual(proxies(0), [pid], 'another pass keeps the running proxy');
    const restarted = new NetPlane(bed.hosts[0]!.layout, silentLogger());
    await restarted.apply(plan1());
    assert.deepEqual(proxies(0), [pid], 'an agent restart starts no second one');

    process.kill(pid!, 'SIGKILL');
    for (let i = 0; i < 50 && proxies(0).includes(pid!); i++) await new Promise((r) => setTimeout(r, 20));
    await h1.apply(plan1());
    assert.equal(proxies(0).length, 1);
    assert.notEqual(proxies(0)[0], pid, 'a killed proxy is started again');

    // A segment deleted by hand comes back with a new proxy (the old one held the old namespace).
    const old = proxies(0)[0];
    sh('ip', ['netns', 'delete', segmentNamespace(bed.hosts[0]!.layout, NET)]);
    await h1.apply(plan1());
    await h1.plugServerPort(ports.s1!, servers.s1!.pid, 'eth0');
    assert.equal(proxies(0).length, 1);
    assert.notEqual(proxies(0)[0], old);
    assert.ok(!processAlive(old!), 'the old proxy is gone');
    assert.equal((await get(servers.s1!.ns, '/latest/meta-data/hostname')).body, 's1.example');
  });

  test('a segment without servers has no proxy; destroy leaves none', async () => {
    // Only a router-like port left on host 1's network: no metadata there.
    await h1.apply(plan1([{ ...ports.s1!, deviceOwner: 'network:router_interface' }]));
    assert.deepEqual(proxies(0), []);
    assert.doesNotMatch(sh('ip', ['-n', segmentNamespace(bed.hosts[0]!.layout, NET), 'addr', 'show', 'br0']), /169\.254\.169\.254/);
    assert.doesNotMatch(sh('ip', ['-n', segmentNamespace(bed.hosts[0]!.layout, NET), 'route', 'show']), /default/);
    await h2.destroy();
    assert.deepEqual(proxies(1), []);
  });
});
