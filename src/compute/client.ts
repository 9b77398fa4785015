/**
 * Typed client of the compute service: the internal agent API (register, desired servers, observed state)
 * for host agents, and the Nova v2.1 calls other services (orchestration, container infra) and the CLI
 * use. HTTP only: no caller reads compute's tables. Every Nova call takes the caller's token.
 *
 * @example
 *   const compute = new ComputeClient('http://127.0.0.1:8774');
 *   const agent = compute.forAgent('host-1', () => session.token(), () => session.invalidate());
 *   let { revision } = await agent.registerHost({ zone: 'nova', resources, agentSocket, version });
 *   const desired = await agent.desiredServers(revision, 25);  // long poll
 *   await agent.reportObserved(desired.servers[0].id, { state: 'running', generation: 3, rebootCount: 0, rebuildCount: 0 });
 */
import { BadRequest, Conflict, faultFromStatus, Forbidden, MethodNotAllowed, NotAcceptable, NotFound, OverLimit, Unauthorized, Unavailable, type FaultTable } from '../platform/errors.js';
import {
  AGENT_API_PREFIX,
  type DesiredServers,
  type HostRegistration,
  type HostRegistrationReply,
  type ObservedServer,
} from './agent-protocol.js';

/** The microversion this client speaks unless told otherwise (compute's maximum). */
export const CLIENT_MICROVERSION = '2.79';

/** The typed fault each compute API error status becomes, so callers can rethrow it. */
const FAULTS: FaultTable = {
  400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed, 406: NotAcceptable, 409: Conflict, 413: OverLimit,
};

/** The message of a Nova fault body (`{"itemNotFound": {"code", "message"}}`), else the text. */
function faultMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    for (const v of Object.values(body as Record<string, unknown>)) {
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
    }
  }
  return text.slice(0, 300);
}

/** A server as Nova shows it (the fields callers rely on; the rest is passed through). */
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id: string;
  addresses: Record<string, Array<{ addr: string; version: number; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS-MAC:mac_addr'?: string }>>;
  flavor: Record<string, unknown>;
  image: { id: string } | '';
  metadata: Record<string, string>;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:power_state'?: number;
  fault?: { code: number; message: string; created: string; details?: string };
  [field: string]: unknown;
}

export interface NovaFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  [field: string]: unknown;
}

export interface NovaKeypair {
  name: string;
  public_key: string;
  fingerprint: string;
  type?: string;
  private_key?: string;
  user_id?: string;
}

/** The body of `POST /servers` (`server` object), as Nova documents it. */
export interface ServerCreate {
  name: string;
  imageRef: string;
  flavorRef: string;
  networks?: 'auto' | 'none' | Array<{ uuid?: string; port?: string; fixed_ip?: string }>;
  key_name?: string;
  user_data?: string;
  metadata?: Record<string, string>;
  availability_zone?: string;
  min_count?: number;
  max_count?: number;
  security_groups?: Array<{ name: string }>;
  description?: string;
  tags?: string[];
  [field: string]: unknown;
}

export class ComputeClient {
  readonly #base: string;

  /**
   * @param baseUrl the compute service's root, e.g. http://127.0.0.1:8774 (not the /v2.1 catalog URL)
   * @param microversion the Nova microversion to request
   */
  constructor(baseUrl: string, readonly microversion: string = CLIENT_MICROVERSION, private readonly timeoutMs = 60_000) {
    this.#base = baseUrl.replace(/\/+$/, '').replace(/\/v2(\.1)?$/, '');
  }

