/**
 * An HTTP request seen as OAuth 1.0a sees it: its method, the absolute URLs the client may have
 * signed, the protocol parameters from the Authorization header, and the other signed parameters
 * (query string and form body).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BadRequest, Unauthorized } from '../../platform/errors.js';
import { parseAuthorizationHeader, parseFormEncoded, type Param } from './signature.js';

/** The parts of an HTTP request that OAuth signs. A FastifyRequest is one. */
export interface HttpRequestLike {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: unknown;
}

export interface OAuthRequest {
  method: string;
  /** Absolute URLs (query excluded) the client may have signed; any one verifying is enough. */
  urls: string[];
  /** oauth_* parameters from the Authorization header, decoded; realm is not among them. */
  oauth: ReadonlyMap<string, string>;
  /** Query and form-body parameters, decoded. */
  params: Param[];
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Reads the OAuth parts of a request; Unauthorized if it carries no OAuth Authorization header.
 * `publicBaseUrl` is the identity endpoint as the catalog advertises it (e.g. http://127.0.0.1:5000).
 */
export function oauthRequestOf(http: HttpRequestLike, publicBaseUrl: string): OAuthRequest {
  const header = http.headers.authorization;
  const parsed = parseAuthorizationHeader(typeof header === 'string' ? header : undefined);
  if (!parsed) throw new Unauthorized('No OAuth Authorization header found: sign the request with OAuth 1.0a (HMAC-SHA1).');
  const oauth = new Map([...parsed].filter(([k]) => k !== 'realm'));

  const q = http.url.indexOf('?');
  const path = q < 0 ? http.url : http.url.slice(0, q);
  const params: Param[] = q < 0 ? [] : parseFormEncoded(http.url.slice(q + 1));
  const type = http.headers['content-type'];
  if (typeof type === 'string' && type.toLowerCase().startsWith(FORM) && typeof http.body === 'string') {
    params.push(...parseFormEncoded(http.body));
  }

  // The client signed the URL it used: as addressed here (Host header, with the public scheme, as
  // Keystone rebuilds it) or as advertised in the catalog when a proxy rewrote the host.
  const base = new URL(publicBaseUrl);
  const urls = new Set<string>();
  const host = http.headers.host;
  if (typeof host === 'string' && host !== '' && !/[\s/?#@]/.test(host)) urls.add(`${base.protocol}//${host}${path}`);
  urls.add(`${publicBaseUrl.replace(/\/+$/, '')}${path}`);
  return { method: http.method, urls: [...urls], oauth, params };
}

/** An OAuth protocol parameter the request must carry; 400 in Keystone's words otherwise. */
export function requiredParam(req: OAuthRequest, name: string): string {
  const v = req.oauth.get(name);
  if (v === undefined || v === '') {
    throw new BadRequest(`Expecting to find ${name} in request. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
  }
  return v;
}
