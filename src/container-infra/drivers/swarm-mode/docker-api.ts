/**
 * A small client of a Swarm cluster's Docker Engine API: over TCP with TLS and a client certificate
 * (the master's engine on 2376, behind TLS that asks for a certificate of the cluster CA), over plain TCP
 * (2375, a cluster whose template has tls_disabled), or over a unix socket (a local engine, for tests).
 * Only the calls the conductor makes: info, version, nodes (list, inspect, update, remove), tasks and
 * services. Every call has a timeout; engine errors become DockerApiError with the engine's status and message.
 */
import http from 'node:http';
import https from 'node:https';

/** The engine answered with an error status (404 no such node, 409/500 version out of sequence…), or could not be reached (status 0). */
export class DockerApiError extends Error {
  constructor(readonly status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerApiError';
  }
}

export interface DockerEndpoint {
  /** `tcp://host:port`, `https://host:port`, `http://host:port` or `unix:///path/to/socket`. */
  address: string;
  /** PEM texts: the CA that signed the engine's certificate, and the client's certificate and key. */
  tls?: { ca: string; cert: string; key: string };
  /** Per request, default 5000 ms. */
  timeoutMs?: number;
}

export interface EngineInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  Containers: number;
  Labels: string[] | null;
  Swarm: {
    NodeID: string;
    NodeAddr: string;
    LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
    ControlAvailable: boolean;
    Error: string;
    Cluster?: { ID: string } | null;
    Nodes?: number;
    Managers?: number;
  };
}

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os: string;
  Arch: string;
}

export interface NodeSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Role: 'manager' | 'worker';
  Availability: 'active' | 'pause' | 'drain';
}

export interface SwarmNode {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: NodeSpec;
  Description: {
    Hostname: string;
    Platform?: { Architecture: string; OS: string };
    Engine?: { EngineVersion: string; Labels?: Record<string, string> | null };
  };
  Status: { State: 'unknown' | 'down' | 'ready' | 'disconnected'; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability: string; Addr: string };
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Message?: string; Err?: string; Timestamp?: string };
}

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Mode?: { Replicated?: { Replicas: number }; Global?: Record<string, never> }; Labels?: Record<string, string> };
}

/** Filters as the engine takes them (`{"node": ["id"]}`), JSON in the query. */
export type Filters = Record<string, readonly string[]>;

function parseAddress(address: string): { socketPath?: string; host?: string; port?: number; secure: boolean } {
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length), secure: false };
  const m = /^(tcp|http|https):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(address);
  if (!m) throw new DockerApiError(0, `not a Docker API address: ${address}`);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const secure = m[1] === 'https';
  return { host, port: m[3] ? Number(m[3]) : secure ? 2376 : 2375, secure };
}

export class DockerApi {
  readonly #target: { socketPath?: string; host?: string; port?: number };
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;
  readonly #timeoutMs: number;

  constructor(readonly endpoint: DockerEndpoint) {
    const { secure, ...target } = parseAddress(endpoint.address);
    this.#target = target;
    this.#timeoutMs = endpoint.timeoutMs ?? 5000;
    if (endpoint.tls || secure) {
      if (target.socketPath) throw new DockerApiError(0, 'TLS over a unix socket is not supported');
      this.#transport = https;
      this.#agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...(endpoint.tls ? { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key } : {}) });
    } else {
      this.#transport = http;
      this.#agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** One request; resolves with the parsed JSON body (undefined when empty). */
  request<T>(method: string, path: string, body?: unknown, timeoutMs = this.#timeoutMs): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = this.#transport.request({
        ...this.#target, method, path, agent: this.#agent,
        // Over a unix socket there is no host; over TLS the host checked against the certificate is the address's.
        headers: { accept: 'application/json', ...(this.#target.socketPath ? { host: 'docker' } : {}), ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new DockerApiError(0, `${method} ${path}: ${err.message}`, { cause: err })));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
          if (status >= 400) {
            const message = typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string'
              ? (parsed as { message: string }).message : text.trim().slice(0, 300);
            reject(new DockerApiError(status, `${method} ${path}: ${status} ${message}`));
            return;
          }
          resolve(parsed as T);
        });
      });
      const timer = setTimeout(() => req.destroy(new DockerApiError(0, `${method} ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof DockerApiError ? err : new DockerApiError(0, `${method} ${path}: ${err.message}`, { cause: err }));
      });
      req.end(payload);
    });
  }

  info(): Promise<EngineInfo> {
    return this.request('GET', '/info');
  }

  version(): Promise<EngineVersion> {
    return this.request('GET', '/version');
  }

  nodes(filters?: Filters): Promise<SwarmNode[]> {
    return this.request('GET', `/nodes${query(filters)}`);
  }

  node(id: string): Promise<SwarmNode> {
    return this.request('GET', `/nodes/${encodeURIComponent(id)}`);
  }

  /** Replaces the node's spec; `version` is the node's Version.Index the change is based on. */
  async updateNode(id: string, version: number, spec: NodeSpec): Promise<void> {
    await this.request('POST', `/nodes/${encodeURIComponent(id)}/update?version=${version}`, spec);
  }

  /**
   * Changes a node's spec from its current one, re-reading it when the engine says another change came
   * first (update out of sequence).
   */
  async changeNode(id: string, change: (spec: NodeSpec) => NodeSpec, attempts = 5): Promise<SwarmNode> {
    for (let i = 1; ; i++) {
      const n = await this.node(id);
      try {
        await this.updateNode(id, n.Version.Index, change(n.Spec));
        return n;
      } catch (err) {
        if (i >= attempts || !(err instanceof DockerApiError) || !/out of sequence/i.test(err.message)) throw err;
      }
    }
  }

  async removeNode(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.request('DELETE', `/nodes/${encodeURIComponent(id)}${opts.force ? '?force=true' : ''}`);
  }

  tasks(filters?: Filters): Promise<SwarmTask[]> {
    return this.request('GET', `/tasks${query(filters)}`);
  }

  services(filters?: Filters): Promise<SwarmService[]> {
    return this.request('GET', `/services${query(filters)}`);
  }
}

function query(filters?: Filters): string {
  return filters && Object.keys(filters).length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
}
