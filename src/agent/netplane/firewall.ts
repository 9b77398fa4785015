/**
 * Security groups and anti-spoofing of one network segment, rendered as one nftables script that replaces
 * both of the segment's tables in a single transaction (`nft -f`), so a rule change takes effect at once
 * and never half.
 *
 * This kernel has no conntrack in the bridge family (CONFIG_NF_CONNTRACK_BRIDGE is off), but it has
 * br_netfilter, which passes bridged IPv4 through the inet hooks, with conntrack, when the namespace's
 * net.bridge.bridge-nf-call-iptables is 1. So the work is split in two tables of the segment namespace:
 *
 *  - `bridge netplane`, forward hook, priority -200 (before br_netfilter's IP hooks): knows the bridge
 *    ports. Frames from a filtered port must carry the port's MAC and one of its (MAC, IP) pairs (fixed IPs
 *    and allowed address pairs), ARP included; anything but IPv4 and ARP from it is dropped. It then marks
 *    the packet with the port's number: bits 16–31 for the port it came from, bits 0–15 for the port it
 *    goes to.
 *  - `inet netplane`, forward hook: by the mark, jumps to the egress chain of the sending port and the
 *    ingress chain of the receiving one; each accepts established/related traffic, drops invalid, then
 *    returns on any of the port's rules, else drops.
 *
 * ARP to a port always passes (it is how others find it); frames between unfiltered ports are untouched.
 * ARP and IPv4 to or from the metadata address never cross the segment's VXLAN device, so each host's
 * metadata proxy answers only the servers on its own host. Frames a filtered port sends to the bridge
 * itself (the metadata proxy on br0) pass the same anti-spoofing in the bridge's input hook: the proxy
 * tells servers apart by their source address.
 */
import type { PortPlan, SecurityGroupRulePlan } from '../../network/agent-protocol.js';
import { cidr, cidrText, ipv4, mac } from './addresses.js';
import { TABLE, bridgePortLink } from './names.js';

/** IP protocol numbers by the names Neutron accepts. */
const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, rsvp: 46, gre: 47, esp: 50, ah: 51, ospf: 89, pgm: 113, vrrp: 112, sctp: 132, udplite: 136, dccp: 33,
};
/** Protocols whose rules may carry a destination port range. */
const WITH_PORTS = new Set([6, 17, 33, 132, 136]);
const MAX_PORTS = 0xffff;

export interface FirewallRender {
  /** Input for `nft -f -`. */
  script: string;
  /** Ports whose rules could not be rendered; their traffic is dropped until the plan is fixed. */
  errors: Array<{ id: string; message: string }>;
}

