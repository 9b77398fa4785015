/**
 * The machine's underlay on the real kernel: agents (layouts with host namespaces made here) joining at
 * once get distinct endpoints, two of them starting from the same hash slot included; they reach each
 * other; joining again changes nothing; an endpoint survives its host namespace being made afresh and its
 * bridge end being deleted by hand; leaving removes every veth, and the namespace when no other agent is
 * on it. Skipped, with the reason printed, where it cannot run (not root, no ip or ping).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentLayout, type AgentLayout } from './layout.js';
import { deleteNamespace, ensureNamespace, listNamespaces } from './netns.js';
import { ensureUnderlay, leaveUnderlay, UNDERLAY_HOST_LINK, UNDERLAY_NAMESPACE, UNDERLAY_POOL, underlayLink } from './underlay.js';

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (namespaces, veths)';
  for (const tool of ['ip', 'ping']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  return undefined;
}
const why = unavailable();
if (why) console.log(`# underlay tests skipped: ${why}`);

interface Link { ifname: string; ifalias?: string; master?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }

/** `ip -j link show` (with aliases) or `ip -j addr show` (with addresses, without aliases) in `ns`. */
function links(ns: string, what: 'link' | 'addr' = 'link'): Link[] {
  const r = spawnSync('ip', ['-n', ns, '-j', what, 'show'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as Link[]) : [];
}

const startSlot = (l: AgentLayout): number => parseInt(l.tag.slice(0, 6), 16) % UNDERLAY_POOL.hosts;

describe('the machine-wide underlay', { skip: why, concurrency: false }, () => {
  let dir = '';
  const layouts: AgentLayout[] = [];
  let underlayWasThere = false;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-underlay-'));
    underlayWasThere = listNamespaces().includes(UNDERLAY_NAMESPACE);
    // Two agents whose tags start at the same slot, so the one to join second must pick another.
    const bySlot = new Map<number, AgentLayout>();
    for (let i = 0; layouts.length < 2; i++) {
      const l = agentLayout(path.join(dir, `a${i}`));
      const twin = bySlot.get(startSlot(l));
      if (twin) layouts.push(twin, l);
      bySlot.set(startSlot(l), l);
    }
    layouts.push(agentLayout(path.join(dir, 'b')), agentLayout(path.join(dir, 'c')));
    for (const l of layouts) {
      fs.mkdirSync(l.dir, { recursive: true });
      await ensureNamespace(l.hostNamespace);
    }
  });

  after(async () => {
    for (const l of layouts) {
      await leaveUnderlay(l).catch(() => {});
      await deleteNamespace(l.hostNamespace).catch(() => {});
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let addresses: string[] = [];

  it('agents joining at once get distinct endpoints in the pool, on the bridge, named on their bridge ends', async () => {
    addresses = await Promise.all(layouts.map((l) => ensureUnderlay(l)));
    assert.equal(new Set(addresses).size, layouts.length, `distinct: ${addresses.join(', ')}`);
    for (const a of addresses) assert.match(a, /^169\.254\.(12[89]|1[3-5]\d)\.\d+$/);
    const bridge = links(UNDERLAY_NAMESPACE);
    for (const [i, l] of layouts.entries()) {
      const end = bridge.find((x) => x.ifname === underlayLink(l));
      assert.equal(end?.master, 'br0');
      assert.equal(end?.ifalias, addresses[i]);
      const inHost = links(l.hostNamespace, 'addr').find((x) => x.ifname === UNDERLAY_HOST_LINK);
      assert.deepEqual(inHost?.addr_info?.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), [`${addresses[i]}/${UNDERLAY_POOL.prefix}`]);
    }
    // Released (another process's agent on this machine may hold it by now, never this one).
    let holder = '';
    try { holder = fs.readFileSync('/run/flotilla-underlay.lock', 'utf8').trim(); } catch { /* free */ }
    assert.notEqual(holder, String(process.pid), 'the lock is released');
  });

  it('every agent reaches every other', () => {
    for (const [i, l] of layouts.entries()) {
      for (const [j, a] of addresses.entries()) {
        if (i === j) continue;
        assert.equal(spawnSync('ip', ['netns', 'exec', l.hostNamespace, 'ping', '-c', '1', '-W', '1', a]).status, 0, `${i} → ${j} (${a})`);
      }
    }
  });

  it('joining again keeps the endpoint; so does a host namespace made afresh and a bridge end deleted by hand', async () => {
    assert.deepEqual(await Promise.all(layouts.map((l) => ensureUnderlay(l))), addresses);
    const [first, second] = layouts;
    await deleteNamespace(first!.hostNamespace);
    await ensureNamespace(first!.hostNamespace);
    spawnSync('ip', ['-n', UNDERLAY_NAMESPACE, 'link', 'del', underlayLink(second!)]);
    assert.equal(await ensureUnderlay(first!), addresses[0]);
    assert.equal(await ensureUnderlay(second!), addresses[1]);
    assert.equal(spawnSync('ip', ['netns', 'exec', first!.hostNamespace, 'ping', '-c', '1', '-W', '1', addresses[1]!]).status, 0);
  });

  it('leaving removes the veths, and the namespace with the last agent', async () => {
    const othersBefore = links(UNDERLAY_NAMESPACE).filter((l) => l.ifname.startsWith('ul') && !layouts.some((x) => underlayLink(x) === l.ifname));
    for (const l of layouts) await leaveUnderlay(l);
    const ours = new Set(layouts.map(underlayLink));
    assert.ok(!links(UNDERLAY_NAMESPACE).some((l) => ours.has(l.ifname)));
    // Another agent on this machine (a cloud, another test) keeps it; with none, it is gone.
    if (!underlayWasThere && othersBefore.length === 0) assert.ok(!listNamespaces().includes(UNDERLAY_NAMESPACE));
  });

  it('an agent without a host namespace (being destroyed) cannot join, and makes no underlay', async () => {
    const gone = agentLayout(path.join(dir, 'gone'));
    const before = listNamespaces().includes(UNDERLAY_NAMESPACE);
    await assert.rejects(ensureUnderlay(gone), /does not exist/);
    assert.equal(listNamespaces().includes(UNDERLAY_NAMESPACE), before);
  });
});
