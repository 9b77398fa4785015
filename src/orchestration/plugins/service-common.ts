/**
 * Helpers the plugins for other services share: stable names (so a create retried after a crash finds
 * what the first attempt made), not-found handling for deletes, polling a thing until it is ready, and
 * looking up names the way Heat's client plugins do (an id, else a unique name).
 */
import { createHash } from 'node:crypto';
import type { ResourceContext } from './types.js';
import { ResourceFailure } from './types.js';
import { sleep } from './common.js';

/**
 * Heat's physical_resource_name (`<stack>-<resource>-<12 characters>`), with the suffix derived from the
 * resource row's id instead of drawn at random: the same row always gets the same name, so a retried
 * create can look for what an interrupted one made.
 */
export function stableName(ctx: ResourceContext, max = 255): string {
  const suffix = createHash('sha256').update(ctx.resource.id).digest('base64url').replace(/[-_]/g, 'x').toLowerCase().slice(0, 12);
  return `${ctx.stack.name}-${ctx.resource.name}-${suffix}`.slice(-max);
}

/** Whether a client error is the other service's 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as { status?: unknown }).status === 404;
}

/** Runs a delete; a thing already gone is deleted. */
export async function ignoreNotFound(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Runs a delete, retrying while the other service answers 409 (in use) for up to `withinS` seconds: a
 * server's ports go a moment after the server does, and only then may its subnet and network go.
 */
export async function deleteWhenFree(ctx: ResourceContext, fn: () => Promise<unknown>, withinS = 120): Promise<void> {
  const deadline = Date.now() + withinS * 1000;
  for (;;) {
    try {
      await ignoreNotFound(fn);
      return;
    } catch (err) {
      if ((err as { status?: unknown }).status !== 409 || Date.now() > deadline) throw err;
    }
    await sleep(1, ctx.signal);
  }
}

/**
 * Calls `probe` every `intervalS` seconds until it returns a value other than undefined; aborts with the
 * operation (cancel, timeout, engine stop).
 */
export async function pollUntil<T>(ctx: ResourceContext, probe: () => Promise<T | undefined>, intervalS = 1): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(intervalS, ctx.signal);
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Heat's find-by-name-or-id: the item whose id is `ref`, else the one item named `ref`. */
export function pick<T extends { id: string; name: string }>(items: readonly T[], ref: string, kind: string): T {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const named = items.filter((i) => i.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new ResourceFailure(`Multiple ${kind} matches found for name '${ref}', use an ID to be more specific.`);
  throw new ResourceFailure(`The ${kind} (${ref}) could not be found.`);
}

/** Whether `ref` looks like an id rather than a name. */
export const looksLikeId = (ref: string): boolean => UUID.test(ref);

/** Drops undefined and null values: what a request body leaves out. */
export function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** Resolves a Neutron network given by name or id to its id. */
export async function networkId(ctx: ResourceContext, token: string, ref: string): Promise<string> {
  if (looksLikeId(ref)) {
    try { return (await ctx.clients.network.getNetwork(token, ref)).id; } catch (err) { if (!isNotFound(err)) throw err; }
  }
  return pick(await ctx.clients.network.listNetworks(token, { name: ref }), ref, 'network').id;
}

/** Resolves a subnet given by name or id to its id. */
export async function subnetId(ctx: ResourceContext, token: string, ref: string): Promise<string> {
  if (looksLikeId(ref)) {
    try { return (await ctx.clients.network.getSubnet(token, ref)).id; } catch (err) { if (!isNotFound(err)) throw err; }
  }
  return pick(await ctx.clients.network.listSubnets(token, { name: ref }), ref, 'subnet').id;
}

/** Resolves security groups given by name or id to their ids (names in the stack's project first). */
export async function securityGroupIds(ctx: ResourceContext, token: string, refs: readonly string[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const all = await ctx.clients.network.listSecurityGroups(token);
  const own = all.filter((g) => g.project_id === ctx.stack.projectId);
  return refs.map((ref) => (all.find((g) => g.id === ref) ?? pick(own.length > 0 ? own : all, ref, 'security_group')).id);
}

/** Neutron's `value_specs`: extra attributes merged into the request body as given. */
export function valueSpecs(props: Record<string, unknown>): Record<string, unknown> {
  const v = props.value_specs;
  return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/** The `show` attribute every Heat resource has: the thing as its service shows it. */
export const SHOW_ATTRIBUTE = { show: { description: 'Detailed information about resource.', type: 'map' as const } };
