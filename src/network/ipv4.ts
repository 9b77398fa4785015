/**
 * IPv4 arithmetic for IPAM and validation: addresses as unsigned 32-bit numbers, CIDRs as (network,
 * prefix), ranges as inclusive (first, last). Parsing is strict (four decimal octets without leading
 * zeros), as netaddr's is for what Neutron stores.
 */

/** An IPv4 network: `base` has no host bits set. */
export interface Cidr4 { readonly base: number; readonly prefix: number }
/** An inclusive range of addresses. */
export interface Range4 { readonly first: number; readonly last: number }

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as a number, or undefined if `text` is not a dotted-quad IPv4 address. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** The dotted-quad form of an address. */
export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Netmask of a prefix length as a number. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/n`. Returns the address as given (`ip`) and the network it lies in, so callers can tell
 * a CIDR with host bits set (`ip !== base`) from a clean one. A bare address is a /32.
 */
export function parseCidr(text: string): { ip: number; cidr: Cidr4 } | undefined {
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (ip === undefined) return undefined;
  let prefix = 32;
  if (len !== undefined) {
    if (!/^(3[0-2]|[12]?\d)$/.test(len)) return undefined;
    prefix = Number(len);
  }
  return { ip, cidr: { base: (ip & maskOf(prefix)) >>> 0, prefix } };
}

export function formatCidr(c: Cidr4): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** Number of addresses in the network (2^(32-prefix)). */
export function sizeOf(c: Cidr4): number {
  return 2 ** (32 - c.prefix);
}

export function lastOf(c: Cidr4): number {
  return c.base + sizeOf(c) - 1;
}

export function contains(c: Cidr4, ip: number): boolean {
  return ip >= c.base && ip <= lastOf(c);
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.base <= lastOf(b) && b.base <= lastOf(a);
}

export function rangesOverlap(a: Range4, b: Range4): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** True for an address usable by a host on the subnet: not the network or broadcast address (check_subnet_ip). */
export function isHostAddress(c: Cidr4, ip: number): boolean {
  if (!contains(c, ip)) return false;
  if (c.prefix >= 31) return true;
  return ip !== c.base && ip !== lastOf(c);
}

/** The host addresses of a subnet as one range (empty for prefixes that leave none). */
export function hostRange(c: Cidr4): Range4 | undefined {
  if (c.prefix >= 31) return { first: c.base, last: lastOf(c) };
  return { first: c.base + 1, last: lastOf(c) - 1 };
}

/**
 * Neutron's default allocation pools: the host range minus the gateway, as up to two ranges
 * (neutron/ipam/utils.py generate_pools).
 */
export function defaultPools(c: Cidr4, gateway: number | undefined): Range4[] {
  const hosts = hostRange(c);
  if (!hosts) return [];
  if (gateway === undefined || gateway < hosts.first || gateway > hosts.last) return [hosts];
  const out: Range4[] = [];
  if (gateway > hosts.first) out.push({ first: hosts.first, last: gateway - 1 });
  if (gateway < hosts.last) out.push({ first: gateway + 1, last: hosts.last });
  return out;
}

/** netaddr's IPRange string form, which Neutron prints in its allocation pool errors. */
export function formatRange(r: Range4): string {
  return `${formatIp(r.first)}-${formatIp(r.last)}`;
}
