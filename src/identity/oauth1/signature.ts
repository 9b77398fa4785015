/**
 * OAuth 1.0a request signatures (RFC 5849 section 3.4) with HMAC-SHA1, the one method Keystone's
 * OS-OAUTH1 accepts. Pure functions: parse the Authorization header and form-encoded parameters, build
 * the signature base string, sign, and compare in constant time. Both sides use the same code: the
 * server to verify, tests and clients to sign.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequest } from '../../platform/errors.js';

export type Param = readonly [name: string, value: string];

/** RFC 3986 percent-encoding as RFC 5849 3.6 requires: everything but ALPHA, DIGIT, '-', '.', '_', '~'. */
export function percentEncode(s: string): string {
  try {
    // encodeURIComponent also leaves !'()* alone; RFC 5849 wants those encoded.
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch (err) {
    throw new BadRequest('OAuth parameters must be valid Unicode.', { cause: err });
  }
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch (err) {
    throw new BadRequest('Malformed percent-encoding in OAuth parameters.', { cause: err });
  }
}

/**
 * Parses `application/x-www-form-urlencoded` text (a query string or a form body) into decoded
 * pairs, keeping repeats and order. '+' is a space here (RFC 5849 3.4.1.3.1).
 */
export function parseFormEncoded(text: string): Param[] {
  const out: Param[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.push([percentDecode(name.replace(/\+/g, ' ')), percentDecode(value.replace(/\+/g, ' '))]);
  }
  return out;
}

/**
 * Parses an `Authorization: OAuth k="v", …` header (RFC 5849 3.5.1) into decoded pairs; undefined if
 * the header is not of the OAuth scheme. A parameter given twice is refused, as the RFC requires.
 */
export function parseAuthorizationHeader(header: string | undefined): Map<string, string> | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*OAuth(?:\s+|$)(.*)$/is.exec(header);
  if (!match) return undefined;
  const params = new Map<string, string>();
  const rest = match[1]!.trim();
  if (rest === '') return params;
  for (const item of rest.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*"([^"]*)"\s*$/.exec(item);
    if (!m) throw new BadRequest('Malformed OAuth Authorization header.');
    const name = percentDecode(m[1]!);
    if (params.has(name)) throw new BadRequest(`The OAuth parameter ${name} is given more than once.`);
    params.set(name, percentDecode(m[2]!));
  }
  return params;
}

/** The base string URI (RFC 5849 3.4.1.2): lower-case scheme and host, default port dropped, no query. */
export function baseStringUri(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new BadRequest(`Cannot sign a request to ${url}: not an absolute URL.`, { cause: err });
  }
  // URL lower-cases scheme and host and drops the scheme's default port.
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Normalised request parameters (RFC 5849 3.4.1.3.2): encoded, sorted by name then value, joined. */
export function normalizeParameters(params: readonly Param[]): string {
  const encoded = params.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  // Encoded strings are ASCII, so comparing UTF-16 code units is byte order.
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The signature base string (RFC 5849 3.4.1): METHOD&base-uri&normalised-parameters, each encoded. */
export function signatureBaseString(method: string, url: string, params: readonly Param[]): string {
  return [method.toUpperCase(), baseStringUri(url), normalizeParameters(params)].map(percentEncode).join('&');
}

/** HMAC-SHA1 over the base string with key `enc(client secret)&enc(token secret)`, base64 (3.4.2). */
export function hmacSha1(baseString: string, clientSecret: string, tokenSecret = ''): string {
  const key = `${percentEncode(clientSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64');
}

/** Compares two signatures without leaking where they differ. */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignOptions {
  method: string;
  /** Absolute URL, query string included (its parameters are signed). */
  url: string;
  consumerKey: string;
  consumerSecret: string;
  token?: string;
  tokenSecret?: string;
  verifier?: string;
  callback?: string;
  /** Form-encoded body parameters, if the request has such a body. */
  form?: readonly Param[];
  nonce: string;
  timestamp: number;
}

/** Builds a signed `Authorization: OAuth …` header value, as an OAuth 1.0a client does. */
export function signedAuthorizationHeader(o: SignOptions): string {
  const oauth: Param[] = [
    ['oauth_consumer_key', o.consumerKey],
    ['oauth_nonce', o.nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(o.timestamp)],
    ['oauth_version', '1.0'],
  ];
  if (o.token !== undefined) oauth.push(['oauth_token', o.token]);
  if (o.verifier !== undefined) oauth.push(['oauth_verifier', o.verifier]);
  if (o.callback !== undefined) oauth.push(['oauth_callback', o.callback]);
  const query = o.url.includes('?') ? parseFormEncoded(o.url.slice(o.url.indexOf('?') + 1)) : [];
  const base = signatureBaseString(o.method, o.url, [...oauth, ...query, ...(o.form ?? [])]);
  oauth.push(['oauth_signature', hmacSha1(base, o.consumerSecret, o.tokenSecret ?? '')]);
  return `OAuth ${oauth.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')}`;
}