/** The protocol number of a rule, undefined for "any". */
function protocolNumber(p: string | undefined): number | undefined {
  if (p === undefined || p === '' || p === 'any') return undefined;
  if (/^\d{1,3}$/.test(p) && Number(p) <= 255) return Number(p) === 0 ? undefined : Number(p);
  const n = PROTOCOLS[p.toLowerCase()];
  if (n === undefined) throw new Error(`unknown protocol ${JSON.stringify(p)}`);
  return n;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port number: ${n}`);
  return n;
}

/** One rule as an nft match list ending in `return`, or undefined when it can match nothing. */
export function renderRule(rule: SecurityGroupRulePlan): string | undefined {
  if (rule.ethertype !== 'IPv4') return undefined; // IPv6 is dropped for filtered ports until it is planned
  const remote = rule.direction === 'ingress' ? 'ip saddr' : 'ip daddr';
  const m: string[] = [];
  if (rule.remoteIpPrefix !== undefined) {
    const c = cidr(rule.remoteIpPrefix);
    if (c.prefix > 0) m.push(`${remote} ${cidrText(c)}`);
  }
  if (rule.remoteGroupAddresses !== undefined) {
    if (rule.remoteGroupAddresses.length === 0) return undefined; // a group with no ports admits nobody
    m.push(`${remote} { ${[...new Set(rule.remoteGroupAddresses.map(ipv4))].join(', ')} }`);
  }
  const proto = protocolNumber(rule.protocol);
  if (proto !== undefined) {
    if (proto === 1) {
      m.push('meta l4proto icmp');
      // Neutron keeps the ICMP type in port_range_min and the code in port_range_max.
      if (rule.portRangeMin !== undefined) {
        m.push(`icmp type ${port(rule.portRangeMin) & 255}`);
        if (rule.portRangeMax !== undefined) m.push(`icmp code ${port(rule.portRangeMax) & 255}`);
      }
    } else {
      m.push(`meta l4proto ${proto}`);
      if (WITH_PORTS.has(proto) && (rule.portRangeMin !== undefined || rule.portRangeMax !== undefined)) {
        const lo = port(rule.portRangeMin ?? 0);
        const hi = port(rule.portRangeMax ?? lo);
        if (hi < lo) throw new Error(`port range ${lo}-${hi} is empty`);
        m.push(lo === hi ? `th dport ${lo}` : `th dport ${lo}-${hi}`);
      }
    }
  }
  return [...m, 'return'].join(' ');
}

interface FilteredPort { index: number; link: string; port: PortPlan; spoof: { macs: string[]; pairs: string[] }; egress: string[]; ingress: string[] }

function filtered(port: PortPlan, index: number): FilteredPort {
  const own = mac(port.mac);
  const macs = new Set([own]);
  const pairs = new Set<string>();
  for (const f of port.fixedIps) pairs.add(`${own} . ${ipv4(f.address)}`);
  for (const p of port.allowedAddressPairs) {
    const m = p.macAddress ? mac(p.macAddress) : own;
    macs.add(m);
    pairs.add(`${m} . ${cidrText(cidr(p.ipAddress))}`);
  }
  const egress: string[] = [];
  const ingress: string[] = [];
  for (const rule of port.rules) {
    const r = renderRule(rule);
    if (r !== undefined) (rule.direction === 'ingress' ? ingress : egress).push(r);
  }
  return { index, link: bridgePortLink(port.id), port, spoof: { macs: [...macs], pairs: [...pairs] }, egress, ingress };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

const METADATA = '169.254.169.254';

/**
 * The script that replaces the segment's tables with ones for these ports (those with port security);
 * `tunnel` is the segment's VXLAN device, if it has one.
 */
export function renderSegmentFirewall(ports: readonly PortPlan[], tunnel?: string): FirewallRender {
  const errors: FirewallRender['errors'] = [];
  const out: string[] = [
    // Create-then-delete makes the delete valid whether or not the table was there: one transaction.
    `table bridge ${TABLE} {}`, `delete table bridge ${TABLE}`,
    `table inet ${TABLE} {}`, `delete table inet ${TABLE}`,
  ];
  const list: FilteredPort[] = [];
  const blocked: Array<{ index: number; link: string }> = [];
  let index = 0;
  for (const p of ports) {
    if (!p.portSecurity) continue;
    index += 1;
    if (index > MAX_PORTS) { errors.push({ id: p.id, message: 'too many filtered ports on one network' }); continue; }
    try {
      list.push(filtered(p, index));
    } catch (err) {
      errors.push({ id: p.id, message: (err as Error).message });
      blocked.push({ index, link: bridgePortLink(p.id) });
    }
  }
  if (list.length === 0 && blocked.length === 0 && tunnel === undefined) return { script: `${out.join('\n')}\n`, errors };

  const b: string[] = [`table bridge ${TABLE} {`];
  for (const f of list) {
    b.push(`  set mac${f.index} { type ether_addr; elements = { ${f.spoof.macs.join(', ')} } }`);
    b.push(`  set addr${f.index} { type ether_addr . ipv4_addr; flags interval; elements = { ${f.spoof.pairs.join(', ')} } }`);
  }
  b.push('  chain forward {', '    type filter hook forward priority -200; policy accept;', '    meta mark set 0');
  if (tunnel !== undefined) {
    if (!/^vx\d+$/.test(tunnel)) throw new Error(`bad tunnel device ${tunnel}`);
    for (const side of ['iifname', 'oifname']) {
      b.push(`    ${side} "${tunnel}" ether type arp arp daddr ip ${METADATA} drop`, `    ${side} "${tunnel}" ether type ip ip daddr ${METADATA} drop`);
      b.push(`    ${side} "${tunnel}" ether type arp arp saddr ip ${METADATA} drop`, `    ${side} "${tunnel}" ether type ip ip saddr ${METADATA} drop`);
    }
  }
  for (const f of blocked) b.push(`    iifname "${f.link}" drop`, `    oifname "${f.link}" drop`);
  for (const f of list) {
    b.push(`    iifname "${f.link}" jump from${f.index}`);
    b.push(`    oifname "${f.link}" meta mark set meta mark | ${hex(f.index)}`);
  }
  b.push('  }');
  if (list.length > 0 || blocked.length > 0) {
    b.push('  chain input {', '    type filter hook input priority -200; policy accept;');
    for (const f of blocked) b.push(`    iifname "${f.link}" drop`);
    for (const f of list) b.push(`    iifname "${f.link}" jump from${f.index}`);
    b.push('  }');
  }
  for (const f of list) {
    b.push(
      `  chain from${f.index} {`,
      `    ether saddr != @mac${f.index} drop`,
      `    ether type arp arp saddr ether . arp saddr ip != @addr${f.index} drop`,
      `    ether type ip ether saddr . ip saddr != @addr${f.index} drop`,
      '    ether type != { ip, arp } drop',
      `    meta mark set meta mark | ${hex(f.index << 16 >>> 0)}`,
      '  }',
    );
  }
  b.push('}');

  if (list.length === 0) return { script: `${[...out, ...b].join('\n')}\n`, errors };
  const i: string[] = [`table inet ${TABLE} {`, '  chain forward {', '    type filter hook forward priority 0; policy accept;'];
  for (const f of list) {
    i.push(`    meta mark & 0xffff0000 == ${hex(f.index << 16 >>> 0)} jump egress${f.index}`);
    i.push(`    meta mark & 0x0000ffff == ${hex(f.index)} jump ingress${f.index}`);
  }
  i.push('  }');
  for (const f of list) {
    for (const [dir, rules] of [['egress', f.egress], ['ingress', f.ingress]] as const) {
      i.push(`  chain ${dir}${f.index} {`, '    ct state established,related return', '    ct state invalid drop');
      for (const r of rules) i.push(`    ${r}`);
      i.push('    drop', '  }');
    }
  }
  i.push('}');
  return { script: `${[...out, ...b, ...i].join('\n')}\n`, errors };
}
