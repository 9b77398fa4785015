/**
 * OS::Heat::ResourceGroup (heat/engine/resources/openstack/heat/resource_group.py): `count` copies of
 * `resource_def` in a nested stack, members named "0", "1", … with `index_var` (default %index%)
 * replaced by the member's name. Scaling down removes the highest names first, or the members
 * `removal_policies` names (by name or reference id), which are never reused. `batch_create` creates
 * members a batch at a time and `rolling_update` updates them a batch at a time, waiting pause_time
 * between batches, as Heat does by growing or changing the nested stack step by step.
 */
import { asId } from '../../platform/ids.js';
import type { Resource, StackId } from '../model.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from './types.js';
import { sleep } from './common.js';

interface Member { name: string; ref: string | null; attributes: Record<string, unknown> }

/** Replaces the index variable in every string of a value. */
export function withIndex(value: unknown, indexVar: string, index: string): unknown {
  if (typeof value === 'string') return value.split(indexVar).join(index);
  if (Array.isArray(value)) return value.map((v) => withIndex(v, indexVar, index));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withIndex(v, indexVar, index)]));
  }
  return value;
}

/** Member names for `count` members: the lowest integers not removed before. */
export function memberNames(count: number, removed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (!removed.has(String(i))) out.push(String(i));
  return out;
}

type Def = { type: string; properties?: Record<string, unknown>; metadata?: Record<string, unknown> };

function memberTemplate(names: readonly string[], defFor: (name: string) => Def, indexVar: string, chain?: { batch: number }): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const def = defFor(name);
    const r: Record<string, unknown> = { type: def.type, properties: withIndex(def.properties ?? {}, indexVar, name) };
    if (def.metadata) r.metadata = withIndex(def.metadata, indexVar, name);
    if (chain && i >= chain.batch) {
      const start = Math.floor(i / chain.batch) * chain.batch;
      r.depends_on = names.slice(start - chain.batch, start);
    }
    resources[name] = r;
  });
  return { heat_template_version: '2015-04-30', resources };
}

function removedNames(ctx: ResourceContext, props: Record<string, unknown>): Set<string> {
  const before = new Set((ctx.resource.data.removed as string[] | undefined) ?? []);
  const members = (ctx.resource.data.members as Member[] | undefined) ?? [];
  const listed = new Set<string>();
  for (const policy of (props.removal_policies as Array<Record<string, unknown>> | undefined) ?? []) {
    for (const entry of (policy.resource_list as unknown[] | undefined) ?? []) {
      const hit = members.find((m) => m.name === String(entry) || m.ref === String(entry));
      listed.add(hit ? hit.name : String(entry));
    }
  }
  return props.removal_policies_mode === 'update' ? listed : new Set([...before, ...listed]);
}

function policyOf(ctx: ResourceContext, key: 'rolling_update' | 'batch_create'): { size: number; pause: number } | undefined {
  const p = ctx.updatePolicy[key] as Record<string, unknown> | undefined;
  if (!p) return undefined;
  return { size: Math.max(1, Number(p.max_batch_size ?? 1)), pause: Number(p.pause_time ?? 0) };
}

async function outcome(ctx: ResourceContext, childId: StackId, names: readonly string[], removed: Set<string>): Promise<ResourceOutcome> {
  const view = await ctx.nested.describe(childId);
  const members: Member[] = names.map((name) => ({ name, ref: view.resources.get(name)?.ref ?? null, attributes: view.resources.get(name)?.attributes ?? {} }));
  const refs = members.map((m) => m.ref);
  return {
    physicalId: childId,
    attributes: { refs, refs_map: Object.fromEntries(members.map((m) => [m.name, m.ref])), removed_rsrc_list: [...removed] },
    data: { childId, members, removed: [...removed] },
  };
}

const childOf = (r: Resource): StackId | null => (typeof r.data.childId === 'string' ? asId<'StackId'>(r.data.childId) : null);

