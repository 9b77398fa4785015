/**
 * A small typed client of the Docker Engine API (v1.41, dockerd 20.10) over the engine's unix socket:
 * only the calls the agent makes, with the fields it reads. Engine errors become EngineError here, where
 * they enter, so nothing above sees a raw HTTP status (docs/decisions/0008-host-agent-engine.md).
 */
import http from 'node:http';
import type { Readable } from 'node:stream';

const API = '/v1.41';

/** The engine refused or failed a request; `status` is its HTTP status (404 no such object, 409 conflict). */
export class EngineError extends Error {
  constructor(readonly status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof EngineError && err.status === 404;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Labels: Record<string, string>;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: ContainerStatus; Running: boolean; Paused: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string; OOMKilled: boolean; Error: string };
  Config: { Hostname: string; Labels: Record<string, string>; Image: string };
  HostConfig: { Memory: number; MemorySwap: number; CpuQuota: number; CpuPeriod: number; PidsLimit: number | null };
}

/** The subset of the create body the agent sets. */
export interface ContainerCreate {
  Hostname: string;
  Image: string;
  Entrypoint: string[];
  Cmd: string[];
  Env?: string[];
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  NetworkDisabled?: boolean;
  HostConfig: {
    Init: boolean;
    NetworkMode: 'none';
    Binds: string[];
    Memory: number;
    MemorySwap: number;
    CpuPeriod: number;
    CpuQuota: number;
    PidsLimit: number;
    Tmpfs?: Record<string, string>;
    LogConfig?: { Type: string; Config: Record<string, string> };
    CapAdd?: string[];
    SecurityOpt?: string[];
    CgroupnsMode?: 'private' | 'host';
    DeviceCgroupRules?: string[];
    /** Sysctls of the container's own namespaces (net.* here: the server has its own network namespace). */
    Sysctls?: Record<string, string>;
    /** A volume without Source is anonymous: removed with the container (removeContainer passes v). */
    Mounts?: Array<{ Type: 'volume'; Target: string; VolumeOptions?: { Labels?: Record<string, string> } }>;
  };
}

export interface VolumeSummary {
  Name: string;
  Labels: Record<string, string> | null;
}

export interface ResourceUpdate {
  Memory: number;
  MemorySwap: number;
  CpuPeriod: number;
  CpuQuota: number;
  PidsLimit: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Config: Record<string, unknown> | null;
}

/** An engine event (type container), as `GET /events` streams them. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

interface Request {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Streamed request body (an image archive); sent as application/x-tar. */
  stream?: Readable;
  timeoutMs?: number;
}

export class DockerApi {
  readonly #agent: http.Agent;

