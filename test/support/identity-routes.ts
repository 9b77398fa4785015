/**
 * The Keystone v3 surface as data for robustness tests: every route family with a valid request per
 * route (paths and bodies with {{PLACEHOLDER}}s for fixture ids), which token it needs, which path
 * segments are ids, and which routes may create something when given an odd id. Families that may
 * not be implemented yet (credentials, policies, federation, OAuth1, …) are listed too: while a
 * route does not exist it must still answer a Keystone-shaped 404.
 */

/** Which caller sends a route's request. */
export type Caller = 'admin' | 'system' | 'member' | 'none';

export interface RouteSpec {
  family: string;
  method: string;
  /** Under the identity endpoint, starting with /v3 (or / for version discovery). */
  path: string;
  /** A valid body; string leaves may hold {{PLACEHOLDER}}s and {{UNIQ}}. */
  body?: unknown;
  caller?: Caller;
  /**
   * Never send this route with its real ids: it would delete or revoke a fixture. Only odd ids and
   * refused callers reach it.
   */
  destructive?: boolean;
  /** An odd id in the path may legitimately create something (PUT /regions/{id}, tags). */
  idMayCreate?: boolean;
  /**
   * Keystone reads this body as `body.get(wrapper, {})`: no body, `null` or `{}` are valid requests
   * (OAuth1 consumers, identity providers).
   */
  optionalBody?: boolean;
}

const TRUST_BODY = {
  trust: {
    trustor_user_id: '{{U}}', trustee_user_id: '{{V}}', project_id: '{{P}}', impersonation: false,
    roles: [{ name: 'member' }], expires_at: '2099-01-01T00:00:00Z', remaining_uses: 5,
  },
};

const APP_CRED_BODY = {
  application_credential: {
    name: 'hac-{{UNIQ}}', description: 'x', expires_at: '2099-01-01T00:00:00', roles: [{ name: 'member' }], unrestricted: false,
    access_rules: [{ service: 'identity', method: 'GET', path: '/v3/projects' }],
  },
};

const passwordAuth = (scope: unknown): unknown => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: '{{UNAME}}', domain: { id: 'default' }, password: '{{UPW}}' } } },
    ...(scope === undefined ? {} : { scope }),
  },
});

