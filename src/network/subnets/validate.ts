/**
 * A subnet's attributes checked against each other, with Neutron's faults: the gateway against the CIDR,
 * allocation pools against the CIDR, each other and the gateway, DNS servers and host routes against
 * Neutron's limits (max_dns_nameservers 5, max_subnet_host_routes 20).
 */
import { dict, ipAddress, ipPrefix, py } from '../attributes.js';
import {
  dnsNameServersExhausted, gatewayConflictWithAllocationPools, hostRoutesExhausted, invalidAllocationPool, invalidAttribute,
  invalidInput, outOfBoundsAllocationPool, overlappingAllocationPools,
} from '../errors.js';
import { defaultPools, formatIp, formatRange, hostRange, parseCidr, parseIp, rangesOverlap, type Cidr4, type Range4 } from '../ipv4.js';
import type { HostRoute, Pool } from './store.js';

export const MAX_DNS_NAMESERVERS = 5;
export const MAX_HOST_ROUTES = 20;

/** The network of a validated CIDR string. */
export function cidrOf(text: string): Cidr4 {
  return parseCidr(text)!.cidr;
}

/** Checks a subnet's prefix leaves room for hosts (Neutron cannot allocate from a /31 or /32 either). */
export function checkPrefix(cidr: string): void {
  if (cidrOf(cidr).prefix > 30) throw invalidInput(`Requested subnet with cidr: ${cidr} has no usable addresses`);
}

/** The default gateway: the first host address. */
export function defaultGateway(cidr: string): string {
  return formatIp(hostRange(cidrOf(cidr))!.first);
}

/** A gateway may lie outside the subnet, but not be its network or broadcast address. */
export function checkGateway(cidr: string, gateway: string | null): void {
  if (gateway === null) return;
  const c = cidrOf(cidr);
  const ip = parseIp(gateway)!;
  if (c.prefix < 31 && (ip === c.base || ip === c.base + 2 ** (32 - c.prefix) - 1)) throw invalidInput('Gateway is not valid on subnet');
}

/** Parses the allocation_pools attribute (shape only). */
export function parsePools(v: unknown, attr: string): Pool[] {
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  return v.map((p) => {
    const o = dict(p, attr, ['start', 'end'], ['start', 'end'], 'IP pool');
    return { start: ipAddress(o.start, attr), end: ipAddress(o.end, attr) };
  });
}

/** Checks pools against the CIDR, each other and the gateway; returns them as ranges. */
export function checkPools(cidr: string, pools: readonly Pool[], gateway: string | null): Range4[] {
  const c = cidrOf(cidr);
  const hosts = hostRange(c)!;
  const ranges = pools.map((p) => ({ pool: p, range: { first: parseIp(p.start)!, last: parseIp(p.end)! } }));
  for (const { range } of ranges) {
    if (range.first > range.last) throw invalidAllocationPool(formatRange(range));
    if (range.first < hosts.first || range.last > hosts.last) throw outOfBoundsAllocationPool(formatRange(range), cidr);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangesOverlap(ranges[i]!.range, ranges[j]!.range)) throw overlappingAllocationPools(formatRange(ranges[i]!.range), formatRange(ranges[j]!.range), cidr);
    }
  }
  if (gateway !== null) {
    const gw = parseIp(gateway)!;
    const hit = ranges.find(({ range }) => gw >= range.first && gw <= range.last);
    if (hit) throw gatewayConflictWithAllocationPools(gateway, formatRange(hit.range));
  }
  return ranges.map((r) => r.range);
}

/** Neutron's default pools for a CIDR and gateway, as the API shows them. */
export function poolsFor(cidr: string, gateway: string | null): Pool[] {
  return defaultPools(cidrOf(cidr), gateway === null ? undefined : parseIp(gateway)).map((r) => ({ start: formatIp(r.first), end: formatIp(r.last) }));
}

/** dns_nameservers: addresses, no repeats, at most five. */
export function parseNameservers(v: unknown, attr: string, subnetId: string): string[] {
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  const seen = new Set<string>();
  for (const ns of v) {
    if (typeof ns !== 'string' || parseIp(ns) === undefined) throw invalidAttribute(attr, `'${py(ns)}' is not a valid nameserver`);
    if (seen.has(ns)) throw invalidAttribute(attr, `Duplicate nameserver '${ns}'`);
    seen.add(ns);
  }
  if (v.length > MAX_DNS_NAMESERVERS) throw dnsNameServersExhausted(subnetId, MAX_DNS_NAMESERVERS);
  return v as string[];
}

/** host_routes: {destination, nexthop} pairs, no repeats, at most twenty. */
export function parseHostRoutes(v: unknown, attr: string, subnetId: string): HostRoute[] {
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  const seen = new Set<string>();
  const out = v.map((r) => {
    const o = dict(r, attr, ['destination', 'nexthop'], ['destination', 'nexthop'], 'hostroute');
    const route = { destination: ipPrefix(o.destination, attr) as string, nexthop: ipAddress(o.nexthop, attr) };
    const key = `${route.destination} ${route.nexthop}`;
    if (seen.has(key)) throw invalidAttribute(attr, `Duplicate hostroute '${py(r)}'`);
    seen.add(key);
    return route;
  });
  if (out.length > MAX_HOST_ROUTES) throw hostRoutesExhausted(subnetId, MAX_HOST_ROUTES);
  return out;
}
