/**
 * Tenant isolation on the real data plane (issue 5, item 2): two projects A and B, each with a member
 * who creates a network `net` with the same subnet 10.0.0.0/24, and busybox servers on two hosts (the
 * cloud's own h1 and a standalone agent h2, as on another machine), placed by anti-affinity groups:
 *
 *   A: a1 10.0.0.10, a2 10.0.0.11 (group, so a1 and a2 are on different hosts), a3 10.0.0.12 (anywhere)
 *   B: b1 10.0.0.20, b2 10.0.0.11 (group): 10.0.0.11 lives in both tenants at once
 *
 * Each project's default security group also admits ICMP and TCP from 10.0.0.0/24, so a packet from the
 * other tenant's 10.0.0.x would pass the firewall if it ever arrived: what keeps tenants apart is the
 * network (one VXLAN VNI and one segment per network), not a security group rule. Within a tenant the
 * group's own remote-group rule would let the traffic in as well.
 *
 * The matrix runs, inside every server, ICMP ping, a TCP connect to a listener on every other server
 * (`nc` answering with its hostname, so for 10.0.0.11 it shows *which* server answered) and arping, and
 * reads the neighbour entry the probes left: everything passes within a tenant, on one host and across
 * hosts (over VXLAN: FDB entries to the other host's endpoint, the tunnel's packet counters move), and
 * nothing passes between tenants; no server's neighbour table ever holds another tenant's MAC.
 *
 * Port security: a1 (with extra privileges, as root in a VM would have them) adds 10.0.0.99 and pings
 * from it, changes its MAC, and sends gratuitous ARP claiming a3's address; the targets never see any of
 * it (their ICMP counters and neighbour tables say so). An allowed address pair for 10.0.0.99 on a1's
 * port then lets the same ping through, and removing it blocks it again; as a control, an allowed pair for
 * a3's address lets the same gratuitous ARP move a2's neighbour entry (so the check can see a takeover).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { containerName, type AgentLayout } from '../src/agent/layout.js';
import { listNamespaces } from '../src/agent/netns.js';
import { segmentNamespace, vxlanLink } from '../src/agent/netplane/names.js';
import { UNDERLAY_HOST_LINK } from '../src/agent/underlay.js';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { HostAgentProcess } from './support/host-agent.js';
import { openstack, openstackJson } from './support/cli.js';
import { cleanupHost, computeUnavailable, hostLayout, type RunResult } from './support/compute.js';

const HOSTS = ['h1', 'h2'] as const;
type Host = (typeof HOSTS)[number];
const HOST_KEY = 'OS-EXT-SRV-ATTR:host';
const TCP_PORT = 7000;
const SPOOF_IP = '10.0.0.99';

const skip = computeUnavailable('nft', 'bridge', 'nsenter', 'busybox');
if (skip) console.log(`# network isolation test skipped: ${skip}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Row = Record<string, any>;

type Tenant = 'A' | 'B';
interface ServerWant { name: string; tenant: Tenant; ip: string; group: boolean }
const SERVERS: readonly ServerWant[] = [
  { name: 'a1', tenant: 'A', ip: '10.0.0.10', group: true },
  { name: 'a2', tenant: 'A', ip: '10.0.0.11', group: true },
  { name: 'a3', tenant: 'A', ip: '10.0.0.12', group: false },
  { name: 'b1', tenant: 'B', ip: '10.0.0.20', group: true },
  { name: 'b2', tenant: 'B', ip: '10.0.0.11', group: true },
];

interface Server extends ServerWant { id: string; host: Host; portId: string; mac: string; pid: number }

function run(file: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await sleep(300);
  }
}

describe('network isolation matrix: two tenants with the same CIDR on two hosts', { skip, concurrency: false }, () => {
  const t0 = Date.now();
  const since = (t = t0): string => ((Date.now() - t) / 1000).toFixed(1);
  const step = (what: string): void => console.log(`# ${since()} s: ${what}`);
  let cloud: TestCloud | undefined;
  let dataDir = '';
  const h2 = new HostAgentProcess(() => cloud!, 'h2');
  const layouts = {} as Record<Host, AgentLayout>;
  const env = {} as Record<Tenant, Record<string, string>>;
  const netId = {} as Record<Tenant, string>;
  const servers: Server[] = [];
  const byName = (name: string): Server => servers.find((s) => s.name === name)!;



  /** Runs a command inside a server through its host's engine (`docker exec`), with the server's own privileges. */
  function inServer(s: Server, cmd: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    return run('docker', ['-H', `unix://${layouts[s.host].engine.socket}`, 'exec', containerName(s.id), ...cmd], opts.timeoutMs ?? 20_000);
  }

  /**
   * Runs one of this machine's commands in the server's network namespace with every capability, as root in
   * a VM could act on its own interfaces (a server's container has no CAP_NET_ADMIN, and `docker exec
   * --privileged` cannot add it: the runtime's capset fails).
   */
  function asServerRoot(s: Server, cmd: string[]): Promise<RunResult> {
    return run('nsenter', ['-t', String(s.pid), '-n', ...cmd], 20_000);
  }

  async function must(what: string, r: Promise<RunResult>): Promise<string> {
    const res = await r;
    if (res.code !== 0) throw new Error(`${what}: exit ${res.code}: ${res.stderr}`);
    return res.stdout;
  }
  const mustInServer = (s: Server, cmd: string[]): Promise<string> => must(`${s.name}: ${cmd.join(' ')}`, inServer(s, cmd));
  const mustAsRoot = (s: Server, cmd: string[]): Promise<string> => must(`${s.name} (as root): ${cmd.join(' ')}`, asServerRoot(s, cmd));

  /** The server's IPv4 neighbour entries on eth0: address → { mac (absent while unresolved), state }. */
  async function neighbours(s: Server): Promise<Map<string, { mac?: string; state: string }>> {
    const out = await mustInServer(s, ['ip', '-4', 'neigh', 'show', 'dev', 'eth0']);
    const m = new Map<string, { mac?: string; state: string }>();
    for (const line of out.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (!f[0]) continue;
      const i = f.indexOf('lladdr');
      m.set(f[0], { ...(i >= 0 ? { mac: f[i + 1]!.toLowerCase() } : {}), state: f[f.length - 1]! });
    }
    return m;
  }

  /** ICMP echo requests the server's kernel has received (its namespace's /proc/net/snmp). */
  async function inEchos(s: Server): Promise<number> {
    const lines = (await mustInServer(s, ['cat', '/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Icmp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('InEchos')]);
  }

  /** As root in `s`, gratuitous ARP (unsolicited request, then reply) saying `ip` is at s's MAC. */
  async function claim(s: Server, ip: string): Promise<void> {
    await mustAsRoot(s, ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    await asServerRoot(s, ['busybox', 'arping', '-U', '-c', '2', '-I', 'eth0', '-s', ip, ip]);
    await asServerRoot(s, ['busybox', 'arping', '-A', '-c', '2', '-I', 'eth0', '-s', ip, ip]);
    await mustAsRoot(s, ['ip', 'addr', 'del', `${ip}/32`, 'dev', 'eth0']);
  }

  const ping = async (s: Server, target: string, from?: string): Promise<boolean> =>
    (await inServer(s, ['ping', '-c', '3', '-i', '0.3', '-W', '2', ...(from ? ['-I', from] : []), target])).code === 0;

  before(async () => {
    cloud = await startTestCloud({ env: { FLOTILLA_COMPUTE_HOST: 'h1', FLOTILLA_BASE_IMAGES: 'busybox' }, timeoutMs: 300_000 });
    dataDir = cloud.dataDir;
    for (const h of HOSTS) layouts[h] = hostLayout(dataDir, h);
    await h2.start();
    step('cloud with host h1 and agent h2 running');
  });

  after(async () => {
    try {
      await h2.stop();
      await cloud?.stop();
    } finally {
      if (dataDir) {
        for (const h of HOSTS) await cleanupHost(hostLayout(dataDir, h));
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      console.log(`# network isolation test: ${since()} s in all`);
    }
  });

  it('two projects, the same 10.0.0.0/24, five servers on two hosts, every port ACTIVE', { timeout: 300_000 }, async () => {
    const admin = cloud!.cliEnv;
    await until('both hosts are up as compute services and have tunnel endpoints', 60_000, async () => {
      const up = (await openstackJson<Row[]>(admin, 'compute', 'service', 'list')).filter((s) => s.Binary === 'nova-compute' && s.State === 'up').map((s) => s.Host);
      const agents = (await openstackJson<Row[]>(admin, 'network', 'agent', 'list')).map((a) => a.Host);
      return HOSTS.every((h) => up.includes(h) && agents.includes(h)) ? true : undefined;
    });

    // Both tenants in parallel: the admin makes the project and its member; the member makes the network,
    // the rules, an anti-affinity group and the servers (compute places one server at a time, so creates
    // in parallel still honour the group).
    const ids = new Map<string, string>();
    await Promise.all((['A', 'B'] as const).map(async (tenant) => {
      const project = `iso-${tenant.toLowerCase()}`;
      const user = `${project}-member`;
      const made = await Promise.all([openstack(admin, 'project', 'create', project), openstack(admin, 'user', 'create', '--password', `${user}-pw`, user)]);
      for (const r of made) assert.equal(r.code, 0, r.stderr);
      assert.equal((await openstack(admin, 'role', 'add', '--project', project, '--user', user, 'member')).code, 0);
      const e = env[tenant] = {
        OS_AUTH_URL: cloud!.identityUrl, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: user, OS_PASSWORD: `${user}-pw`,
        OS_PROJECT_NAME: project, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'public',
      };
      netId[tenant] = (await openstackJson(e, 'network', 'create', 'net')).id as string;
      const [subnet, group] = await Promise.all([
        openstackJson(e, 'subnet', 'create', '--network', 'net', '--subnet-range', '10.0.0.0/24', 'subnet'),
        openstackJson(e, 'server', 'group', 'create', '--policy', 'anti-affinity', 'apart'),
        ...['icmp', 'tcp'].map((proto) => openstackJson(e, 'security', 'group', 'rule', 'create', '--ingress', '--protocol', proto, '--remote-ip', '10.0.0.0/24', 'default')),
      ]);
      assert.equal(subnet.cidr, '10.0.0.0/24');
      step(`${tenant}: project, member, network ${netId[tenant]} with 10.0.0.0/24, rules, group`);
      await Promise.all(SERVERS.filter((s) => s.tenant === tenant).map(async (want) => {
        const s = await openstackJson(e, 'server', 'create', '--image', 'busybox', '--flavor', 'm1.tiny',
          '--nic', `net-id=${netId[tenant]},v4-fixed-ip=${want.ip}`, ...(want.group ? ['--hint', `group=${group.id}`] : []), want.name);
        ids.set(want.name, s.id as string);
      }));
    }));
    const t = Date.now();
    step('five servers requested');
    const listed = await until('every server ACTIVE', 180_000, async () => {
      const all = await openstackJson<Row[]>(admin, 'server', 'list', '--all-projects', '--long');
      const error = all.find((s) => s.Status === 'ERROR');
      if (error) throw new Error(`${error.Name} went to ERROR: ${JSON.stringify(await openstackJson(admin, 'server', 'show', error.ID))}`);
      return all.length === SERVERS.length && all.every((s) => s.Status === 'ACTIVE') ? all : undefined;
    });
    step(`every server ACTIVE ${since(t)} s after the last request`);
    // Each server's port (the one address on its tenant's network), once the data plane plugged it.
    await Promise.all((['A', 'B'] as const).map(async (tenant) => {
      const mine = SERVERS.filter((s) => s.tenant === tenant);
      const ports = await until(`${tenant}'s ports ACTIVE`, 60_000, async () => {
        const list = await openstackJson<Row[]>(env[tenant], 'port', 'list', '--network', netId[tenant]);
        const found = mine.map((want) => list.find((p) => JSON.stringify(p['Fixed IP Addresses']).includes(`"${want.ip}"`)));
        return found.every((p) => p?.Status === 'ACTIVE') ? found.map((p) => p!) : undefined;
      });
      await Promise.all(mine.map(async (want, i) => {
        const id = ids.get(want.name)!;
        const row = listed.find((s) => s.ID === id)!;
        assert.match(JSON.stringify(row.Networks), new RegExp(`net.*"${want.ip.replace(/\./g, '\\.')}"`), `${want.name} shows its address: ${JSON.stringify(row.Networks)}`);
        const host = row.Host as Host;
        const pid = Number((await must('docker inspect', run('docker', ['-H', `unix://${layouts[host].engine.socket}`, 'inspect', '-f', '{{.State.Pid}}', containerName(id)], 20_000))).trim());
        servers.push({ ...want, id, host, portId: ports[i]!.ID as string, mac: String(ports[i]!['MAC Address']).toLowerCase(), pid });
      }));
    }));
    servers.sort((x, y) => x.name.localeCompare(y.name));
    for (const s of servers) console.log(`# ${s.name} (${s.tenant}) on ${s.host} at ${s.ip}, ${s.mac}, port ${s.portId}`);

    for (const [x, y] of [['a1', 'a2'], ['b1', 'b2']] as const) assert.notEqual(byName(x).host, byName(y).host, `${x} and ${y} are on different hosts (anti-affinity)`);
    const vni = {} as Record<Tenant, number>;
    await Promise.all((['A', 'B'] as const).map(async (t) => { vni[t] = Number((await openstackJson(admin, 'network', 'show', netId[t]))['provider:segmentation_id']); }));
    step(`VNIs: A ${vni.A}, B ${vni.B}`);
    assert.notEqual(vni.A, vni.B);

    await Promise.all(servers.map(async (s) => {
      const addr = await mustInServer(s, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.match(addr, new RegExp(`inet ${s.ip.replace(/\./g, '\\.')}/24`), `${s.name} has its address on eth0`);
      // A listener answering every connection with the server's hostname (its name).
      await must('docker exec -d', run('docker', ['-H', `unix://${layouts[s.host].engine.socket}`, 'exec', '-d', containerName(s.id), 'nc', '-ll', '-p', String(TCP_PORT), '-e', 'hostname'], 20_000));
      await until(`${s.name} listens on ${TCP_PORT}`, 10_000, async () => ((await mustInServer(s, ['netstat', '-ltn'])).includes(`:${TCP_PORT} `) ? true : undefined));
    }));

    // Cross-host traffic goes over VXLAN: on every host, each tenant's segment pins the MACs of that
    // tenant's servers on the other host to the other host's endpoint, and only those.
    const endpoint = {} as Record<Host, string>;
    for (const h of HOSTS) {
      const r = spawnSync('ip', ['-n', layouts[h].hostNamespace, '-4', '-j', 'addr', 'show', UNDERLAY_HOST_LINK], { encoding: 'utf8' });
      endpoint[h] = (JSON.parse(r.stdout) as Row[])[0]?.addr_info?.[0]?.local;
      assert.ok(endpoint[h], `${h} has a VTEP address on ${UNDERLAY_HOST_LINK}`);
    }
    step(`tunnel endpoints: h1 ${endpoint.h1}, h2 ${endpoint.h2}`);
    for (const h of HOSTS) {
      for (const t of ['A', 'B'] as const) {
        const ns = segmentNamespace(layouts[h], netId[t]);
        const remote = servers.filter((s) => s.tenant === t && s.host !== h);
        const entries = await until(`${ns}: FDB entries of ${t}'s remote servers`, 30_000, () => {
          const r = spawnSync('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', vxlanLink(vni[t])], { encoding: 'utf8' });
          if (r.status !== 0) return undefined;
          const list = (JSON.parse(r.stdout) as Row[]).filter((e) => e.dst !== undefined);
          return remote.every((s) => list.some((e) => e.mac === s.mac && e.dst === endpoint[s.host])) ? list : undefined;
        });
        const foreign = servers.filter((s) => s.tenant !== t).map((s) => s.mac);
        assert.ok(!entries.some((e) => foreign.includes(e.mac)), `${t}'s segment on ${h} knows no MAC of the other tenant`);
        console.log(`# ${h} segment of ${t} (vx${vni[t]}): ${remote.map((s) => `${s.name} ${s.mac} → ${s.host} ${endpoint[s.host]}`).join('; ') || 'no remote server'}`);
      }
    }
  });

  it('the isolation matrix: everything within a tenant, on one host and across hosts; nothing between tenants', { timeout: 180_000 }, async () => {
    assert.equal(servers.length, SERVERS.length, 'the servers were created');
    // Every address of any server, as a target; an address of the source's own tenant reaches that
    // tenant's server (10.0.0.11 is a2 for A, b2 for B); the others exist only in the other tenant.
    type Kind = 'same tenant, same host' | 'same tenant, other host (VXLAN)' | 'other tenant, same host' | 'other tenant, other host';
    interface Cell { src: Server; target: string; kind: Kind; answerer: Server; ping?: boolean; tcp?: string; arp?: boolean; neigh?: string; ok?: boolean }
    const targets = [...new Set(servers.map((s) => s.ip))].sort();
    const cells: Cell[] = [];
    for (const src of servers) {
      for (const ip of targets) {
        if (ip === src.ip) continue;
        const own = servers.find((s) => s.tenant === src.tenant && s.ip === ip);
        const answerer = own ?? servers.find((s) => s.ip === ip)!;
        const sameHost = answerer.host === src.host;
        const kind: Kind = own ? (sameHost ? 'same tenant, same host' : 'same tenant, other host (VXLAN)') : (sameHost ? 'other tenant, same host' : 'other tenant, other host');
        cells.push({ src, target: ip, kind, answerer });
      }
    }
    for (const k of ['same tenant, same host', 'same tenant, other host (VXLAN)', 'other tenant, same host', 'other tenant, other host'] as Kind[]) {
      assert.ok(cells.some((c) => c.kind === k), `the placement gives a pair for "${k}"`);
    }

    // The tunnel's counters, to show cross-host probes really cross it.
    const vxStats = (h: Host, t: Tenant): { rx: number; tx: number } => {
      const vni = spawnSync('ip', ['-n', segmentNamespace(layouts[h], netId[t]), '-j', '-d', 'link', 'show', 'type', 'vxlan'], { encoding: 'utf8' });
      const name = (JSON.parse(vni.stdout) as Row[])[0]?.ifname as string;
      const r = spawnSync('ip', ['-n', segmentNamespace(layouts[h], netId[t]), '-s', '-j', 'link', 'show', name], { encoding: 'utf8' });
      const s = (JSON.parse(r.stdout) as Row[])[0]?.stats64;
      return { rx: Number(s?.rx?.packets ?? 0), tx: Number(s?.tx?.packets ?? 0) };
    };
    const before = { A: vxStats('h1', 'A'), B: vxStats('h1', 'B') };

    const t = Date.now();
    // Sources in parallel, each source's probes one after another. A probe that is expected to pass
    // gets a second try (a busy machine); one that must fail gets one try of 3 packets over 2 s.
    await Promise.all(servers.map(async (src) => {
      for (const c of cells.filter((x) => x.src === src)) {
        const expect = c.kind.startsWith('same tenant');
        const tries = expect ? 2 : 1;
        for (let i = 0; i < tries && !c.arp; i++) c.arp = (await inServer(src, ['arping', '-f', '-c', '3', '-w', '2', '-I', 'eth0', c.target])).code === 0;
        for (let i = 0; i < tries && !c.ping; i++) c.ping = await ping(src, c.target);
        for (let i = 0; i < tries && !c.tcp; i++) {
          const r = await inServer(src, ['nc', '-w', '2', c.target, String(TCP_PORT)], { timeoutMs: 10_000 });
          c.tcp = r.code === 0 ? r.stdout.trim() : '';
        }
      }
    }));
    const probeTime = since(t);
    for (const src of servers) {
      const n = await neighbours(src);
      for (const c of cells.filter((x) => x.src === src)) {
        const e = n.get(c.target);
        c.neigh = e?.mac ? (e.mac === c.answerer.mac ? `${e.state} ${c.answerer.name}` : `${e.state} ${e.mac}!`) : (e ? e.state : 'none');
      }
      // No server ever learns a MAC of the other tenant, for any address.
      const foreign = new Map(servers.filter((s) => s.tenant !== src.tenant).map((s) => [s.mac, s.name]));
      for (const [ip, e] of n) assert.ok(!e.mac || !foreign.has(e.mac), `${src.name}'s neighbour ${ip} is ${foreign.get(e.mac!)}'s MAC ${e.mac}`);
    }
    const after = { A: vxStats('h1', 'A'), B: vxStats('h1', 'B') };

    const mark = (b: boolean | undefined): string => (b ? '✔' : '✘');
    for (const c of cells) {
      const expect = c.kind.startsWith('same tenant');
      const tcpOk = c.tcp === c.answerer.name;
      const neighOk = expect ? c.neigh!.endsWith(` ${c.answerer.name}`) : !/[0-9a-f]{2}:/.test(c.neigh!) && !c.neigh!.includes(c.answerer.name);
      c.ok = c.ping === expect && tcpOk === expect && c.arp === expect && neighOk;
    }
    const head = ['source', 'target', 'relation', 'ICMP', 'TCP (answered by)', 'ARP', 'neighbour entry', 'as expected'];
    const rows = cells.map((c) => [
      `${c.src.name} (${c.src.tenant}, ${c.src.host})`, `${c.target} (${c.answerer.name}, ${c.answerer.tenant}, ${c.answerer.host})`, c.kind,
      mark(c.ping), c.tcp ? `✔ ${c.tcp}` : '✘', mark(c.arp), c.neigh!, c.ok ? '✔' : '✘ !!',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((x, i) => x.padEnd(widths[i]!)).join(' │ ');
    console.log([
      `\nnetwork isolation matrix (probes inside each server; ${cells.length} pairs × ICMP, TCP :${TCP_PORT}, ARP in ${probeTime} s):`,
      line(head), widths.map((n) => '─'.repeat(n)).join('─┼─'), ...rows.map(line), '',
    ].join('\n'));
    console.log(`# VXLAN devices on h1 during the matrix: A's rx +${after.A.rx - before.A.rx}, tx +${after.A.tx - before.A.tx} packets; B's rx +${after.B.rx - before.B.rx}, tx +${after.B.tx - before.B.tx}`);

    assert.deepEqual(cells.filter((c) => !c.ok).map((c) => `${c.src.name} → ${c.target} (${c.kind})`), [], 'every cell as expected');
    // Cross-host pairs of both tenants probed from h1: its tunnels carried them both ways.
    for (const t of ['A', 'B'] as const) {
      assert.ok(after[t].tx > before[t].tx && after[t].rx > before[t].rx, `${t}'s VXLAN device on h1 carried the cross-host probes`);
    }
  });

  it('port security: another address, another MAC, gratuitous ARP for a neighbour never get through; an allowed address pair lets the address through', { timeout: 180_000 }, async () => {
    assert.equal(servers.length, SERVERS.length, 'the servers were created');
    const a1 = byName('a1');
    const a2 = byName('a2'); // on the other host
    const a3 = byName('a3');
    const results: Array<[string, string, string]> = [];
    const report = (what: string, got: string, ok: boolean): void => { results.push([what, got, ok ? '✔' : '✘ !!']); };
    try {
      // Control: from its own address a1 reaches a2.
      report(`a1 pings a2 (${a2.ip}) from its own ${a1.ip}`, (await ping(a1, a2.ip)) ? 'answered' : 'no answer', true);

      // 1. A second address that is not the port's.
      await mustAsRoot(a1, ['ip', 'addr', 'add', `${SPOOF_IP}/24`, 'dev', 'eth0']);
      let echos = await inEchos(a2);
      const spoofedPing = await ping(a1, a2.ip, SPOOF_IP);
      const seenEchos = (await inEchos(a2)) - echos;
      const learnt = (await neighbours(a2)).get(SPOOF_IP);
      report(`a1 adds ${SPOOF_IP}, pings a2 from it`, `${spoofedPing ? 'answered' : 'no answer'}; a2 received ${seenEchos} echo requests; a2's neighbour ${SPOOF_IP}: ${learnt ? `${learnt.state} ${learnt.mac ?? ''}` : 'none'}`,
        !spoofedPing && seenEchos === 0 && learnt === undefined);

      // 2. Another MAC (a2 forgets a1 first, so it would have to learn the new MAC from a1's ARP).
      await mustAsRoot(a2, ['ip', 'neigh', 'flush', 'dev', 'eth0']);
      await mustAsRoot(a1, ['ip', 'link', 'set', 'dev', 'eth0', 'address', 'fa:16:3e:de:ad:01']);
      echos = await inEchos(a2);
      const macPing = await ping(a1, a2.ip);
      const macEchos = (await inEchos(a2)) - echos;
      const a1Seen = (await neighbours(a2)).get(a1.ip);
      await mustAsRoot(a1, ['ip', 'link', 'set', 'dev', 'eth0', 'address', a1.mac]);
      report('a1 changes its MAC to fa:16:3e:de:ad:01, pings a2', `${macPing ? 'answered' : 'no answer'}; a2 received ${macEchos} echo requests; a2's neighbour ${a1.ip}: ${a1Seen ? `${a1Seen.state} ${a1Seen.mac ?? ''}` : 'none'}`,
        !macPing && macEchos === 0 && a1Seen === undefined);
      report('a1 back on its own MAC pings a2', (await ping(a1, a2.ip)) ? 'answered' : 'no answer', true);

      // 3. Gratuitous ARP claiming a3's address, to poison a2's entry for it.
      assert.ok(await ping(a2, a3.ip), 'a2 reaches a3');
      const before = (await neighbours(a2)).get(a3.ip);
      assert.equal(before?.mac, a3.mac, `a2 knows a3's MAC: ${JSON.stringify(before)}`);
      await claim(a1, a3.ip);
      const afterArp = (await neighbours(a2)).get(a3.ip);
      const tcp = await inServer(a2, ['nc', '-w', '2', a3.ip, String(TCP_PORT)]);
      report(`a1 sends gratuitous ARP (-U, -A) claiming ${a3.ip} (a3)`, `a2's neighbour ${a3.ip}: ${afterArp?.state} ${afterArp?.mac === a3.mac ? 'a3' : afterArp?.mac}; TCP from a2 to ${a3.ip} answered by ${tcp.stdout.trim() || 'nobody'}`,
        afterArp?.mac === a3.mac && tcp.stdout.trim() === 'a3');

      // 4. Neutron's way to permit an extra address: an allowed address pair on a1's port.
      let t = Date.now();
      const set = await openstack(env.A, 'port', 'set', '--allowed-address', `ip-address=${SPOOF_IP}`, a1.portId);
      assert.equal(set.code, 0, set.stderr);
      const cliMs = Date.now() - t;
      t = Date.now();
      const allowedIn = await until(`ping from ${SPOOF_IP} with the pair`, 15_000, async () => ((await inServer(a1, ['ping', '-c', '1', '-W', '1', '-I', SPOOF_IP, a2.ip])).code === 0 ? Date.now() - t : undefined)).catch(() => undefined);
      report(`port set --allowed-address ip-address=${SPOOF_IP} (CLI ${cliMs} ms), a1 pings a2 from ${SPOOF_IP}`,
        allowedIn === undefined ? 'no answer within 15 s' : `answered ${allowedIn} ms after the CLI returned`, allowedIn !== undefined);
      t = Date.now();
      // Neutron stores the pair with the port's MAC, and the CLI removes only an exact match.
      const unset = await openstack(env.A, 'port', 'unset', '--allowed-address', `ip-address=${SPOOF_IP},mac-address=${a1.mac}`, a1.portId);
      assert.equal(unset.code, 0, unset.stderr);
      const t1 = Date.now();
      const blockedIn = await until(`ping from ${SPOOF_IP} blocked again`, 15_000, async () => ((await inServer(a1, ['ping', '-c', '1', '-W', '1', '-I', SPOOF_IP, a2.ip])).code !== 0 ? Date.now() - t1 : undefined)).catch(() => undefined);
      report(`port unset --allowed-address (CLI ${t1 - t} ms), a1 pings a2 from ${SPOOF_IP}`, blockedIn === undefined ? 'still answered after 15 s' : `no answer ${blockedIn} ms after the CLI returned`, blockedIn !== undefined);
      echos = await inEchos(a2);
      const again = await ping(a1, a2.ip, SPOOF_IP);
      const againEchos = (await inEchos(a2)) - echos;
      report(`a1 pings a2 from ${SPOOF_IP} again`, `${again ? 'answered' : 'no answer'}; a2 received ${againEchos} echo requests`, !again && againEchos === 0);
      await mustAsRoot(a1, ['ip', 'addr', 'del', `${SPOOF_IP}/24`, 'dev', 'eth0']);

      // 5. Control for 3: with a3's address as an allowed address pair on a1's port (how Neutron lets
      // keepalived take over an address) the same gratuitous ARP does move a2's entry to a1's MAC, so
      // the unchanged entry above is port security at work, not a kernel ignoring gratuitous ARP.
      const setPair = await openstack(env.A, 'port', 'set', '--allowed-address', `ip-address=${a3.ip}`, a1.portId);
      assert.equal(setPair.code, 0, setPair.stderr);
      const takenOver = await until('a gratuitous ARP allowed by the pair', 15_000, async () => {
        await claim(a1, a3.ip);
        return (await neighbours(a2)).get(a3.ip)?.mac === a1.mac ? true : undefined;
      }).catch(() => false);
      const now = (await neighbours(a2)).get(a3.ip);
      report(`control: with ${a3.ip} as a1's allowed address pair, the same gratuitous ARP`, `a2's neighbour ${a3.ip}: ${now?.state} ${now?.mac === a1.mac ? 'a1' : now?.mac === a3.mac ? 'a3' : now?.mac}`, takenOver);
      const unsetPair = await openstack(env.A, 'port', 'unset', '--allowed-address', `ip-address=${a3.ip},mac-address=${a1.mac}`, a1.portId);
      assert.equal(unsetPair.code, 0, unsetPair.stderr);
      await asServerRoot(a2, ['ip', 'neigh', 'del', a3.ip, 'dev', 'eth0']);
    } finally {
      const widths = [0, 1, 2].map((i) => Math.max(...results.map((r) => r[i]!.length), 10));
      console.log(`\nport security (a1 on ${a1.host} → a2 on ${a2.host}, a3 on ${a3.host}):\n${results.map((r) => r.map((x, i) => x.padEnd(widths[i]!)).join(' │ ')).join('\n')}\n`);
    }
    assert.deepEqual(results.filter((r) => r[2] !== '✔').map((r) => r[0]), [], 'every port security check as expected');
  });

  it('teardown: servers and networks deleted as the members, both hosts destroyed, no namespace of this cloud left', { timeout: 180_000 }, async () => {
    const t = Date.now();
    await Promise.all((['A', 'B'] as const).map(async (tenant) => {
      const mine = servers.filter((s) => s.tenant === tenant).map((s) => s.id);
      if (mine.length > 0) {
        const del = await openstack(env[tenant], 'server', 'delete', '--wait', ...mine);
        assert.equal(del.code, 0, del.stderr);
      }
      assert.deepEqual(await openstackJson(env[tenant], 'port', 'list'), [], `${tenant} has no port left`);
      assert.equal((await openstack(env[tenant], 'network', 'delete', netId[tenant]!)).code, 0);
    }));
    step(`servers and networks deleted in ${since(t)} s`);
    await h2.stop();
    await cloud!.stop();
    for (const h of HOSTS) await cleanupHost(layouts[h]);
    const left = listNamespaces().filter((n) => HOSTS.some((h) => n.includes(layouts[h].tag)));
    assert.deepEqual(left, [], 'no namespace of either host is left');
    for (const h of HOSTS) assert.ok(!fs.existsSync(layouts[h].dir), `${h}'s directory is gone`);
    step('both hosts destroyed, no namespace left');
  });
});
