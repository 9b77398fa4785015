/**
 * What an admin sees through the Keystone API, as one comparable value: domains, projects, users,
 * groups and their members, roles (global and per domain), implied roles, role assignments, regions,
 * services and endpoints. Robustness and crash tests take one before and one after, then check that
 * nothing that was there is lost or changed.
 */
import type { KeystoneClient } from './keystone.js';

/** kind → key → the object as listed, without links. */
export type Snapshot = Record<string, Record<string, unknown>>;

/** The object without its `links` (they hold the server's port, which changes across restarts). */
function withoutLinks(value: Record<string, unknown>): Record<string, unknown> {
  // Only the top level: stored free-form attributes may nest thousands of levels deep.
  const { links: _links, ...rest } = value;
  return rest;
}

async function list(admin: KeystoneClient, path: string, key: string): Promise<Array<Record<string, unknown>>> {
  const res = await admin.request('GET', path);
  if (res.status !== 200) throw new Error(`snapshot: GET ${path} gave ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as Record<string, Array<Record<string, unknown>>>)[key]!;
}

function byId(items: Array<Record<string, unknown>>, key: (o: Record<string, unknown>) => string = (o) => String(o.id)): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) out[key(item)] = withoutLinks(item);
  return out;
}

/** Reads everything; `admin` must hold a project-scoped admin token. */
export async function takeSnapshot(admin: KeystoneClient): Promise<Snapshot> {
  const domains = await list(admin, '/domains', 'domains');
  const groups = await list(admin, '/groups', 'groups');
  const members: Record<string, unknown> = {};
  for (const g of groups) {
    const users = await list(admin, `/groups/${String(g.id)}/users`, 'users');
    members[String(g.id)] = users.map((u) => String(u.id)).sort();
  }
  const domainRoles: Array<Record<string, unknown>> = [];
  for (const d of domains) domainRoles.push(...(await list(admin, `/roles?domain_id=${encodeURIComponent(String(d.id))}`, 'roles')));
  const inferences = await list(admin, '/role_inferences', 'role_inferences');
  const assignmentKey = (a: Record<string, unknown>): string => JSON.stringify(withoutLinks(a));
  return {
    domains: byId(domains),
    projects: byId(await list(admin, '/projects', 'projects')),
    users: byId(await list(admin, '/users', 'users')),
    groups: byId(groups),
    members,
    roles: byId([...(await list(admin, '/roles', 'roles')), ...domainRoles]),
    implied_roles: byId(inferences, (i) => String((i.prior_role as { id: string }).id)),
    role_assignments: byId(await list(admin, '/role_assignments', 'role_assignments'), assignmentKey),
    regions: byId(await list(admin, '/regions', 'regions')),
    services: byId(await list(admin, '/services', 'services')),
    endpoints: byId(await list(admin, '/endpoints', 'endpoints')),
  };
}

const stable = (v: unknown): string => JSON.stringify(v, (_k, val: unknown) =>
  val && typeof val === 'object' && !Array.isArray(val)
    ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
    : val);

/**
 * What was in `before` and is missing or different in `after`. Objects first seen in `after` are not
 * differences. Keys naming an id in `ignore` (objects a test meant to change) are skipped.
 */
export function lostOrChanged(before: Snapshot, after: Snapshot, ignore: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const [kind, items] of Object.entries(before)) {
    for (const [key, value] of Object.entries(items)) {
      // Assignments are keyed by their content, so they name the ignored object inside the key.
      if ([...ignore].some((id) => key.includes(id))) continue;
      const now = after[kind]?.[key];
      if (now === undefined) out.push(`${kind} ${key} was lost`);
      else if (stable(now) !== stable(value)) out.push(`${kind} ${key} changed: ${stable(value)} -> ${stable(now)}`);
    }
  }
  return out;
}
