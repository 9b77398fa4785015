/**
 * Small pieces every resource's routes share: who owns a new resource, which attribute policies a body
 * triggers, and retrying a transaction that lost a race on a unique key.
 */
import type { Caller } from './context.js';
import type { ParsedBody, ResourceSpec } from './attributes.js';
import { httpBadRequest } from './errors.js';
import { networkPolicyRules, type NetworkAction } from './policy-rules.js';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../platform/db/database.js';
import type { NetworkTables } from './tables.js';

/**
 * The project a new resource belongs to: the body's project_id, which only admins and services (Nova
 * creating a server's port for the server's project; neutron/api/v2/base.py checks is_admin or
 * is_service_role) may set to another project than their own, else the caller's.
 */
export function ownerProject(caller: Caller, values: Record<string, unknown>): string {
  const given = values.project_id as string | undefined;
  if (given !== undefined && given !== caller.projectId && !caller.isAdmin && !caller.can('service_api', {})) {
    throw httpBadRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
  }
  const project = given ?? caller.projectId;
  if (project === '') throw httpBadRequest("Failed to parse request. Required attribute 'project_id' not specified");
  return project;
}

/**
 * The policy actions a body triggers: `<op>_<resource>` and, for each attribute the client set that has a
 * rule of its own, `<op>_<resource>:<attr>`; on create only when the value differs from the default
 * (Neutron's _is_attribute_explicitly_set).
 */
export function actionsFor(op: 'create' | 'update', resource: string, spec: ResourceSpec, body: ParsedBody): NetworkAction[] {
  const actions = [`${op}_${resource}`];
  for (const attr of body.given) {
    const action = `${op}_${resource}:${attr}`;
    if (!(action in networkPolicyRules)) continue;
    const def = spec[attr]?.default;
    if (op === 'create' && def && JSON.stringify(def()) === JSON.stringify(body.values[attr])) continue;
    actions.push(action);
  }
  return actions as NetworkAction[];
}

/** PostgreSQL's deadlock and serialization failures: the transaction was rolled back and may be run again. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs `fn` again when it fails on a unique key: two writers on PostgreSQL picked the same VNI, address or
 * MAC; the retry sees the other's row and picks anew (or reports the clash as the API's error). Inside a
 * caller's transaction (a bulk create) the failed transaction cannot go on, so the caller retries it whole.
 */
export async function retryOnConflict<T>(db: Kysely<NetworkTables>, fn: () => Promise<T>, attempts = 5): Promise<T> {
  if (db.isTransaction) return fn();
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !(isUniqueViolation(err) || isRetryable(err))) throw err;
      // A little jitter, so writers that collided do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * i));
    }
  }
}

/**
 * The items of a bulk create (`{"networks": [{…}, …]}`), or undefined for a single create. Neutron creates
 * a bulk request's resources all or none, in one transaction.
 */
export function bulkItems(body: unknown, collection: string): unknown[] | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !(collection in body)) return undefined;
  const items = (body as Record<string, unknown>)[collection];
  if (!Array.isArray(items) || items.length === 0) throw httpBadRequest('Resources required');
  return items;
}

/** Runs `create` for each item of a bulk request inside one transaction (retried whole on a lost race). */
export async function createBulk<T>(db: Kysely<NetworkTables>, items: readonly unknown[], create: (tx: Kysely<NetworkTables>, item: unknown) => Promise<T>): Promise<T[]> {
  return retryOnConflict(db, () => db.transaction().execute(async (tx) => {
    const out: T[] = [];
    for (const item of items) out.push(await create(tx, item));
    return out;
  }));
}