  constructor(readonly socketPath: string) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** Sends a request; resolves with the response for 2xx/3xx (unread), rejects with EngineError otherwise. */
  #send(req: Request): Promise<http.IncomingMessage> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const target = `${API}${req.path}${qs.size > 0 ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {};
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(JSON.stringify(req.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    } else if (req.stream) {
      headers['content-type'] = 'application/x-tar';
    }
    return new Promise((resolve, reject) => {
      const r = http.request({ socketPath: this.socketPath, agent: this.#agent, method: req.method, path: target, headers });
      if (req.timeoutMs !== undefined) r.setTimeout(req.timeoutMs, () => r.destroy(new EngineError(504, `engine did not answer ${req.method} ${req.path} within ${req.timeoutMs} ms`)));
      r.once('error', (err) => reject(err instanceof EngineError ? err : new EngineError(503, `engine unreachable at ${this.socketPath}: ${err.message}`, { cause: err })));
      r.once('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status < 400) { resolve(res); return; }
        readText(res).then((text) => {
          let message = text.trim();
          try { message = (JSON.parse(text) as { message?: string }).message ?? message; } catch { /* plain text */ }
          reject(new EngineError(status, `${req.method} ${req.path}: ${message}`));
        }, reject);
      });
      if (req.stream) {
        req.stream.once('error', (err) => r.destroy(err));
        req.stream.pipe(r);
      } else {
        r.end(payload);
      }
    });
  }

  async #json<T>(req: Request): Promise<T> {
    const text = await readText(await this.#send(req));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async #empty(req: Request): Promise<void> {
    (await this.#send(req)).resume();
  }

  async ping(timeoutMs = 1000): Promise<void> {
    await this.#empty({ method: 'GET', path: '/_ping', timeoutMs });
  }

  listContainers(label: string): Promise<ContainerSummary[]> {
    return this.#json({ method: 'GET', path: '/containers/json', query: { all: true, filters: JSON.stringify({ label: [label] }) } });
  }

  inspectContainer(idOrName: string): Promise<ContainerInspect> {
    return this.#json({ method: 'GET', path: `/containers/${encodeURIComponent(idOrName)}/json` });
  }

  /** Inspects, or undefined when there is no such container. */
  async findContainer(idOrName: string): Promise<ContainerInspect | undefined> {
    try { return await this.inspectContainer(idOrName); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
  }

  async createContainer(name: string, body: ContainerCreate): Promise<string> {
    const r = await this.#json<{ Id: string }>({ method: 'POST', path: '/containers/create', query: { name }, body });
    return r.Id;
  }

  startContainer(id: string): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/start` }); }
  stopContainer(id: string, timeoutS: number): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/stop`, query: { t: timeoutS } }); }
  restartContainer(id: string, timeoutS: number): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/restart`, query: { t: timeoutS } }); }
  pauseContainer(id: string): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/pause` }); }
  unpauseContainer(id: string): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/unpause` }); }
  updateContainer(id: string, update: ResourceUpdate): Promise<void> { return this.#empty({ method: 'POST', path: `/containers/${id}/update`, body: update }); }

  /** Removes a container and its anonymous volumes; a missing one is fine. */
  async removeContainer(id: string): Promise<void> {
    try { await this.#empty({ method: 'DELETE', path: `/containers/${encodeURIComponent(id)}`, query: { force: true, v: true } }); } catch (err) { if (!isNotFound(err)) throw err; }
  }

  /** Volumes with `label`; only those no container uses when `dangling`. */
  async listVolumes(label: string, dangling?: boolean): Promise<VolumeSummary[]> {
    const filters: Record<string, string[]> = { label: [label] };
    if (dangling !== undefined) filters.dangling = [String(dangling)];
    const r = await this.#json<{ Volumes: VolumeSummary[] | null }>({ method: 'GET', path: '/volumes', query: { filters: JSON.stringify(filters) } });
    return r.Volumes ?? [];
  }

  /** Removes a volume; a missing one is fine, one in use is an EngineError 409. */
  async removeVolume(name: string): Promise<void> {
    try { await this.#empty({ method: 'DELETE', path: `/volumes/${encodeURIComponent(name)}` }); } catch (err) { if (!isNotFound(err)) throw err; }
  }

  /** True when `path` exists in the container's filesystem (works before the container ever started). */
  async pathExists(id: string, path: string): Promise<boolean> {
    try { await this.#empty({ method: 'HEAD', path: `/containers/${id}/archive`, query: { path } }); return true; } catch (err) { if (isNotFound(err)) return false; throw err; }
  }

  /** The last `lines` lines of the container's output (stdout and stderr interleaved). */
  async logs(id: string, lines: number | 'all'): Promise<string> {
    const res = await this.#send({ method: 'GET', path: `/containers/${id}/logs`, query: { stdout: true, stderr: true, tail: lines } });
    return demultiplex(await readBuffer(res));
  }

  /** Commits a container's filesystem as repo:tag (pausing it meanwhile); `config` keeps the image's own settings. */
  async commit(id: string, repo: string, tag: string, config: Record<string, unknown> | null): Promise<string> {
    const r = await this.#json<{ Id: string }>({ method: 'POST', path: '/commit', query: { container: id, repo, tag, pause: true }, body: config ?? {} });
    return r.Id;
  }

  async findImage(name: string): Promise<ImageInspect | undefined> {
    try { return await this.#json<ImageInspect>({ method: 'GET', path: `/images/${encodeURIComponent(name)}/json` }); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
  }

  /**
   * Loads a `docker save` archive; resolves with what the engine says it loaded (`name:tag` or `sha256:…`).
   * A malformed archive is an EngineError with status 400.
   */
  async loadImage(archive: Readable): Promise<string[]> {
    const res = await this.#send({ method: 'POST', path: '/images/load', query: { quiet: true }, stream: archive });
    const text = await readText(res);
    const loaded: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as { stream?: string; error?: string; errorDetail?: { message?: string } };
      if (msg.error) throw new EngineError(400, `the image archive could not be loaded: ${msg.errorDetail?.message ?? msg.error}`);
      const m = /Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
      if (m?.[1]) loaded.push(m[1]);
    }
    return loaded;
  }

  /** `docker save` of one image, as a stream. */
  async saveImage(name: string): Promise<Readable> {
    return this.#send({ method: 'GET', path: `/images/${encodeURIComponent(name)}/get` });
  }

  tagImage(source: string, repo: string, tag: string): Promise<void> {
    return this.#empty({ method: 'POST', path: `/images/${encodeURIComponent(source)}/tag`, query: { repo, tag } });
  }

  async removeImage(name: string): Promise<void> {
    try { await this.#empty({ method: 'DELETE', path: `/images/${encodeURIComponent(name)}`, query: { noprune: false } }); } catch (err) { if (!isNotFound(err)) throw err; }
  }

  /** Streams container events to `onEvent` until the returned function is called or the engine goes away. */
  async events(onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<() => void> {
    const res = await this.#send({ method: 'GET', path: '/events', query: { filters: JSON.stringify({ type: ['container'] }) } });
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) {
          try { onEvent(JSON.parse(line) as EngineEvent); } catch { /* a torn line: the next resync covers it */ }
        }
      }
    });
    let ended = false;
    const end = (err?: Error): void => { if (!ended) { ended = true; onEnd(err); } };
    res.once('end', () => end());
    res.once('error', (err) => end(err));
    res.once('close', () => end());
    return () => { ended = true; res.destroy(); };
  }
}

function readBuffer(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

async function readText(stream: Readable): Promise<string> {
  return (await readBuffer(stream)).toString('utf8');
}

/**
 * Docker multiplexes stdout and stderr of a container without a TTY: each frame has an 8-byte header
 * (stream, 3 zero bytes, big-endian length). A TTY container's log is raw text; it starts with no header.
 */
export function demultiplex(buf: Buffer): string {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const kind = buf[off];
    if ((kind !== 0 && kind !== 1 && kind !== 2) || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) return buf.toString('utf8');
    const len = buf.readUInt32BE(off + 4);
    parts.push(buf.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}
