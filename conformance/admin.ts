/**
 * The admin's view of a cloud under test, for suites that read facts from it before Tempest runs
 * (images and flavors for compute, extensions and the external network for network).
 */

export async function json(res: Response, what: string): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface AdminSession {
  /** Headers that authenticate as the admin (project admin, domain Default). */
  headers: Record<string, string>;
  /** A service's public endpoint from the catalog, without a trailing slash. */
  endpoint(type: string): string;
}

/** Logs in as the admin, scoped to project admin. */
export async function adminSession(identityUrl: string, adminPassword: string): Promise<AdminSession> {
  const auth = {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: adminPassword } } },
    scope: { project: { name: 'admin', domain: { name: 'Default' } } },
  };
  const res = await fetch(`${identityUrl}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth }) });
  const token = res.headers.get('x-subject-token') ?? '';
  const catalog = (await json(res, 'admin login')).token.catalog as Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
  return {
    headers: { 'x-auth-token': token, accept: 'application/json' },
    endpoint: (type) => {
      const url = catalog.find((s) => s.type === type)?.endpoints.find((e) => e.interface === 'public')?.url;
      if (!url) throw new Error(`no public ${type} endpoint in the catalog`);
      return url.replace(/\/$/, '');
    },
  };
}
