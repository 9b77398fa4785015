/** The scheduler's filters and weighers on hand-made host snapshots. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schedule, NO_VALID_HOST, type HostCandidate } from './scheduler.js';
import type { FlavorSnapshot } from './model.js';

const tiny: FlavorSnapshot = { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const big: FlavorSnapshot = { ...tiny, id: '9', name: 'big', ramMb: 20000 };

function host(name: string, over: Partial<HostCandidate> = {}): HostCandidate {
  return { host: name, zone: 'nova', enabled: true, up: true, vcpus: 4, memoryMb: 8192, diskGb: 100, used: { vcpus: 0, memoryMb: 0, diskGb: 0, servers: 0 }, ...over };
}

describe('scheduler', () => {
  it('puts a server on the host with the most free RAM', () => {
    const r = schedule([host('a', { used: { vcpus: 1, memoryMb: 4096, diskGb: 1, servers: 1 } }), host('b')], { flavor: tiny, count: 1 });
    assert.deepEqual(r, { ok: true, hosts: ['b'] });
  });

  it('spreads several servers of one request', () => {
    const r = schedule([host('a'), host('b'), host('c')], { flavor: tiny, count: 3 });
    assert.deepEqual(r.ok && [...r.hosts].sort(), ['a', 'b', 'c']);
  });

  it('skips down, disabled and other-zone hosts', () => {
    const hosts = [host('down', { up: false }), host('off', { enabled: false }), host('far', { zone: 'az2' }), host('ok', { memoryMb: 1024 })];
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, zone: 'nova' }), { ok: true, hosts: ['ok'] });
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, zone: 'az2' }), { ok: true, hosts: ['far'] });
  });

  it('a requested host passes the filters or fails; a forced host skips them but not a down host', () => {
    const hosts = [host('a'), host('b', { enabled: false, memoryMb: 256 }), host('c', { up: false })];
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 2, host: { host: 'a', forced: false } }), { ok: true, hosts: ['a', 'a'] });
    assert.equal(schedule(hosts, { flavor: tiny, count: 1, host: { host: 'b', forced: false } }).ok, false, 'disabled and too small');
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, host: { host: 'b', forced: true } }), { ok: true, hosts: ['b'] });
    assert.equal(schedule(hosts, { flavor: tiny, count: 1, host: { host: 'c', forced: true } }).ok, false, 'a down host never builds it');
  });

  it('refuses what fits nowhere: RAM (with the allocation ratio), vCPUs, disk', () => {
    assert.deepEqual(schedule([host('a')], { flavor: big, count: 1 }), { ok: false, reason: NO_VALID_HOST });
    assert.equal(schedule([host('a')], { flavor: { ...tiny, ramMb: 12000 }, count: 1 }).ok, true, '8192 MB × 1.5 holds 12000 MB');
    assert.equal(schedule([host('a', { vcpus: 1 })], { flavor: { ...tiny, vcpus: 17 }, count: 1 }).ok, false);
    assert.equal(schedule([host('a', { diskGb: 10 })], { flavor: { ...tiny, diskGb: 20 }, count: 1 }).ok, false);
    assert.equal(schedule([host('a', { diskGb: 10 })], { flavor: { ...tiny, diskGb: 0 }, count: 1 }).ok, true, 'a zero-disk flavor needs no disk');
    assert.equal(schedule([host('a', { memoryMb: 1024 })], { flavor: tiny, count: 4 }).ok, false, 'all or nothing');
  });

  it('anti-affinity: one member per host, unless the rule allows more', () => {
    const hosts = [host('a'), host('b')];
    const r = schedule(hosts, { flavor: tiny, count: 2, group: { policy: 'anti-affinity', maxPerHost: 1, memberHosts: [] } });
    assert.deepEqual(r.ok && [...r.hosts].sort(), ['a', 'b']);
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, group: { policy: 'anti-affinity', maxPerHost: 1, memberHosts: ['a', 'b'] } }), { ok: false, reason: NO_VALID_HOST });
    assert.equal(schedule(hosts, { flavor: tiny, count: 3, group: { policy: 'anti-affinity', maxPerHost: 2, memberHosts: [] } }).ok, true);
  });

  it('affinity: every member on the first member\'s host', () => {
    const hosts = [host('a'), host('b')];
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 2, group: { policy: 'affinity', maxPerHost: 1, memberHosts: ['b'] } }), { ok: true, hosts: ['b', 'b'] });
    const fresh = schedule(hosts, { flavor: tiny, count: 3, group: { policy: 'affinity', maxPerHost: 1, memberHosts: [] } });
    assert.ok(fresh.ok && new Set(fresh.hosts).size === 1);
    assert.equal(schedule([host('a', { up: false }), host('b')], { flavor: tiny, count: 1, group: { policy: 'affinity', maxPerHost: 1, memberHosts: ['a'] } }).ok, false);
  });

  it('soft policies weigh instead of filtering', () => {
    const hosts = [host('a'), host('b')];
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, group: { policy: 'soft-affinity', maxPerHost: 1, memberHosts: ['b'] } }), { ok: true, hosts: ['b'] });
    assert.deepEqual(schedule(hosts, { flavor: tiny, count: 1, group: { policy: 'soft-anti-affinity', maxPerHost: 1, memberHosts: ['b'] } }), { ok: true, hosts: ['a'] });
    assert.deepEqual(schedule([host('a')], { flavor: tiny, count: 2, group: { policy: 'soft-anti-affinity', maxPerHost: 1, memberHosts: [] } }), { ok: true, hosts: ['a', 'a'] });
  });
});