/** Every route with a valid request. Fixture placeholders are filled by the test (see its fixtures). */
export const ROUTES: readonly RouteSpec[] = [
  // --- version discovery ---
  { family: 'versions', method: 'GET', path: '/', caller: 'none' },
  { family: 'versions', method: 'GET', path: '/v3', caller: 'none' },

  // --- auth/tokens ---
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: passwordAuth({ project: { id: '{{P}}' } }) },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: passwordAuth({ project: { name: '{{PNAME}}', domain: { name: 'Default' } } }) },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: passwordAuth('unscoped') },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: passwordAuth({ domain: { id: 'default' } }) },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: passwordAuth({ system: { all: true } }) },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: { auth: { identity: { methods: ['token'], token: { id: '{{MEMBER_TOKEN}}' } }, scope: { project: { id: '{{P}}' } } } } },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: '{{AC}}', secret: '{{AC_SECRET}}' } } } } },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: { auth: { identity: { methods: ['application_credential'], application_credential: { name: '{{AC_NAME}}', secret: '{{AC_SECRET}}', user: { id: '{{U}}' } } } } } },
  { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none', body: { auth: { identity: { methods: ['token'], token: { id: '{{V_TOKEN}}' } }, scope: { 'OS-TRUST:trust': { id: '{{T}}' } } } } },
  { family: 'auth', method: 'GET', path: '/v3/auth/tokens', caller: 'admin' },
  { family: 'auth', method: 'HEAD', path: '/v3/auth/tokens', caller: 'admin' },
  { family: 'auth', method: 'DELETE', path: '/v3/auth/tokens', caller: 'admin', destructive: true },
  { family: 'auth', method: 'GET', path: '/v3/auth/catalog', caller: 'member' },
  { family: 'auth', method: 'GET', path: '/v3/auth/projects', caller: 'member' },
  { family: 'auth', method: 'GET', path: '/v3/auth/domains', caller: 'member' },
  { family: 'auth', method: 'GET', path: '/v3/auth/system', caller: 'member' },

  // --- domains ---
  { family: 'domains', method: 'GET', path: '/v3/domains' },
  { family: 'domains', method: 'POST', path: '/v3/domains', body: { domain: { name: 'hd-{{UNIQ}}', description: 'd', enabled: true, tags: ['t'] } } },
  { family: 'domains', method: 'GET', path: '/v3/domains/{{D}}' },
  { family: 'domains', method: 'PATCH', path: '/v3/domains/{{VD}}', body: { domain: { name: 'vd-{{UNIQ}}', description: 'd2', enabled: true } } },
  { family: 'domains', method: 'DELETE', path: '/v3/domains/{{D}}', destructive: true },

  // --- projects ---
  { family: 'projects', method: 'GET', path: '/v3/projects' },
  { family: 'projects', method: 'POST', path: '/v3/projects', body: { project: { name: 'hp-{{UNIQ}}', domain_id: 'default', parent_id: '{{VP}}', description: 'p', enabled: true, tags: ['a'], is_domain: false } } },
  { family: 'projects', method: 'GET', path: '/v3/projects/{{P}}' },
  { family: 'projects', method: 'PATCH', path: '/v3/projects/{{VP}}', body: { project: { name: 'vp-{{UNIQ}}', description: 'p2', enabled: true, tags: ['b'] } } },
  { family: 'projects', method: 'DELETE', path: '/v3/projects/{{P}}', destructive: true },

  // --- project tags ---
  { family: 'tags', method: 'GET', path: '/v3/projects/{{P}}/tags' },
  { family: 'tags', method: 'PUT', path: '/v3/projects/{{VP}}/tags', body: { tags: ['x', 'y'] } },
  { family: 'tags', method: 'DELETE', path: '/v3/projects/{{P}}/tags', destructive: true },
  { family: 'tags', method: 'GET', path: '/v3/projects/{{P}}/tags/{{TAG}}' },
  { family: 'tags', method: 'PUT', path: '/v3/projects/{{VP}}/tags/new-{{UNIQ}}', idMayCreate: true },
  { family: 'tags', method: 'DELETE', path: '/v3/projects/{{P}}/tags/{{TAG}}', destructive: true },

  // --- users ---
  { family: 'users', method: 'GET', path: '/v3/users' },
  { family: 'users', method: 'POST', path: '/v3/users', body: { user: { name: 'hu-{{UNIQ}}', domain_id: 'default', password: 'pw-{{UNIQ}}', enabled: true, description: 'u', default_project_id: '{{P}}', options: { ignore_password_expiry: true }, email: 'e@example.org' } } },
  { family: 'users', method: 'GET', path: '/v3/users/{{U}}' },
  { family: 'users', method: 'PATCH', path: '/v3/users/{{VU}}', body: { user: { name: 'vu-{{UNIQ}}', description: 'u2', enabled: true, options: { lock_password: false } } } },
  { family: 'users', method: 'DELETE', path: '/v3/users/{{U}}', destructive: true },
  { family: 'users', method: 'GET', path: '/v3/users/{{U}}/groups' },
  { family: 'users', method: 'GET', path: '/v3/users/{{U}}/projects' },

  // --- self-service password change ---
  { family: 'password', method: 'POST', path: '/v3/users/{{VU}}/password', caller: 'none', body: { user: { original_password: '{{VU_PW}}', password: 'new-{{UNIQ}}' } } },

  // --- groups and membership ---
  { family: 'groups', method: 'GET', path: '/v3/groups' },
  { family: 'groups', method: 'POST', path: '/v3/groups', body: { group: { name: 'hg-{{UNIQ}}', domain_id: 'default', description: 'g' } } },
  { family: 'groups', method: 'GET', path: '/v3/groups/{{G}}' },
  { family: 'groups', method: 'PATCH', path: '/v3/groups/{{VG}}', body: { group: { name: 'vg-{{UNIQ}}', description: 'g2' } } },
  { family: 'groups', method: 'DELETE', path: '/v3/groups/{{G}}', destructive: true },
  { family: 'groups', method: 'GET', path: '/v3/groups/{{G}}/users' },
  { family: 'membership', method: 'PUT', path: '/v3/groups/{{G}}/users/{{U}}' },
  { family: 'membership', method: 'GET', path: '/v3/groups/{{G}}/users/{{U}}' },
  { family: 'membership', method: 'HEAD', path: '/v3/groups/{{G}}/users/{{U}}' },
  { family: 'membership', method: 'DELETE', path: '/v3/groups/{{G}}/users/{{U}}', destructive: true },

  // --- roles and implied roles ---
  { family: 'roles', method: 'GET', path: '/v3/roles' },
  { family: 'roles', method: 'POST', path: '/v3/roles', body: { role: { name: 'hr-{{UNIQ}}', description: 'r', options: { immutable: false } } } },
  { family: 'roles', method: 'POST', path: '/v3/roles', body: { role: { name: 'hdr-{{UNIQ}}', domain_id: '{{D}}' } } },
  { family: 'roles', method: 'GET', path: '/v3/roles/{{R}}' },
  { family: 'roles', method: 'PATCH', path: '/v3/roles/{{VR}}', body: { role: { name: 'vr-{{UNIQ}}', description: 'r2' } } },
  { family: 'roles', method: 'DELETE', path: '/v3/roles/{{R}}', destructive: true },
  { family: 'implied roles', method: 'PUT', path: '/v3/roles/{{VR}}/implies/{{R}}' },
  { family: 'implied roles', method: 'GET', path: '/v3/roles/{{R}}/implies/{{R2}}' },
  { family: 'implied roles', method: 'HEAD', path: '/v3/roles/{{R}}/implies/{{R2}}' },
  { family: 'implied roles', method: 'DELETE', path: '/v3/roles/{{R}}/implies/{{R2}}', destructive: true },
  { family: 'implied roles', method: 'GET', path: '/v3/roles/{{R}}/implies' },
  { family: 'implied roles', method: 'GET', path: '/v3/role_inferences' },

  // --- grants, OS-INHERIT and system ---
  { family: 'grants', method: 'PUT', path: '/v3/projects/{{P}}/users/{{U}}/roles/{{R}}' },
  { family: 'grants', method: 'GET', path: '/v3/projects/{{P}}/users/{{U}}/roles/{{R}}' },
  { family: 'grants', method: 'HEAD', path: '/v3/projects/{{P}}/users/{{U}}/roles/{{R}}' },
  { family: 'grants', method: 'DELETE', path: '/v3/projects/{{P}}/users/{{U}}/roles/{{R}}', destructive: true },
  { family: 'grants', method: 'GET', path: '/v3/projects/{{P}}/users/{{U}}/roles' },
  { family: 'grants', method: 'PUT', path: '/v3/domains/{{D}}/groups/{{G}}/roles/{{R}}' },
  { family: 'grants', method: 'GET', path: '/v3/domains/{{D}}/groups/{{G}}/roles' },
  { family: 'grants', method: 'DELETE', path: '/v3/domains/{{D}}/groups/{{G}}/roles/{{R}}', destructive: true },
  { family: 'grants', method: 'PUT', path: '/v3/OS-INHERIT/domains/{{D}}/users/{{U}}/roles/{{R}}/inherited_to_projects' },
  { family: 'grants', method: 'GET', path: '/v3/OS-INHERIT/domains/{{D}}/users/{{U}}/roles/inherited_to_projects' },
  { family: 'grants', method: 'PUT', path: '/v3/OS-INHERIT/projects/{{P}}/groups/{{G}}/roles/{{R}}/inherited_to_projects' },
  { family: 'grants', method: 'HEAD', path: '/v3/OS-INHERIT/projects/{{P}}/groups/{{G}}/roles/{{R}}/inherited_to_projects' },
  { family: 'grants', method: 'DELETE', path: '/v3/OS-INHERIT/projects/{{P}}/groups/{{G}}/roles/{{R}}/inherited_to_projects', destructive: true },
  { family: 'grants', method: 'PUT', path: '/v3/system/users/{{U}}/roles/{{R}}', caller: 'system' },
  { family: 'grants', method: 'GET', path: '/v3/system/groups/{{G}}/roles', caller: 'system' },
  { family: 'grants', method: 'DELETE', path: '/v3/system/users/{{ADMIN_USER}}/roles/{{ADMIN_ROLE}}', caller: 'system', destructive: true },

  // --- role assignments (odd filters are added by the test) ---
  { family: 'role_assignments', method: 'GET', path: '/v3/role_assignments' },

  // --- catalog ---
  { family: 'regions', method: 'GET', path: '/v3/regions' },
  { family: 'regions', method: 'POST', path: '/v3/regions', body: { region: { id: 'hrg-{{UNIQ}}', description: 'r', parent_region_id: '{{RG}}' } } },
  { family: 'regions', method: 'PUT', path: '/v3/regions/prg-{{UNIQ}}', body: { region: { description: 'r' } }, idMayCreate: true },
  { family: 'regions', method: 'GET', path: '/v3/regions/{{RG}}' },
  { family: 'regions', method: 'PATCH', path: '/v3/regions/{{VRG}}', body: { region: { description: 'r2', parent_region_id: null } } },
  { family: 'regions', method: 'DELETE', path: '/v3/regions/{{RG}}', destructive: true },
  { family: 'services', method: 'GET', path: '/v3/services' },
  { family: 'services', method: 'POST', path: '/v3/services', body: { service: { type: 'ht-{{UNIQ}}', name: 'n', description: 'd', enabled: true } } },
  { family: 'services', method: 'GET', path: '/v3/services/{{S}}' },
  { family: 'services', method: 'PATCH', path: '/v3/services/{{VS}}', body: { service: { name: 'vs-{{UNIQ}}', enabled: true } } },
  { family: 'services', method: 'DELETE', path: '/v3/services/{{S}}', destructive: true },
  { family: 'endpoints', method: 'GET', path: '/v3/endpoints' },
  { family: 'endpoints', method: 'POST', path: '/v3/endpoints', body: { endpoint: { service_id: '{{S}}', interface: 'public', url: 'http://127.0.0.1:9/x', region_id: '{{RG}}', enabled: true } } },
  { family: 'endpoints', method: 'GET', path: '/v3/endpoints/{{E}}' },
  { family: 'endpoints', method: 'PATCH', path: '/v3/endpoints/{{VE}}', body: { endpoint: { url: 'http://127.0.0.1:9/y', interface: 'internal', enabled: true } } },
  { family: 'endpoints', method: 'DELETE', path: '/v3/endpoints/{{E}}', destructive: true },

  // --- trusts ---
  { family: 'trusts', method: 'POST', path: '/v3/OS-TRUST/trusts', caller: 'member', body: TRUST_BODY },
  { family: 'trusts', method: 'GET', path: '/v3/OS-TRUST/trusts', caller: 'member' },
  { family: 'trusts', method: 'GET', path: '/v3/OS-TRUST/trusts/{{T}}', caller: 'member' },
  { family: 'trusts', method: 'GET', path: '/v3/OS-TRUST/trusts/{{T}}/roles', caller: 'member' },
  { family: 'trusts', method: 'GET', path: '/v3/OS-TRUST/trusts/{{T}}/roles/{{MEMBER_ROLE}}', caller: 'member' },
  { family: 'trusts', method: 'DELETE', path: '/v3/OS-TRUST/trusts/{{T}}', caller: 'member', destructive: true },

  // --- application credentials and access rules ---
  { family: 'application credentials', method: 'POST', path: '/v3/users/{{U}}/application_credentials', caller: 'member', body: APP_CRED_BODY },
  { family: 'application credentials', method: 'GET', path: '/v3/users/{{U}}/application_credentials', caller: 'member' },
  { family: 'application credentials', method: 'GET', path: '/v3/users/{{U}}/application_credentials/{{AC}}', caller: 'member' },
  { family: 'application credentials', method: 'DELETE', path: '/v3/users/{{U}}/application_credentials/{{AC}}', caller: 'member', destructive: true },
  { family: 'access rules', method: 'GET', path: '/v3/users/{{U}}/access_rules', caller: 'member' },
  { family: 'access rules', method: 'GET', path: '/v3/users/{{U}}/access_rules/{{AR}}', caller: 'member' },
  { family: 'access rules', method: 'DELETE', path: '/v3/users/{{U}}/access_rules/{{AR}}', caller: 'member', destructive: true },

  // --- revocation events ---
  { family: 'OS-REVOKE', method: 'GET', path: '/v3/OS-REVOKE/events', caller: 'system' },

  // --- extensions that may or may not be implemented yet ---
  { family: 'credentials', method: 'GET', path: '/v3/credentials' },
  { family: 'credentials', method: 'POST', path: '/v3/credentials', body: { credential: { type: 'ec2', user_id: '{{U}}', project_id: '{{P}}', blob: '{"access":"a{{UNIQ}}","secret":"s"}' } } },
  { family: 'credentials', method: 'GET', path: '/v3/credentials/{{RANDOM}}' },
  { family: 'credentials', method: 'GET', path: '/v3/users/{{U}}/credentials/OS-EC2', caller: 'member' },
  { family: 'credentials', method: 'POST', path: '/v3/users/{{U}}/credentials/OS-EC2', caller: 'member', body: { tenant_id: '{{P}}' } },
  { family: 'policies', method: 'GET', path: '/v3/policies' },
  { family: 'policies', method: 'POST', path: '/v3/policies', body: { policy: { type: 'application/json', blob: '{"a":"b"}' } } },
  { family: 'policies', method: 'GET', path: '/v3/policies/{{RANDOM}}' },
  { family: 'federation', method: 'GET', path: '/v3/OS-FEDERATION/identity_providers' },
  { family: 'federation', method: 'PUT', path: '/v3/OS-FEDERATION/identity_providers/idp-{{UNIQ}}', body: { identity_provider: { enabled: true, description: 'd', remote_ids: ['r-{{UNIQ}}'] } }, idMayCreate: true, optionalBody: true },
  { family: 'federation', method: 'PUT', path: '/v3/OS-FEDERATION/mappings/map-{{UNIQ}}', body: { mapping: { rules: [{ local: [{ user: { name: '{0}' } }], remote: [{ type: 'REMOTE_USER' }] }] } }, idMayCreate: true },
  { family: 'federation', method: 'GET', path: '/v3/OS-FEDERATION/service_providers' },
  { family: 'oauth1', method: 'GET', path: '/v3/OS-OAUTH1/consumers' },
  { family: 'oauth1', method: 'POST', path: '/v3/OS-OAUTH1/consumers', body: { consumer: { description: 'c' } }, optionalBody: true },
  { family: 'oauth1', method: 'POST', path: '/v3/OS-OAUTH1/request_token', caller: 'none' },
  { family: 'endpoint filter', method: 'GET', path: '/v3/OS-EP-FILTER/endpoint_groups' },
  { family: 'endpoint filter', method: 'POST', path: '/v3/OS-EP-FILTER/endpoint_groups', body: { endpoint_group: { name: 'eg-{{UNIQ}}', filters: { interface: 'public' } } } },
  { family: 'limits', method: 'GET', path: '/v3/limits', caller: 'member' },
  { family: 'limits', method: 'GET', path: '/v3/registered_limits', caller: 'member' },
  { family: 'limits', method: 'POST', path: '/v3/registered_limits', caller: 'system', body: { registered_limits: [{ service_id: '{{S}}', resource_name: 'rl-{{UNIQ}}', default_limit: 5 }] } },
  { family: 'domain config', method: 'GET', path: '/v3/domains/{{D}}/config' },
  { family: 'domain config', method: 'PUT', path: '/v3/domains/{{VD}}/config', body: { config: { identity: { driver: 'sql' } } } },
  { family: 'domain config', method: 'DELETE', path: '/v3/domains/{{D}}/config', destructive: true },
];

/** Placeholder names used in paths: `{{NAME}}`. */
export function placeholders(path: string): string[] {
  return [...path.matchAll(/\{\{([A-Z_0-9]+)\}\}/g)].map((m) => m[1]!);
}

/** Fills every {{NAME}} from `values`; throws on an unknown name (a typo in the table). */
export function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{([A-Z_0-9]+)\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for placeholder ${name}`);
    return v;
  });
}
