/**
 * Checks on the addresses a plan carries before they reach `ip` or `nft`: the plan comes from another
 * service over HTTP, and a value spliced into an nft script or an ip batch must be exactly what it claims
 * to be (an address, a prefix, a MAC), never a second command.
 */
import { formatIpv4, parseIpv4 } from '../ipv4.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** The address itself, or throws. */
export function ipv4(text: string): string {
  if (!isIpv4(text)) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return text;
}

/** A MAC address in lower case, or throws. */
export function mac(text: string): string {
  if (!MAC.test(text)) throw new Error(`not a MAC address: ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

export interface Cidr { network: string; prefix: number }

/** `a.b.c.d/n` (or a bare address, as /32) normalised to its network address, or throws. */
export function cidr(text: string): Cidr {
  const [addr, len, ...rest] = text.split('/');
  const prefix = len === undefined ? 32 : Number(len);
  if (rest.length > 0 || addr === undefined || !isIpv4(addr) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || (len !== undefined && !/^\d+$/.test(len))) {
    throw new Error(`not an IPv4 prefix: ${JSON.stringify(text)}`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: formatIpv4((parseIpv4(addr) & mask) >>> 0), prefix };
}

export function cidrText(c: Cidr): string {
  return `${c.network}/${c.prefix}`;
}

/** Whether `address` lies inside `c`. */
export function contains(c: Cidr, address: string): boolean {
  const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
  return ((parseIpv4(address) & mask) >>> 0) === parseIpv4(c.network);
}
