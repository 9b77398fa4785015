/**
 * Typed client of the container-infra API (Magnum v1) for tests and the CLI. HTTP only. Every method
 * takes the caller's token and asks for the latest microversion, as python-magnumclient does; a Magnum
 * fault comes back as a MagnumFault with Magnum's status and title.
 *
 * @example
 *   const coe = new ContainerInfraClient('http://127.0.0.1:9511');
 *   const t = await coe.createTemplate(token, { name: 'swarm', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public' });
 *   const { uuid } = await coe.createCluster(token, { name: 'c1', cluster_template_id: t.uuid, node_count: 2 });
 *   const c = await coe.waitForCluster(token, uuid);                 // CREATE_COMPLETE, or throws with the reason
 *   await coe.resize(token, uuid, { node_count: 4 });
 *   await coe.deleteCluster(token, uuid);
 */
import { Unavailable } from '../platform/errors.js';
import { MagnumFault } from './errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Magnum's objects are read loosely by callers
export type MagnumObject = Record<string, any>;

export interface ClusterEventJson { id: number; cluster_uuid: string; time: string; kind: string; message: string }

export class ContainerInfraClient {
  readonly #base: string;

  /** `baseUrl` is the service root (http://127.0.0.1:9511) or its /v1 catalog URL. */
  constructor(baseUrl: string, private readonly version = 'latest', private readonly timeoutMs = 30_000) {
    this.#base = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  async #call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: MagnumObject | undefined }> {
    const headers: Record<string, string> = { accept: 'application/json', 'openstack-api-version': `container-infra ${this.version}` };
    if (token) headers['x-auth-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new Unavailable(`container-infra is not reachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let parsed: MagnumObject | undefined;
    try { parsed = text ? (JSON.parse(text) as MagnumObject) : undefined; } catch { parsed = undefined; }
    if (res.status >= 400) {
      const e = parsed?.errors?.[0] as { title?: string; detail?: string } | undefined;
      const message = e?.detail ?? parsed?.error?.message ?? parsed?.message ?? text.slice(0, 500);
      throw new MagnumFault(res.status, e?.title ?? `HTTP ${res.status}`, String(message));
    }
    return { status: res.status, body: parsed };
  }

  async versions(): Promise<MagnumObject> { return (await this.#call('GET', '/', null)).body!; }

  async createTemplate(token: string, fields: MagnumObject): Promise<MagnumObject> { return (await this.#call('POST', '/v1/clustertemplates', token, fields)).body!; }
  async getTemplate(token: string, ident: string): Promise<MagnumObject> { return (await this.#call('GET', `/v1/clustertemplates/${encodeURIComponent(ident)}`, token)).body!; }
  async listTemplates(token: string, detail = false): Promise<MagnumObject[]> {
    return (await this.#call('GET', `/v1/clustertemplates${detail ? '/detail' : ''}`, token)).body!.clustertemplates as MagnumObject[];
  }
  async updateTemplate(token: string, ident: string, patch: MagnumObject[]): Promise<MagnumObject> {
    return (await this.#call('PATCH', `/v1/clustertemplates/${encodeURIComponent(ident)}`, token, patch)).body!;
  }
  async deleteTemplate(token: string, ident: string): Promise<void> { await this.#call('DELETE', `/v1/clustertemplates/${encodeURIComponent(ident)}`, token); }

  async createCluster(token: string, fields: MagnumObject): Promise<{ uuid: string }> { return (await this.#call('POST', '/v1/clusters', token, fields)).body as { uuid: string }; }
  async getCluster(token: string, ident: string): Promise<MagnumObject> { return (await this.#call('GET', `/v1/clusters/${encodeURIComponent(ident)}`, token)).body!; }
  async listClusters(token: string, detail = false): Promise<MagnumObject[]> {
    return (await this.#call('GET', `/v1/clusters${detail ? '/detail' : ''}`, token)).body!.clusters as MagnumObject[];
  }
  async updateCluster(token: string, ident: string, patch: MagnumObject[]): Promise<{ uuid: string }> {
    return (await this.#call('PATCH', `/v1/clusters/${encodeURIComponent(ident)}`, token, patch)).body as { uuid: string };
  }
  async deleteCluster(token: string, ident: string): Promise<void> { await this.#call('DELETE', `/v1/clusters/${encodeURIComponent(ident)}`, token); }
  async resize(token: string, ident: string, body: { node_count: number; nodes_to_remove?: string[]; nodegroup?: string }): Promise<{ uuid: string }> {
    return (await this.#call('POST', `/v1/clusters/${encodeURIComponent(ident)}/actions/resize`, token, body)).body as { uuid: string };
  }
  async upgrade(token: string, ident: string, body: { cluster_template: string; max_batch_size?: number; nodegroup?: string }): Promise<{ uuid: string }> {
    return (await this.#call('POST', `/v1/clusters/${encodeURIComponent(ident)}/actions/upgrade`, token, body)).body as { uuid: string };
  }
  async events(token: string, ident: string, after?: number): Promise<ClusterEventJson[]> {
    return (await this.#call('GET', `/v1/clusters/${encodeURIComponent(ident)}/events${after !== undefined ? `?marker=${after}` : ''}`, token)).body!.events as ClusterEventJson[];
  }

  async listNodeGroups(token: string, cluster: string): Promise<MagnumObject[]> {
    return (await this.#call('GET', `/v1/clusters/${encodeURIComponent(cluster)}/nodegroups`, token)).body!.nodegroups as MagnumObject[];
  }
  async getNodeGroup(token: string, cluster: string, ng: string): Promise<MagnumObject> {
    return (await this.#call('GET', `/v1/clusters/${encodeURIComponent(cluster)}/nodegroups/${encodeURIComponent(ng)}`, token)).body!;
  }

  async getCa(token: string, cluster: string): Promise<string> { return (await this.#call('GET', `/v1/certificates/${encodeURIComponent(cluster)}`, token)).body!.pem as string; }
  /** Signs a CSR with the cluster's CA (`token` may be a node-signing secret). */
  async signCsr(token: string, cluster: string, csr: string): Promise<string> {
    return (await this.#call('POST', '/v1/certificates', token, { cluster_uuid: cluster, csr })).body!.pem as string;
  }
  async rotateCa(token: string, cluster: string): Promise<void> { await this.#call('PATCH', `/v1/certificates/${encodeURIComponent(cluster)}`, token); }

  /**
   * Polls until the cluster leaves *_IN_PROGRESS (or is gone, for a delete: resolves undefined); throws
   * with the status reason when it ends FAILED.
   */
  async waitForCluster(token: string, ident: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<MagnumObject | undefined> {
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    for (;;) {
      let c: MagnumObject;
      try {
        c = await this.getCluster(token, ident);
      } catch (err) {
        if (err instanceof MagnumFault && err.status === 404) return undefined;
        throw err;
      }
      const status = String(c.status);
      if (status.endsWith('_FAILED')) throw new MagnumFault(409, status, `cluster ${ident} is ${status}: ${String(c.status_reason ?? '')}`);
      if (!status.endsWith('_IN_PROGRESS')) return c;
      if (Date.now() > deadline) throw new Unavailable(`cluster ${ident} is still ${status}`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  }
}
