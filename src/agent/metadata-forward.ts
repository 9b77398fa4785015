/**
 * The metadata service's path to the orchestration API: servers cannot reach the API's address (it
 * listens on the machine's loopback), so a WaitConditionHandle's signal URL is the metadata address
 * `http://169.254.169.254/orchestration/v1/…/signal` (decision 0013), and the agent forwards such a
 * request to `<orchestration URL>/v1/…/signal` with its X-Auth-Token (a handle token the API checks)
 * and its JSON body. Only signal POSTs from servers the agent knows are forwarded: the metadata address
 * is not a general way into the API.
 */
import type http from 'node:http';

/** At most this much body is forwarded (Heat's signal details are small). */
const MAX_BODY = 64 * 1024;
const SIGNAL_PATH = /^\/orchestration(\/v1\/[^/]+\/stacks\/[^/]+\/[^/]+\/resources\/[^/]+\/signal)$/;

/** The orchestration path a metadata request forwards to, if it is one. */
export function orchestrationPath(pathname: string): string | undefined {
  return SIGNAL_PATH.exec(pathname)?.[1];
}

/** Whether a request to the metadata service is for the orchestration API. */
export const isOrchestrationRequest = (pathname: string): boolean => pathname === '/orchestration' || pathname.startsWith('/orchestration/');

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

/** Forwards one signal request to the orchestration API and relays its answer. */
export async function forwardToOrchestration(orchestrationUrl: string | undefined, req: http.IncomingMessage, res: http.ServerResponse, rawPath: string, search: string): Promise<void> {
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const target = orchestrationPath(rawPath);
  if (!orchestrationUrl || !target) { send(404, 'Not Found\n'); return; }
  if (req.method !== 'POST') { send(405, 'Method Not Allowed\n'); return; }
  const body = await readBody(req);
  if (body === undefined) { send(413, 'Request Entity Too Large\n'); return; }
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string') headers['x-auth-token'] = token;
  if (body.length > 0) headers['content-type'] = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : 'application/json';
  let answer: Response;
  try {
    answer = await fetch(`${orchestrationUrl.replace(/\/+$/, '')}${target}${search}`, {
      method: 'POST', headers, ...(body.length > 0 ? { body } : {}), signal: AbortSignal.timeout(30_000),
    });
  } catch {
    send(503, 'Service Unavailable\n');
    return;
  }
  send(answer.status, await answer.text(), answer.headers.get('content-type') ?? 'text/plain; charset=utf-8');
}
