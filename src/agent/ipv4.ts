/** IPv4 arithmetic for the transit links (addresses as unsigned 32-bit numbers). */

export function parseIpv4(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${text}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A /30 transit link: `a` on one end, `b` on the other. */
export interface TransitLink {
  slot: number;
  a: string;
  b: string;
}

/** The /30 number `slot` within a pool starting at `base` (slot 0 is base/30). */
export function transitLink(base: string, slot: number): TransitLink {
  const net = parseIpv4(base) + slot * 4;
  return { slot, a: formatIpv4(net + 1), b: formatIpv4(net + 2) };
}

/** The slot of the /30 that `address` falls in, or undefined when it is outside the pool of `slots` /30s. */
export function slotOf(base: string, slots: number, address: string): number | undefined {
  const off = parseIpv4(address) - parseIpv4(base);
  return off >= 0 && off < slots * 4 ? Math.floor(off / 4) : undefined;
}

/** First slot from `start` (wrapping) that is not taken. */
export function freeSlot(start: number, slots: number, taken: ReadonlySet<number>): number {
  for (let i = 0; i < slots; i++) {
    const s = (start + i) % slots;
    if (!taken.has(s)) return s;
  }
  throw new Error('no free transit link left');
}
