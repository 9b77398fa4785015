/**
 * The metadata service's paths to Flotilla's APIs: servers cannot reach the APIs' addresses (they listen
 * on the machine's loopback), so the few requests a server must make to an API go to the metadata
 * address, `http://169.254.169.254/<service>/…`, and the agent forwards them to `<service URL>/…` with
 * their X-Auth-Token (a narrow secret the API itself checks) and JSON body, and relays the answer:
 *
 *   POST /orchestration/v1/<tenant>/stacks/<name>/<id>/resources/<handle>/signal   wait-condition signals (decision 0013)
 *   POST /container-infra/v1/certificates                                          a cluster node's CSR, signed with its cluster's CA
 *
 * Only these POSTs, from servers the agent knows, are forwarded: the metadata address is not a general
 * way into the APIs.
 */
import type http from 'node:http';

/** The services a server may reach through the metadata address. */
export type ForwardedService = 'orchestration' | 'container-infra';

/** Each forwarded service's root URL (e.g. http://127.0.0.1:8004); a service without one answers 404. */
export type ForwardTargets = Partial<Record<ForwardedService, string>>;

/** At most this much body is forwarded (Heat's signal details and a CSR are small). */
const MAX_BODY = 64 * 1024;

/** Per service: the metadata paths forwarded, the API path captured. */
const ROUTES: Readonly<Record<ForwardedService, RegExp>> = {
  orchestration: /^\/orchestration(\/v1\/[^/]+\/stacks\/[^/]+\/[^/]+\/resources\/[^/]+\/signal)$/,
  'container-infra': /^\/container-infra(\/v1\/certificates)$/,
};

/** The service a metadata request is for (its first path segment), if it is one of those forwarded. */
export function forwardedService(pathname: string): ForwardedService | undefined {
  return (Object.keys(ROUTES) as ForwardedService[]).find((s) => pathname === `/${s}` || pathname.startsWith(`/${s}/`));
}

/** The API path a metadata path forwards to, if it is one that is forwarded. */
export function forwardedPath(pathname: string): { service: ForwardedService; path: string } | undefined {
  const service = forwardedService(pathname);
  const path = service && ROUTES[service].exec(pathname)?.[1];
  return service && path ? { service, path } : undefined;
}

/** The orchestration path a metadata request forwards to, if it is one. */
export function orchestrationPath(pathname: string): string | undefined {
  const f = forwardedPath(pathname);
  return f?.service === 'orchestration' ? f.path : undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { resolve(undefined); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Forwards one request to its service's API and relays the answer. */
export async function forwardToService(targets: ForwardTargets, req: http.IncomingMessage, res: http.ServerResponse, rawPath: string, search: string): Promise<void> {
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const target = forwardedPath(rawPath);
  const base = target && targets[target.service];
  if (!target || !base) { send(404, 'Not Found\n'); return; }
  if (req.method !== 'POST') { send(405, 'Method Not Allowed\n'); return; }
  const body = await readBody(req);
  if (body === undefined) { send(413, 'Request Entity Too Large\n'); return; }
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string') headers['x-auth-token'] = token;
  if (body.length > 0) headers['content-type'] = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : 'application/json';
  let answer: Response;
  try {
    answer = await fetch(`${base.replace(/\/+$/, '')}${target.path}${search}`, {
      method: 'POST', headers, ...(body.length > 0 ? { body } : {}), signal: AbortSignal.timeout(30_000),
    });
  } catch {
    send(503, 'Service Unavailable\n');
    return;
  }
  send(answer.status, await answer.text(), answer.headers.get('content-type') ?? 'text/plain; charset=utf-8');
}
