/**
 * Deterministic hostile input for robustness tests: a seeded random source, values of every JSON type
 * that do not belong where they are put, broken JSON texts, odd ids and tampered tokens. The same
 * seed gives the same requests, so a failure can be replayed.
 */

/** mulberry32: small, fast and good enough to pick test inputs reproducibly. */
export class Rng {
  #state: number;
  constructor(seed: number) { this.#state = seed >>> 0; }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number { return Math.floor(this.next() * maxExclusive); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
  /** `n` distinct items (fewer if there are not that many). */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(256).toString(16).padStart(2, '0');
    return s;
  }
}

/** A JSON value nested `depth` levels deep: {"a":{"a":…1…}}. */
export function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

export function nestedArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A named value to put where it does not belong. `text` is its JSON. */
export interface HostileValue {
  label: string;
  text: string;
  /** Marks values that meet known engine limits (see the bug list in the tests). */
  tags: readonly string[];
}

const v = (label: string, value: unknown, tags: string[] = []): HostileValue => ({ label, text: JSON.stringify(value), tags });
const raw = (label: string, text: string, tags: string[] = []): HostileValue => ({ label, text, tags });

/** Values of every JSON type, edge sizes and characters that break naive storage or rendering. */
export const HOSTILE_VALUES: readonly HostileValue[] = [
  v('null', null),
  v('true', true),
  v('false', false),
  v('zero', 0),
  v('negative', -1),
  v('float', 1.5),
  v('huge number', 1e308, ['bigint']),
  raw('big integer literal', '123456789012345678901234567890', ['bigint']),
  v('empty string', ''),
  v('blank string', '   '),
  v('empty array', []),
  v('array of strings', ['a', 'b']),
  v('array of objects', [{ id: 'x' }]),
  v('empty object', {}),
  v('object', { id: 'x', name: 'y' }),
  v('NUL', 'a\u0000b', ['nul']),
  v('control chars', '\u0001\u0002\u001b[31m\u007f'),
  v('newline and tab', 'line1\nline2\tend'),
  v('right-to-left override', 'abc\u202Edcb'),
  v('lone surrogate', '\ud800x', ['surrogate']),
  v('emoji', '😀🚀'),
  v('accents', 'éàüß'),
  v('html', '<script>alert(1)</script>'),
  v('sql', "' OR 1=1; DROP TABLE project; --"),
  v('path traversal', '../../../../etc/passwd'),
  v('percent', '%00%2F%'),
  v('long 65', 'n'.repeat(65), ['long']),
  v('long 256', 'n'.repeat(256), ['long']),
  v('long 5000', 'n'.repeat(5000), ['long']),
  raw('deep object', nestedObject(4000), ['deep']),
  raw('deep array', nestedArray(4000), ['deep']),
];

