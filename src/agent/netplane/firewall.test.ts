/**
 * The nftables scripts the data plane renders: what a rule becomes, that input from the plan cannot
 * smuggle anything into a script, and (as root, in a throwaway namespace) that nft accepts the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import type { PortPlan, RouterPlan, SecurityGroupRulePlan } from '../../network/agent-protocol.js';
import { cidr, contains } from './addresses.js';
import { renderRule, renderSegmentFirewall } from './firewall.js';
import { bridgePortLink } from './names.js';
import { renderRouterNat } from './router-nat.js';

const rule = (over: Partial<SecurityGroupRulePlan> & Pick<SecurityGroupRulePlan, 'direction'>): SecurityGroupRulePlan => ({ id: randomUUID(), ethertype: 'IPv4', ...over });

function port(over: Partial<PortPlan> = {}): PortPlan {
  return {
    id: randomUUID(), networkId: 'n', mac: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: 's', address: '10.0.0.5', prefixLength: 24, gateway: '10.0.0.1' }],
    deviceOwner: 'compute:nova', deviceId: 'd', adminStateUp: true, portSecurity: true, allowedAddressPairs: [], rules: [], ...over,
  };
}

/** Runs `nft -c -f` (check only) in a namespace made for it, when root; undefined when it cannot. */
function nftCheck(script: string): string | undefined {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v nft']).status !== 0) return undefined;
  const ns = `flotilla-t-fw-${randomBytes(3).toString('hex')}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', '-'], { input: script, encoding: 'utf8' });
    return r.status === 0 ? '' : r.stderr;
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
  }
}

test('rules: direction picks the remote side; protocols, port ranges, ICMP type and code, remote groups', () => {
  assert.equal(renderRule(rule({ direction: 'egress' })), 'return');
  assert.equal(renderRule(rule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '192.0.2.7/24' })), 'ip saddr 192.0.2.0/24 meta l4proto 6 th dport 22 return');
  assert.equal(renderRule(rule({ direction: 'egress', protocol: '17', portRangeMin: 1000, portRangeMax: 2000, remoteIpPrefix: '0.0.0.0/0' })), 'meta l4proto 17 th dport 1000-2000 return');
  assert.equal(renderRule(rule({ direction: 'ingress', protocol: 'icmp', portRangeMin: 8, portRangeMax: 0 })), 'meta l4proto icmp icmp type 8 icmp code 0 return');
  assert.equal(renderRule(rule({ direction: 'ingress', protocol: 'tcp', remoteGroupAddresses: ['10.0.0.2', '10.0.0.3', '10.0.0.2'] })), 'ip saddr { 10.0.0.2, 10.0.0.3 } meta l4proto 6 return');
  assert.equal(renderRule(rule({ direction: 'ingress', remoteGroupAddresses: [] })), undefined, 'an empty remote group admits nobody');
  assert.equal(renderRule(rule({ direction: 'ingress', ethertype: 'IPv6' })), undefined);
  assert.equal(renderRule(rule({ direction: 'ingress', protocol: 'gre', portRangeMin: 1 })), 'meta l4proto 47 return', 'ports only where the protocol has them');
});

test('values from the plan are checked before they reach a script', () => {
  assert.throws(() => renderRule(rule({ direction: 'ingress', remoteIpPrefix: '10.0.0.0/8 accept; flush ruleset' })), /IPv4 prefix/);
  assert.throws(() => renderRule(rule({ direction: 'ingress', remoteGroupAddresses: ['10.0.0.1 }'] })), /IPv4 address/);
  assert.throws(() => renderRule(rule({ direction: 'ingress', protocol: 'tcp; drop' })), /unknown protocol/);
  assert.throws(() => renderRule(rule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 70000 })), /port number/);
  const bad = renderSegmentFirewall([port({ mac: 'fa:16:3e:00:00:01 }' })]);
  assert.equal(bad.errors.length, 1);
  assert.match(bad.script, new RegExp(`iifname "${bridgePortLink(bad.errors[0]!.id)}" drop`), 'a port whose plan is bad passes nothing');
  assert.ok(contains(cidr('10.0.0.0/24'), '10.0.0.255'));
  assert.ok(!contains(cidr('10.0.0.0/24'), '10.0.1.0'));
});

test('segment tables: a chain pair per filtered port, anti-spoofing with address pairs, none for port security off', () => {
  const a = port({ allowedAddressPairs: [{ ipAddress: '10.0.0.128/25', macAddress: 'FA:16:3E:00:00:02' }], rules: [rule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22 })] });
  const off = port({ portSecurity: false });
  const r = renderSegmentFirewall([a, off]);
  assert.deepEqual(r.errors, []);
  assert.match(r.script, /set addr1 \{ type ether_addr \. ipv4_addr; flags interval; elements = \{ fa:16:3e:00:00:01 \. 10\.0\.0\.5, fa:16:3e:00:00:02 \. 10\.0\.0\.128\/25 \} \}/);
  assert.match(r.script, /chain ingress1 \{\n    ct state established,related return\n    ct state invalid drop\n    meta l4proto 6 th dport 22 return\n    drop/);
  assert.doesNotMatch(r.script, new RegExp(bridgePortLink(off.id)));
  assert.equal(nftCheck(r.script) ?? '', '');
  const tunneled = renderSegmentFirewall([a], 'vx1001');
  assert.match(tunneled.script, /iifname "vx1001" ether type arp arp daddr ip 169\.254\.169\.254 drop/);
  assert.match(tunneled.script, /oifname "vx1001" ether type ip ip daddr 169\.254\.169\.254 drop/);
  assert.equal(nftCheck(tunneled.script) ?? '', '');
  const tunnelOnly = renderSegmentFirewall([off], 'vx1001');
  assert.doesNotMatch(tunnelOnly.script, /table inet netplane \{\n/);
  assert.equal(nftCheck(tunnelOnly.script) ?? '', '');
  assert.throws(() => renderSegmentFirewall([], 'vx1; flush ruleset'));
  const empty = renderSegmentFirewall([off]);
  assert.equal(empty.script.trim().split('\n').length, 4, 'no filtered port: the tables are only removed');
  assert.equal(nftCheck(empty.script) ?? '', '');
});

test('router NAT: DNAT and SNAT per floating IP, SNAT of the subnets to the gateway when snat is on', () => {
  const router: RouterPlan = {
    id: 'r', adminStateUp: true,
    gateway: { portId: 'g', networkId: 'ext', mac: 'fa:16:3e:00:00:09', fixedIps: [{ subnetId: 'e', address: '203.0.113.10', prefixLength: 24, gateway: '203.0.113.1' }], snat: true },
    interfaces: [{ portId: 'i', networkId: 'n', mac: 'fa:16:3e:00:00:0a', fixedIps: [{ subnetId: 's', address: '10.0.0.1', prefixLength: 24 }] }],
    routes: [], floatingIps: [{ id: 'f', floatingIp: '203.0.113.50', fixedIp: '10.0.0.5', portId: 'p' }], routed: [],
  };
  const s = renderRouterNat(router);
  assert.match(s, /ip daddr 203\.0\.113\.50 dnat ip to 10\.0\.0\.5/);
  assert.match(s, /oifname "qg[0-9a-f]{10}" ip saddr 10\.0\.0\.5 snat ip to 203\.0\.113\.50\n    iifname != "qg[0-9a-f]{10}" oifname != "qg[0-9a-f]{10}" ct status dnat masquerade\n    oifname "qg[0-9a-f]{10}" ip saddr \{ 10\.0\.0\.0\/24 \} snat ip to 203\.0\.113\.10/);
  assert.doesNotMatch(renderRouterNat({ ...router, gateway: { ...router.gateway!, snat: false } }), /203\.0\.113\.10/);
  assert.doesNotMatch(renderRouterNat({ ...router, floatingIps: [] }), /masquerade/, 'no hairpin without floating IPs');
  assert.equal(nftCheck(s) ?? '', '');
  assert.equal(renderRouterNat({ ...router, gateway: undefined }).trim().split('\n').length, 2);
});
