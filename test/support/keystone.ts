/**
 * A minimal Keystone v3 HTTP client for tests: issue tokens, call the API, read statuses. Plain fetch,
 * so tests see exactly what a client on the wire sees.
 */

export interface Response<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class KeystoneClient {
  constructor(readonly url: string, public token?: string) {}

  /** Any request; the body is JSON-encoded unless a string. */
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token && h['x-auth-token'] === undefined) h['x-auth-token'] = this.token;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* leave as text */ }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Password auth; returns the token and keeps it for later calls. */
  async login(user: string, password: string, scope?: { project?: string; domain?: string; system?: boolean }, domain = 'Default'): Promise<string> {
    const auth: Record<string, unknown> = {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: domain }, password } } },
    };
    if (scope?.project) auth.scope = { project: { name: scope.project, domain: { name: domain } } };
    if (scope?.domain) auth.scope = { domain: { name: scope.domain } };
    if (scope?.system) auth.scope = { system: { all: true } };
    const res = await this.request('POST', '/auth/tokens', { auth });
    if (res.status !== 201) throw new Error(`login ${user} failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.token = res.headers.get('x-subject-token')!;
    return this.token;
  }

  /** A copy acting with another token. */
  as(token: string): KeystoneClient {
    return new KeystoneClient(this.url, token);
  }
}
