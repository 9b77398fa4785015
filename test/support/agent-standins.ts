/**
 * Stand-ins for the agent's two peers, for the agent's integration tests until the real services serve
 * what the agent calls: `StandInCompute` speaks the agent protocol (src/compute/agent-protocol.ts: register,
 * desired-servers long poll, observed reports) and `StandInImages` the three Glance calls the agent makes
 * (show, download, upload). They hold state in memory and accept any token. The protocol is the contract;
 * replace them with the real compute and image services (test/support/cloud.ts) once those serve it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_API_PREFIX, type HostRegistration, type ObservedServer, type ServerSpec } from '../../src/compute/agent-protocol.js';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Stands in for compute's internal agent API. */
export class StandInCompute {
  url = '';
  readonly #server = http.createServer((req, res) => { void this.#handle(req, res); });
  readonly #specs = new Map<string, { host: string; spec: ServerSpec }>();
  readonly #revisions = new Map<string, number>();
  readonly #waiters: Array<() => void> = [];
  readonly registrations = new Map<string, { at: number; body: HostRegistration }>();
  /** Every report per server, oldest first. */
  readonly observed = new Map<string, ObservedServer[]>();
  readonly #observedWaiters: Array<() => void> = [];

  static async start(): Promise<StandInCompute> {
    const c = new StandInCompute();
    c.url = await listen(c.#server);
    return c;
  }

  async close(): Promise<void> {
    for (const w of this.#waiters.splice(0)) w();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  /** Sets a server's desired spec on a host (bumping its generation unless given) and wakes that host's poll. */
  put(host: string, spec: ServerSpec): ServerSpec {
    this.#specs.set(spec.id, { host, spec });
    this.#revisions.set(host, (this.#revisions.get(host) ?? 0) + 1);
    for (const w of this.#waiters.splice(0)) w();
    return spec;
  }

  /** Changes a server's spec: the change is applied, the generation bumped. */
  update(id: string, change: (s: ServerSpec) => Partial<ServerSpec>): ServerSpec {
    const cur = this.#specs.get(id);
    if (!cur) throw new Error(`no server ${id}`);
    return this.put(cur.host, { ...cur.spec, ...change(cur.spec), generation: cur.spec.generation + 1 });
  }

  /** Forgets a server entirely (after it was reported absent). */
  drop(id: string): void {
    const cur = this.#specs.get(id);
    if (!cur) return;
    this.#specs.delete(id);
    this.#revisions.set(cur.host, (this.#revisions.get(cur.host) ?? 0) + 1);
    for (const w of this.#waiters.splice(0)) w();
  }

  spec(id: string): ServerSpec {
    const cur = this.#specs.get(id);
    if (!cur) throw new Error(`no server ${id}`);
    return cur.spec;
  }

  last(id: string): ObservedServer | undefined {
    return this.observed.get(id)?.at(-1);
  }

  /** Waits until the server's latest report satisfies `ok`. */
  async waitFor(id: string, ok: (o: ObservedServer) => boolean, timeoutMs = 30_000): Promise<ObservedServer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const o = this.last(id);
      if (o && ok(o)) return o;
      if (Date.now() > deadline) throw new Error(`server ${id}: no matching report within ${timeoutMs} ms; last: ${JSON.stringify(o)}`);
      await new Promise<void>((r) => { const t = setTimeout(r, 200); this.#observedWaiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!req.headers['x-auth-token']) { json(res, 401, { error: { message: 'no token' } }); return; }
    const p = url.pathname.startsWith(AGENT_API_PREFIX) ? url.pathname.slice(AGENT_API_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent) : [];
    const body = await readBody(req);
    if (p[0] === 'hosts' && p.length === 2 && req.method === 'PUT') {
      this.registrations.set(p[1]!, { at: Date.now(), body: JSON.parse(body.toString()) as HostRegistration });
      json(res, 200, { revision: this.#revisions.get(p[1]!) ?? 0, disabled: false });
      return;
    }
    if (p[0] === 'hosts' && p.length === 3 && p[2] === 'servers' && req.method === 'GET') {
      const host = p[1]!;
      const since = Number(url.searchParams.get('since') ?? 0);
      const deadline = Date.now() + Number(url.searchParams.get('wait') ?? 0) * 1000;
      while ((this.#revisions.get(host) ?? 0) <= since && Date.now() < deadline && this.#server.listening) {
        await new Promise<void>((r) => { const t = setTimeout(r, deadline - Date.now()); this.#waiters.push(() => { clearTimeout(t); r(); }); });
      }
      const servers = [...this.#specs.values()].filter((s) => s.host === host).map((s) => s.spec);
      json(res, 200, { revision: this.#revisions.get(host) ?? 0, servers });
      return;
    }
    if (p[0] === 'hosts' && p.length === 5 && p[2] === 'servers' && p[4] === 'observed' && req.method === 'PUT') {
      const list = this.observed.get(p[3]!) ?? [];
      list.push(JSON.parse(body.toString()) as ObservedServer);
      this.observed.set(p[3]!, list);
      for (const w of this.#observedWaiters.splice(0)) w();
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { itemNotFound: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
  }
}

export interface StoredImage {
  id: string;
  container_format: string | null;
  disk_format: string | null;
  status: string;
  data?: Buffer;
}

/** Stands in for the three image API calls the agent makes. */
export class StandInImages {
  url = '';
  readonly images = new Map<string, StoredImage>();
  readonly #server = http.createServer((req, res) => { void this.#handle(req, res); });

  static async start(): Promise<StandInImages> {
    const s = new StandInImages();
    s.url = await listen(s.#server);
    return s;
  }

  add(image: StoredImage): void { this.images.set(image.id, image); }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = /^\/v2\/images\/([^/]+)(\/file)?$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const img = m ? this.images.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !img) { await readBody(req); json(res, 404, { message: 'image not found', code: 404 }); return; }
    if (!m[2] && req.method === 'GET') {
      json(res, 200, { id: img.id, status: img.status, container_format: img.container_format, disk_format: img.disk_format, size: img.data?.length ?? null });
      return;
    }
    if (m[2] && req.method === 'GET') {
      if (!img.data) { res.writeHead(204).end(); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(img.data.length) });
      res.end(img.data);
      return;
    }
    if (m[2] && req.method === 'PUT') {
      if (img.data) { await readBody(req); json(res, 409, { message: 'image already has data', code: 409 }); return; }
      img.status = 'saving';
      img.data = await readBody(req);
      img.status = 'active';
      res.writeHead(204).end();
      return;
    }
    json(res, 405, { message: 'method not allowed', code: 405 });
  }
}