/** Texts that are not valid JSON, or valid JSON of the wrong shape for a request body. */
export function brokenBodies(valid: string): Array<{ label: string; text: string | Buffer }> {
  const half = Math.max(1, Math.floor(valid.length / 2));
  return [
    { label: 'truncated half', text: valid.slice(0, half) },
    { label: 'truncated last byte', text: valid.slice(0, -1) },
    { label: 'trailing garbage', text: `${valid}xyz` },
    { label: 'two documents', text: `${valid}${valid}` },
    { label: 'single quotes', text: valid.replace(/"/g, "'") },
    { label: 'trailing comma', text: valid.replace(/}$/, ',}') },
    { label: 'comment', text: `/* hi */${valid}` },
    { label: 'NaN literal', text: '{"x": NaN}' },
    { label: 'raw NUL byte', text: `{"a": "\u0000"}` },
    { label: 'invalid utf-8', text: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    { label: 'BOM', text: `\ufeff${valid}` },
    { label: 'only whitespace', text: ' \n\t ' },
    { label: 'garbage', text: 'definitely not json' },
    { label: 'unterminated string', text: '{"a": "abc' },
    { label: 'top-level null', text: 'null' },
    { label: 'top-level array', text: '[]' },
    { label: 'top-level number', text: '42' },
    { label: 'top-level string', text: '"text"' },
    { label: 'top-level true', text: 'true' },
    { label: 'empty object', text: '{}' },
    { label: 'duplicate keys', text: valid.replace(/^\{/, '{"x":1,"x":2,') },
    { label: 'proto pollution', text: valid.replace(/^\{/, '{"__proto__":{"polluted":true},') },
    { label: 'deep nesting', text: nestedArray(50000) },
  ];
}

/** Path segments that are no id of ours. `encoded` is what goes in the URL. */
export const HOSTILE_IDS: ReadonlyArray<{ label: string; encoded: string; tags?: string[] }> = [
  { label: 'random hex', encoded: '0123456789abcdef0123456789abcdef' },
  { label: 'space', encoded: '%20' },
  { label: 'dot dot', encoded: '..' },
  { label: 'encoded traversal', encoded: '..%2F..%2Fetc%2Fpasswd' },
  { label: 'encoded slash', encoded: 'a%2Fb' },
  { label: 'double-encoded slash', encoded: 'a%252Fb' },
  { label: 'encoded NUL', encoded: 'id%00nul', tags: ['nul'] },
  { label: 'bad percent escape', encoded: '%zz' },
  { label: 'lone percent', encoded: '%' },
  { label: 'unicode', encoded: encodeURIComponent('ünïcødé😀') },
  { label: 'sql', encoded: encodeURIComponent("' OR '1'='1") },
  { label: 'long 300', encoded: 'x'.repeat(300), tags: ['long'] },
  { label: 'long 2000', encoded: 'y'.repeat(2000), tags: ['long'] },
  { label: 'long 5000', encoded: 'z'.repeat(5000), tags: ['long'] },
  { label: 'semicolon', encoded: 'abc;x=1' },
  { label: 'keystone root domain id', encoded: encodeURIComponent('<<keystone.domain.root>>') },
  { label: 'null role domain', encoded: encodeURIComponent('<<null>>') },
];

/** Tampered versions of a real token: each must be refused as if it were no token at all. */
export function tamperedTokens(token: string, rng: Rng): Array<{ label: string; token: string }> {
  const raw = Buffer.from(token, 'base64url');
  const flip = (byteIndex: number, bit: number): string => {
    const copy = Buffer.from(raw);
    copy[byteIndex] = copy[byteIndex]! ^ (1 << bit);
    return copy.toString('base64url');
  };
  const out: Array<{ label: string; token: string }> = [];
  // Version byte, key fingerprint, IV, ciphertext and tag: a flip anywhere must break it.
  for (const i of [0, 1, 4, 5, 16, 17, Math.floor(raw.length / 2), raw.length - 17, raw.length - 1]) {
    out.push({ label: `bit flip at byte ${i}`, token: flip(i, rng.int(8)) });
  }
  for (let n = 0; n < 4; n++) {
    const i = rng.int(raw.length);
    out.push({ label: `random bit flip at byte ${i}`, token: flip(i, rng.int(8)) });
  }
  for (const len of [1, 20, 59, 60, Math.floor(token.length / 2), token.length - 1]) {
    out.push({ label: `truncated to ${len}`, token: token.slice(0, len) });
  }
  out.push({ label: 'appended byte', token: Buffer.concat([raw, Buffer.from([0])]).toString('base64url') });
  out.push({ label: 'appended char', token: `${token}A` });
  // Only a tampering when the token holds a '-' or '_' (or needs padding); otherwise the two
  // alphabets spell it the same and this would be the real token (a few runs in a thousand).
  const standard = raw.toString('base64');
  if (standard !== token) out.push({ label: 'standard base64 alphabet', token: standard });
  out.push({ label: 'base64 garbage of same length', token: Buffer.from(rng.hex(raw.length), 'hex').toString('base64url') });
  out.push({ label: 'reversed', token: [...token].reverse().join('') });
  out.push({ label: 'upper-cased', token: token.toUpperCase() });
  // Leading and trailing spaces are not tampering: HTTP strips them from header values.
  out.push({ label: 'embedded space', token: `${token.slice(0, 20)} ${token.slice(20)}` });
  out.push({ label: 'two tokens joined', token: `${token},${token}` });
  out.push({ label: 'very long', token: 'A'.repeat(8000) });
  out.push({ label: 'a uuid', token: '5b8f3f54-7bd7-4b0a-8c9e-9a5bfc0c8d63' });
  out.push({ label: 'a fernet-looking token', token: `gAAAAA${'B'.repeat(180)}` });
  out.push({ label: 'version 2 header', token: Buffer.concat([Buffer.from([2]), raw.subarray(1)]).toString('base64url') });
  return out;
}