  async #call(method: string, path: string, token: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<{ status: number; body: any; text: string }> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-auth-token': token,
      'openstack-api-version': `compute ${this.microversion}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: globalThis.Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Unavailable(`compute service unreachable at ${this.#base}`, { cause: err });
    }
    const text = await res.text();
    let parsed: any;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    if (res.status >= 400) throw faultFromStatus('compute', FAULTS, res.status, faultMessage(parsed, text));
    return { status: res.status, body: parsed, text };
  }

  // --- the internal agent API (service role) ---

  /** Registers a host or renews its heartbeat. */
  async registerHost(token: string, host: string, registration: HostRegistration): Promise<HostRegistrationReply> {
    return (await this.#call('PUT', `${AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}`, token, registration)).body as HostRegistrationReply;
  }

  /**
   * The host's desired servers. Answers at once when the host's revision is past `since`, else after at
   * most `waitS` seconds with the same revision.
   */
  async desiredServers(token: string, host: string, since: number, waitS: number): Promise<DesiredServers> {
    const q = `since=${encodeURIComponent(String(since))}&wait=${encodeURIComponent(String(waitS))}`;
    const r = await this.#call('GET', `${AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}/servers?${q}`, token, undefined, (waitS + 15) * 1000);
    return r.body as DesiredServers;
  }

  /** Reports what the agent observed of one server. */
  async reportObserved(token: string, host: string, serverId: string, observed: ObservedServer): Promise<void> {
    await this.#call('PUT', `${AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}/servers/${encodeURIComponent(serverId)}/observed`, token, observed);
  }

  /** A client bound to one host and a token source, retrying once with a fresh token after a 401. */
  forAgent(host: string, token: () => Promise<string>, invalidate: () => void = () => {}): AgentComputeClient {
    const withToken = async <T>(fn: (t: string) => Promise<T>): Promise<T> => {
      try {
        return await fn(await token());
      } catch (err) {
        if (!(err instanceof Unauthorized)) throw err;
        invalidate();
        return fn(await token());
      }
    };
    return {
      host,
      registerHost: (registration) => withToken((t) => this.registerHost(t, host, registration)),
      desiredServers: (since, waitS) => withToken((t) => this.desiredServers(t, host, since, waitS)),
      reportObserved: (serverId, observed) => withToken((t) => this.reportObserved(t, host, serverId, observed)),
    };
  }

  // --- Nova v2.1 ---

  async listServers(token: string, query: Record<string, string> = {}): Promise<NovaServer[]> {
    const qs = new URLSearchParams(query).toString();
    return (await this.#call('GET', `/v2.1/servers/detail${qs ? `?${qs}` : ''}`, token)).body.servers as NovaServer[];
  }

  async getServer(token: string, id: string): Promise<NovaServer> {
    return (await this.#call('GET', `/v2.1/servers/${encodeURIComponent(id)}`, token)).body.server as NovaServer;
  }

  /** Creates a server; returns its id and the generated admin password. */
  async createServer(token: string, server: ServerCreate, schedulerHints?: Record<string, unknown>): Promise<{ id: string; adminPass?: string }> {
    const body = { server, ...(schedulerHints ? { 'os:scheduler_hints': schedulerHints } : {}) };
    const r = (await this.#call('POST', '/v2.1/servers', token, body)).body.server as { id: string; adminPass?: string };
    return { id: r.id, ...(r.adminPass ? { adminPass: r.adminPass } : {}) };
  }

  async deleteServer(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.1/servers/${encodeURIComponent(id)}`, token);
  }

  /** Renames a server (`PUT /servers/{id}`). */
  async updateServer(token: string, id: string, fields: { name?: string; description?: string }): Promise<NovaServer> {
    return (await this.#call('PUT', `/v2.1/servers/${encodeURIComponent(id)}`, token, { server: fields })).body.server as NovaServer;
  }

  /** Replaces a server's metadata with `metadata`. */
  async setServerMetadata(token: string, id: string, metadata: Record<string, string>): Promise<void> {
    await this.#call('PUT', `/v2.1/servers/${encodeURIComponent(id)}/metadata`, token, { metadata });
  }

  /** Runs a server action, e.g. `{ 'os-stop': null }` or `{ reboot: { type: 'HARD' } }`; returns the body, if any. */
  async serverAction(token: string, id: string, action: Record<string, unknown>): Promise<unknown> {
    return (await this.#call('POST', `/v2.1/servers/${encodeURIComponent(id)}/action`, token, action)).body;
  }

  async consoleOutput(token: string, id: string, length?: number): Promise<string> {
    const body = await this.serverAction(token, id, { 'os-getConsoleOutput': length === undefined ? {} : { length } });
    return (body as { output: string }).output;
  }

  async listFlavors(token: string): Promise<NovaFlavor[]> {
    return (await this.#call('GET', '/v2.1/flavors/detail', token)).body.flavors as NovaFlavor[];
  }

  async getFlavor(token: string, id: string): Promise<NovaFlavor> {
    return (await this.#call('GET', `/v2.1/flavors/${encodeURIComponent(id)}`, token)).body.flavor as NovaFlavor;
  }

  /** Creates a flavor (admin); `flavor` is Nova's body (name, ram, vcpus, disk, id, swap, …). */
  async createFlavor(token: string, flavor: Record<string, unknown>): Promise<NovaFlavor> {
    return (await this.#call('POST', '/v2.1/flavors', token, { flavor })).body.flavor as NovaFlavor;
  }

  async deleteFlavor(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.1/flavors/${encodeURIComponent(id)}`, token);
  }

  async setFlavorExtraSpecs(token: string, id: string, extraSpecs: Record<string, string>): Promise<void> {
    await this.#call('POST', `/v2.1/flavors/${encodeURIComponent(id)}/os-extra_specs`, token, { extra_specs: extraSpecs });
  }

  async addFlavorAccess(token: string, id: string, projectId: string): Promise<void> {
    await this.#call('POST', `/v2.1/flavors/${encodeURIComponent(id)}/action`, token, { addTenantAccess: { tenant: projectId } });
  }

  /** Creates a server group (microversion 2.64+: one `policy` and its `rules`). */
  async createServerGroup(token: string, group: { name: string; policy: string; rules?: Record<string, unknown> }): Promise<{ id: string; name: string; policy: string; members: string[] }> {
    return (await this.#call('POST', '/v2.1/os-server-groups', token, { server_group: group })).body.server_group as { id: string; name: string; policy: string; members: string[] };
  }

  async listServerGroups(token: string): Promise<Array<{ id: string; name: string; policy?: string; members: string[] }>> {
    return (await this.#call('GET', '/v2.1/os-server-groups', token)).body.server_groups as Array<{ id: string; name: string; policy?: string; members: string[] }>;
  }

  async deleteServerGroup(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.1/os-server-groups/${encodeURIComponent(id)}`, token);
  }

  async getKeypair(token: string, name: string): Promise<NovaKeypair> {
    return (await this.#call('GET', `/v2.1/os-keypairs/${encodeURIComponent(name)}`, token)).body.keypair as NovaKeypair;
  }

  async listKeypairs(token: string): Promise<NovaKeypair[]> {
    return ((await this.#call('GET', '/v2.1/os-keypairs', token)).body.keypairs as Array<{ keypair: NovaKeypair }>).map((k) => k.keypair);
  }

  /** Imports `publicKey`, or generates a key pair (the private key is returned once). */
  async createKeypair(token: string, name: string, publicKey?: string): Promise<NovaKeypair> {
    const keypair = { name, ...(publicKey ? { public_key: publicKey } : {}) };
    return (await this.#call('POST', '/v2.1/os-keypairs', token, { keypair })).body.keypair as NovaKeypair;
  }

  async deleteKeypair(token: string, name: string): Promise<void> {
    await this.#call('DELETE', `/v2.1/os-keypairs/${encodeURIComponent(name)}`, token);
  }

  /** The absolute limits of the token's project (maxTotalInstances, totalInstancesUsed, …). */
  async limits(token: string): Promise<Record<string, number>> {
    return (await this.#call('GET', '/v2.1/limits', token)).body.limits.absolute as Record<string, number>;
  }
}

/** The agent-facing calls, bound to one host and a token source (see ComputeClient.forAgent). */
export interface AgentComputeClient {
  readonly host: string;
  registerHost(registration: HostRegistration): Promise<HostRegistrationReply>;
  desiredServers(since: number, waitS: number): Promise<DesiredServers>;
  reportObserved(serverId: string, observed: ObservedServer): Promise<void>;
}
