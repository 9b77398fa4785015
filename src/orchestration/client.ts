/**
 * Typed client of the orchestration API (Heat v1) for other services (container-infra will build its
 * clusters as stacks) and the CLI. HTTP only: no caller reads the orchestration tables. Every method takes
 * the caller's token and works in that token's project; a Heat fault comes back as a HeatFault with
 * Heat's type and status (`err.name === 'StackValidationFailed'`).
 *
 * @example
 *   const heat = new OrchestrationClient('http://127.0.0.1:8004', projectId);
 *   const { id } = await heat.createStack(token, { stack_name: 'c1', template, parameters: { count: 3 } });
 *   const stack = await heat.waitForStack(token, 'c1', id);        // CREATE_COMPLETE, or throws with the reason
 *   await heat.updateStack(token, 'c1', id, { parameters: { count: 5 } }, { patch: true });
 *   await heat.deleteStack(token, 'c1', id);
 */
import { Unavailable } from '../platform/errors.js';
import { HeatFault } from './errors.js';

export interface HeatStack {
  id: string;
  stack_name: string;
  description: string;
  stack_status: string;
  stack_status_reason: string;
  creation_time: string;
  updated_time: string | null;
  deletion_time: string | null;
  parent: string | null;
  tags: string[] | null;
  links: Array<{ href: string; rel: string }>;
  parameters?: Record<string, string>;
  outputs?: Array<{ output_key: string; output_value: unknown; description: string; output_error?: string }>;
  disable_rollback?: boolean;
  timeout_mins?: number | null;
}

export interface HeatResource {
  resource_name: string;
  physical_resource_id: string;
  resource_status: string;
  resource_status_reason: string;
  resource_type: string;
  required_by: string[];
  attributes?: Record<string, unknown>;
  metadata?: unknown;
  parent_resource?: string;
}

export interface HeatEvent {
  id: string;
  event_time: string;
  resource_name: string;
  physical_resource_id: string;
  resource_status: string;
  resource_status_reason: string;
}

/** What create and update take (Heat's request body). */
export interface StackRequest {
  stack_name?: string;
  template?: Record<string, unknown> | string;
  parameters?: Record<string, unknown>;
  files?: Record<string, string>;
  environment?: Record<string, unknown>;
  disable_rollback?: boolean;
  timeout_mins?: number;
  tags?: string[];
  clear_parameters?: string[];
}

export class OrchestrationClient {
  /**
   * @param url the service root, e.g. http://127.0.0.1:8004 (or the catalog's `…/v1/{project}`)
   * @param projectId the project the callers' tokens are scoped to
   */
  constructor(url: string, readonly projectId: string, private readonly timeoutMs = 30000) {
    this.#base = `${url.replace(/\/+$/, '').replace(/\/v1\/[^/]+$/, '')}/v1/${projectId}`;
  }

  readonly #base: string;

  async #call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: globalThis.Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Unavailable(`orchestration service unreachable at ${this.#base}`, { cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    if (res.status >= 400) {
      const error = (parsed as { error?: { type?: string; message?: string } } | undefined)?.error;
      if (res.status >= 500) throw new Unavailable(`orchestration service answered ${res.status}: ${error?.message ?? text.slice(0, 200)}`);
      throw new HeatFault(res.status, error?.type ?? 'HTTPError', error?.message ?? text.slice(0, 200));
    }
    return parsed as T;
  }

  #stack(name: string, id: string): string {
    return `/stacks/${encodeURIComponent(name)}/${encodeURIComponent(id)}`;
  }

  /** Creates a stack; resolves with its id as soon as the create is accepted. */
  async createStack(token: string, req: StackRequest & { stack_name: string }): Promise<{ id: string }> {
    return (await this.#call<{ stack: { id: string } }>('POST', '/stacks', token, req)).stack;
  }

  async getStack(token: string, name: string, id: string, opts: { resolveOutputs?: boolean } = {}): Promise<HeatStack> {
    const q = opts.resolveOutputs === false ? '?resolve_outputs=false' : '';
    return (await this.#call<{ stack: HeatStack }>('GET', `${this.#stack(name, id)}${q}`, token)).stack;
  }

  async listStacks(token: string, filters: Record<string, string> = {}): Promise<HeatStack[]> {
    const q = new URLSearchParams(filters).toString();
    return (await this.#call<{ stacks: HeatStack[] }>('GET', `/stacks${q ? `?${q}` : ''}`, token)).stacks;
  }

  /** PUT replaces the template and parameters; `patch` keeps what the request leaves out. */
  async updateStack(token: string, name: string, id: string, req: StackRequest, opts: { patch?: boolean } = {}): Promise<void> {
    await this.#call(opts.patch ? 'PATCH' : 'PUT', this.#stack(name, id), token, req);
  }

  async deleteStack(token: string, name: string, id: string): Promise<void> {
    await this.#call('DELETE', this.#stack(name, id), token);
  }

  async action(token: string, name: string, id: string, action: 'suspend' | 'resume' | 'check' | 'cancel_update' | 'cancel_without_rollback'): Promise<void> {
    await this.#call('POST', `${this.#stack(name, id)}/actions`, token, { [action]: null });
  }

  async listResources(token: string, name: string, id: string, opts: { nestedDepth?: number } = {}): Promise<HeatResource[]> {
    const q = opts.nestedDepth ? `?nested_depth=${opts.nestedDepth}` : '';
    return (await this.#call<{ resources: HeatResource[] }>('GET', `${this.#stack(name, id)}/resources${q}`, token)).resources;
  }

  async getResource(token: string, name: string, id: string, resource: string): Promise<HeatResource> {
    return (await this.#call<{ resource: HeatResource }>('GET', `${this.#stack(name, id)}/resources/${encodeURIComponent(resource)}`, token)).resource;
  }

  async signal(token: string, name: string, id: string, resource: string, details: unknown = {}): Promise<void> {
    await this.#call('POST', `${this.#stack(name, id)}/resources/${encodeURIComponent(resource)}/signal`, token, details);
  }

  async listEvents(token: string, name: string, id: string, opts: { marker?: string; limit?: number; sortDir?: 'asc' | 'desc' } = {}): Promise<HeatEvent[]> {
    const q = new URLSearchParams();
    if (opts.marker) q.set('marker', opts.marker);
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.sortDir) q.set('sort_dir', opts.sortDir);
    const qs = q.toString();
    return (await this.#call<{ events: HeatEvent[] }>('GET', `${this.#stack(name, id)}/events${qs ? `?${qs}` : ''}`, token)).events;
  }

  /**
   * Waits until the stack leaves *_IN_PROGRESS (polling every `intervalMs`); resolves with it when the
   * action completed, throws a HeatFault with the stack's reason when it failed.
   */
  async waitForStack(token: string, name: string, id: string, opts: { intervalMs?: number; timeoutMs?: number } = {}): Promise<HeatStack> {
    const deadline = Date.now() + (opts.timeoutMs ?? 3600_000);
    for (;;) {
      const s = await this.getStack(token, name, id, { resolveOutputs: false });
      if (!s.stack_status.endsWith('_IN_PROGRESS')) {
        if (s.stack_status.endsWith('_FAILED')) throw new HeatFault(409, 'StackFailed', `${s.stack_status}: ${s.stack_status_reason}`);
        return s.stack_status.startsWith('DELETE_') ? s : this.getStack(token, name, id);
      }
      if (Date.now() > deadline) throw new Unavailable(`stack ${name} still ${s.stack_status}`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  }
}
