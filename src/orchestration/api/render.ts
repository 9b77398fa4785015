/**
 * Stacks, resources, events and outputs as Heat's API shows them (heat/engine/api.py format_* and
 * heat/api/openstack/v1/views/*): combined `*_status` strings, links, parameters as strings.
 */
import { conditionHolds, resolve } from '../hot/index.js';
import type { Resource, Stack, StackEvent } from '../model.js';
import { prepare, type Prepared } from '../engine/definition.js';
import { currentRows, resolveContext } from '../engine/run.js';
import type { PluginRegistry } from '../plugins/types.js';

/** `/v1/{tenant}/stacks/{name}/{id}` under `base`. */
export function stackUrl(base: string, s: Stack): string {
  return `${base}/v1/${s.projectId}/stacks/${encodeURIComponent(s.name)}/${s.id}`;
}

const selfLink = (href: string): Array<{ href: string; rel: string }> => [{ href, rel: 'self' }];

/** A parameter value as Heat shows it: strings, lists joined by commas, JSON as text. */
function paramText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return v === undefined || v === null ? '' : String(v);
}

/** The stack's parameters with pseudo-parameters, hidden ones masked. */
export function stackParameters(s: Stack, p: Prepared | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.definition.resolved)) {
    if (k.startsWith('OS::')) continue;
    out[k] = p?.template.parameters[k]?.hidden ? '******' : paramText(v);
  }
  out['OS::stack_name'] = s.name;
  out['OS::stack_id'] = s.id;
  out['OS::project_id'] = s.projectId;
  return out;
}

export interface OutputValue { output_key: string; output_value: unknown; description: string; output_error?: string }

/** The stack's outputs, resolved over its current resources; a failing one carries output_error. */
export function stackOutputs(registry: PluginRegistry, s: Stack, rows: readonly Resource[]): OutputValue[] {
  let p: Prepared;
  try { p = prepare(registry, s.definition); } catch { return []; }
  const ctx = resolveContext(s, p, rows, s.definition.facade ? (k) => s.definition.facade?.[k] : undefined);
  const out: OutputValue[] = [];
  for (const [key, o] of Object.entries(p.template.outputs)) {
    const item: OutputValue = { output_key: key, output_value: null, description: o.description ?? 'No description given' };
    try {
      // An output whose condition is false is shown with a null value (HOT spec, outputs' `condition`).
      if (conditionHolds('outputs', key, o.condition, p.conditions)) item.output_value = resolve(p.template, o.value, ctx, ['outputs', key, 'value']);
    } catch (err) {
      item.output_error = err instanceof Error ? err.message : String(err);
    }
    out.push(item);
  }
  return out;
}

/** A stack in a listing (heat's stacks view, basic keys). */
export function stackSummary(base: string, s: Stack, opts: { withProject?: boolean } = {}): Record<string, unknown> {
  let description = '';
  const t = s.definition.template;
  if (typeof t.description === 'string') description = t.description;
  return {
    id: s.id,
    stack_name: s.name,
    description,
    creation_time: s.createdAt,
    updated_time: s.updatedAt,
    deletion_time: s.deletedAt,
    stack_status: `${s.action}_${s.status}`,
    stack_status_reason: s.statusReason,
    stack_owner: null,
    parent: s.ownerId,
    stack_user_project_id: s.projectId,
    tags: s.tags.length > 0 ? s.tags : null,
    links: selfLink(stackUrl(base, s)),
    ...(opts.withProject ? { project: s.projectId } : {}),
  };
}

/** A stack as `GET /stacks/{name}/{id}` shows it. */
export function stackDetail(base: string, registry: PluginRegistry, s: Stack, rows: readonly Resource[] | undefined): Record<string, unknown> {
  let p: Prepared | undefined;
  try { p = prepare(registry, s.definition); } catch { p = undefined; }
  return {
    ...stackSummary(base, s),
    capabilities: [],
    notification_topics: [],
    disable_rollback: s.disableRollback,
    timeout_mins: s.timeoutMins,
    template_description: p?.template.description ?? '',
    parameters: stackParameters(s, p),
    ...(rows ? { outputs: stackOutputs(registry, s, rows) } : {}),
  };
}

/** Names of the resources that require each resource (Heat's `required_by`). */
export function requiredBy(rows: readonly Resource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) for (const d of r.requires) out.set(d, [...(out.get(d) ?? []), r.name]);
  return out;
}

/** A resource (heat's resources view). */
export function resourceView(base: string, s: Stack, r: Resource, reqBy: ReadonlyMap<string, string[]>, opts: { detail?: boolean; nested?: Stack | undefined; parentResource?: string | null } = {}): Record<string, unknown> {
  const stackHref = stackUrl(base, s);
  const links = [
    { href: `${stackHref}/resources/${encodeURIComponent(r.name)}`, rel: 'self' },
    { href: stackHref, rel: 'stack' },
  ];
  // heatclient takes the nested stack's `{name}/{id}` from the end of this link (resource_nested_identifier).
  if (opts.nested) links.push({ href: stackUrl(base, opts.nested), rel: 'nested' });
  const out: Record<string, unknown> = {
    resource_name: r.name,
    logical_resource_id: r.name,
    physical_resource_id: r.physicalId ?? '',
    resource_status: `${r.action}_${r.status}`,
    resource_status_reason: r.statusReason,
    resource_type: r.type,
    creation_time: r.createdAt,
    updated_time: r.updatedAt ?? r.createdAt,
    required_by: reqBy.get(r.name) ?? [],
    links,
    ...(opts.parentResource ? { parent_resource: opts.parentResource } : {}),
    ...(s.ownerId ? { stack_name: s.name } : {}),
  };
  if (opts.detail) {
    out.description = '';
    out.metadata = r.metadata ?? {};
    out.attributes = r.attributes;
  }
  return out;
}

/** An event (heat's events view); `detail` adds the type and properties as `show` does. */
export function eventView(base: string, s: Stack, e: StackEvent, detail: boolean): Record<string, unknown> {
  const stackHref = stackUrl(base, s);
  const resourceHref = `${stackHref}/resources/${encodeURIComponent(e.resourceName)}`;
  const out: Record<string, unknown> = {
    id: e.id,
    event_time: e.time,
    resource_name: e.resourceName,
    logical_resource_id: e.resourceName,
    physical_resource_id: e.physicalId,
    resource_status: `${e.action}_${e.status}`,
    resource_status_reason: e.reason,
    links: [
      { href: `${resourceHref}/events/${e.id}`, rel: 'self' },
      { href: resourceHref, rel: 'resource' },
      { href: stackHref, rel: 'stack' },
    ],
  };
  if (detail) {
    out.resource_type = e.resourceType;
    out.resource_properties = e.properties;
  }
  return out;
}

export { currentRows };
