/**
 * Cuts an upload into the pieces it is stored as. A tar archive (`docker save`) is cut at member
 * boundaries: the data of each large member (a layer) becomes a piece of its own, so the same layer in two
 * archives is stored once; headers, padding and small members stay together as "meta" bytes. Anything
 * else (or a tar that stops parsing) is cut into fixed-size chunks. Parsing only decides where the cuts
 * go: every byte goes into exactly one piece in order, so the pieces always concatenate to the upload.
 */

/** What the splitter emits, in order. */
export type Piece =
  | { kind: 'meta'; data: Buffer }
  | { kind: 'start' }
  | { kind: 'data'; data: Buffer }
  | { kind: 'end' };

export interface SplitterOptions {
  /** Members with at least this much data get a blob of their own. */
  largeMember?: number;
  /** Size of the chunks for data that is not (or no longer) a tar archive. */
  chunk?: number;
}

const BLOCK = 512;
/** Typeflags whose size field does not announce data (links, devices, directories, FIFOs). */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** A ustar header's checksum holds: the sum of its bytes with the checksum field read as spaces. */
function checksumOk(h: Buffer): boolean {
  const field = h.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === parseInt(field, 8);
}

/** The size field: octal text, or GNU's base-256 for sizes beyond 8 GiB. */
function headerSize(h: Buffer): number | undefined {
  const f = h.subarray(124, 136);
  if ((f[0]! & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < 12; i++) n = n * 256 + f[i]!;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = f.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** The `size` record of a pax extended header, which overrides the next member's size field. */
function paxSize(records: Buffer): number | undefined {
  const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(records.toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

type State =
  | { at: 'header'; zeros: number }
  | { at: 'member'; remaining: number; padding: number; large: boolean; pax?: Buffer[] }
  | { at: 'padding'; remaining: number }
  | { at: 'raw' };

export class Splitter {
  readonly #large: number;
  readonly #chunk: number;
  #state: State;
  #header = Buffer.alloc(0);
  /** Size override from a pax header, for the next member. */
  #nextSize: number | undefined;
  /** Bytes of the current raw chunk so far (0 = no chunk open). */
  #rawFill = 0;
  #out: Piece[] = [];

  /** @param tar whether to look for tar members (container_format docker) or only chunk */
  constructor(tar: boolean, opts: SplitterOptions = {}) {
    this.#large = opts.largeMember ?? 16 * 1024;
    this.#chunk = opts.chunk ?? 4 * 1024 * 1024;
    this.#state = tar ? { at: 'header', zeros: 0 } : { at: 'raw' };
  }

  /** The pieces `chunk` completes. */
  push(chunk: Buffer): Piece[] {
    this.#out = [];
    let buf = chunk;
    while (buf.length > 0) buf = this.#step(buf);
    return this.#out;
  }

  /** The pieces that close the upload. */
  end(): Piece[] {
    this.#out = [];
    if (this.#header.length > 0) this.#out.push({ kind: 'meta', data: this.#header });
    this.#header = Buffer.alloc(0);
    if (this.#state.at === 'member' && this.#state.large) this.#out.push({ kind: 'end' });
    if (this.#rawFill > 0) this.#out.push({ kind: 'end' });
    this.#rawFill = 0;
    return this.#out;
  }

  /** Consumes a prefix of `buf`; returns the rest. */
  #step(buf: Buffer): Buffer {
    const s = this.#state;
    switch (s.at) {
      case 'header': {
        const need = BLOCK - this.#header.length;
        this.#header = Buffer.concat([this.#header, buf.subarray(0, need)]);
        if (this.#header.length < BLOCK) return Buffer.alloc(0);
        const h = this.#header;
        this.#header = Buffer.alloc(0);
        this.#onHeader(h, s);
        return buf.subarray(need);
      }
      case 'member': {
        const n = Math.min(s.remaining, buf.length);
        const part = buf.subarray(0, n);
        if (s.large) this.#out.push({ kind: 'data', data: part });
        else this.#out.push({ kind: 'meta', data: part });
        s.pax?.push(part);
        s.remaining -= n;
        if (s.remaining === 0) {
          if (s.large) this.#out.push({ kind: 'end' });
          if (s.pax) this.#nextSize = paxSize(Buffer.concat(s.pax));
          this.#state = s.padding > 0 ? { at: 'padding', remaining: s.padding } : { at: 'header', zeros: 0 };
        }
        return buf.subarray(n);
      }
      case 'padding': {
        const n = Math.min(s.remaining, buf.length);
        this.#out.push({ kind: 'meta', data: buf.subarray(0, n) });
        s.remaining -= n;
        if (s.remaining === 0) this.#state = { at: 'header', zeros: 0 };
        return buf.subarray(n);
      }
      case 'raw': {
        if (this.#rawFill === 0) this.#out.push({ kind: 'start' });
        const n = Math.min(this.#chunk - this.#rawFill, buf.length);
        this.#out.push({ kind: 'data', data: buf.subarray(0, n) });
        this.#rawFill += n;
        if (this.#rawFill === this.#chunk) {
          this.#out.push({ kind: 'end' });
          this.#rawFill = 0;
        }
        return buf.subarray(n);
      }
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  #onHeader(h: Buffer, s: { at: 'header'; zeros: number }): void {
    this.#out.push({ kind: 'meta', data: h });
    if (isZero(h)) {
      // Two zero blocks end the archive; what follows (record padding) is chunked like any other data.
      this.#state = s.zeros + 1 >= 2 ? { at: 'raw' } : { at: 'header', zeros: s.zeros + 1 };
      return;
    }
    const size = checksumOk(h) ? headerSize(h) : undefined;
    if (size === undefined) {
      this.#state = { at: 'raw' };
      return;
    }
    const type = String.fromCharCode(h[156]!);
    const override = this.#nextSize;
    this.#nextSize = undefined;
    const dataSize = NO_DATA.has(type) ? 0 : override ?? size;
    if (dataSize === 0) {
      this.#state = { at: 'header', zeros: 0 };
      return;
    }
    const large = dataSize >= this.#large && type !== 'x' && type !== 'g';
    if (large) this.#out.push({ kind: 'start' });
    this.#state = {
      at: 'member', remaining: dataSize, padding: (BLOCK - (dataSize % BLOCK)) % BLOCK, large,
      ...(type === 'x' ? { pax: [] } : {}),
    };
  }
}