export const resourceGroupPlugin: ResourcePlugin = {
  type: 'OS::Heat::ResourceGroup',
  description: 'Creates one or more identically configured nested resources.',
  since: '2014.1',
  replaceFailed: false,
  properties: {
    count: { type: 'integer', description: 'The number of resources to create.', default: 1, updateAllowed: true, constraints: [{ range: { min: 0 } }] },
    index_var: { type: 'string', description: 'A variable that this resource will use to replace with the current index of a given resource in the group.', default: '%index%', constraints: [{ length: { min: 3 } }] },
    resource_def: { type: 'map', description: 'Resource definition for the resources in the group. The value of this property is the definition of a resource just as if it had been declared in the template itself.', required: true, updateAllowed: true },
    removal_policies: { type: 'list', description: 'Policies for removal of resources on update.', default: [], updateAllowed: true },
    removal_policies_mode: { type: 'string', description: 'How to handle changes to removal_policies on update.', default: 'append', updateAllowed: true, constraints: [{ allowed_values: ['append', 'update'] }] },
  },
  attributes: {
    refs: { description: 'A list of resource IDs for the resources in the group.', type: 'list' },
    refs_map: { description: 'A map of resource names to IDs for the resources in the group.', type: 'map' },
    attributes: { description: 'A map of resource names to the specified attribute of each individual resource.', type: 'map' },
    removed_rsrc_list: { description: 'A list of removed resource names.', type: 'list' },
  },
  validate(props) {
    const def = props.resource_def as Record<string, unknown>;
    if (typeof def.type !== 'string' || def.type === '') return 'Property error: resource_def.type: Property type not assigned';
    const extra = Object.keys(def).find((k) => !['type', 'properties', 'metadata'].includes(k));
    return extra ? `Property error: resource_def: Unknown Property ${extra}` : null;
  },
  async create(ctx, props) {
    const removed = removedNames(ctx, props);
    const names = memberNames(Number(props.count), removed);
    const indexVar = String(props.index_var);
    const def = props.resource_def as Def;
    const batch = policyOf(ctx, 'batch_create');
    if (!batch || names.length <= batch.size) {
      const childId = await ctx.nested.create({ template: memberTemplate(names, () => def, indexVar), files: ctx.files, params: {} });
      return outcome(ctx, childId, names, removed);
    }
    // A batch at a time: the child grows by one batch per step, pause_time apart.
    const childId = await ctx.nested.create({ template: memberTemplate(names.slice(0, batch.size), () => def, indexVar), files: ctx.files, params: {} });
    for (let n = batch.size * 2; ; n += batch.size) {
      await sleep(batch.pause, ctx.signal);
      await ctx.nested.update(childId, { template: memberTemplate(names.slice(0, Math.min(n, names.length)), () => def, indexVar), files: ctx.files, params: {} });
      if (n >= names.length) break;
    }
    return outcome(ctx, childId, names, removed);
  },
  async update(ctx, props) {
    const childId = childOf(ctx.resource);
    if (!childId) return resourceGroupPlugin.create(ctx, props);
    const removed = removedNames(ctx, props);
    const names = memberNames(Number(props.count), removed);
    const indexVar = String(props.index_var);
    const def = props.resource_def as Def;
    const oldDef = (ctx.resource.properties?.resource_def ?? def) as Def;
    const rolling = policyOf(ctx, 'rolling_update');
    const existing = new Set(((ctx.resource.data.members as Member[] | undefined) ?? []).map((m) => m.name));
    const changedDef = JSON.stringify(oldDef) !== JSON.stringify(def);
    if (rolling && changedDef) {
      // Existing members move to the new definition max_batch_size at a time; new ones start on it.
      const toChange = names.filter((n) => existing.has(n));
      for (let done = 0; done < toChange.length; done += rolling.size) {
        const updated = new Set(toChange.slice(0, done + rolling.size));
        if (done > 0) await sleep(rolling.pause, ctx.signal);
        const template = memberTemplate(names, (n) => (updated.has(n) || !existing.has(n) ? def : oldDef), indexVar);
        await ctx.nested.update(childId, { template, files: ctx.files, params: {} });
      }
    } else {
      await ctx.nested.update(childId, { template: memberTemplate(names, () => def, indexVar), files: ctx.files, params: {} });
    }
    return outcome(ctx, childId, names, removed);
  },
  async delete(ctx) {
    const childId = childOf(ctx.resource);
    if (childId) await ctx.nested.delete(childId);
  },
  suspend: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(c, 'suspend'); },
  resume: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(c, 'resume'); },
  check: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(c, 'check'); },
  attribute(r, name) {
    const members = (r.data.members as Member[] | undefined) ?? [];
    if (name === 'refs' || name === 'refs_map' || name === 'removed_rsrc_list') return r.attributes[name] ?? null;
    if (name === 'attributes') return Object.fromEntries(members.map((m) => [m.name, m.attributes]));
    const member = /^resource\.([^.]+)(?:\.(.+))?$/.exec(name);
    if (member) {
      const m = members.find((x) => x.name === member[1]);
      if (!m) return null;
      return member[2] === undefined ? m.ref : m.attributes[member[2]] ?? null;
    }
    return members.map((m) => m.attributes[name] ?? null);
  },
};
