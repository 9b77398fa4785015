/**
 * Provider templates ("template resources", heat/engine/resources/template_resource.py) and
 * OS::Heat::Stack: a resource that is a nested stack of its own. Properties become the child's parameters,
 * the child's outputs its attributes; get_resource returns the child's `OS::stack_id` output if it has one,
 * else the child stack's id. Every property update goes to the child in place, as Heat does.
 */
import { createHash } from 'node:crypto';
import { loadTemplate } from '../hot/index.js';
import { asId } from '../../platform/ids.js';
import type { Resource } from '../model.js';
import type { NestedView, ResourceContext, ResourceOutcome, ResourcePlugin } from './types.js';

/** Attributes a nested stack's parent shows: its outputs. */
export function nestedAttributes(view: NestedView): Record<string, unknown> {
  return { ...view.outputs };
}

async function settle(ctx: ResourceContext, childId: string): Promise<ResourceOutcome> {
  const view = await ctx.nested.describe(asId<'StackId'>(childId));
  return { physicalId: childId, attributes: nestedAttributes(view), data: { childId } };
}

function childOf(r: Resource): string | null {
  return typeof r.data.childId === 'string' ? r.data.childId : r.physicalId;
}

const cache = new Map<string, ResourcePlugin>();

/**
 * The plugin for a provider template `name` whose text is `text`, checked against the stack's `files`
 * (its get_file paths, which heatclient rewrites to the absolute names it puts in `files`). Cached per
 * text and file names.
 */
export function templateResourcePlugin(type: string, name: string, text: string, files: Record<string, string>): ResourcePlugin {
  // Hashed: templates are up to 512 KiB, and the cache should cost its entries, not their texts.
  const key = createHash('sha256').update(`${type}\0${name}\0${text}\0${Object.keys(files).sort().join('\0')}`).digest('base64');
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = loadTemplate(text, files);
  const properties: ResourcePlugin['properties'] = Object.fromEntries(Object.values(parsed.parameters).map((p) => [p.name, {
    type: p.type === 'number' ? 'number' as const : p.type === 'boolean' ? 'boolean' as const : p.type === 'json' ? 'map' as const : p.type === 'comma_delimited_list' ? 'list' as const : 'string' as const,
    description: p.description ?? '', required: p.default === undefined, updateAllowed: true,
  }]));
  const plugin: ResourcePlugin = {
    type,
    description: parsed.description ?? `Provider template ${name}`,
    properties,
    attributes: Object.fromEntries(Object.values(parsed.outputs).map((o) => [o.name, { description: o.description ?? '' }])),
    // The child's parameters check the values, with their own types and constraints.
    openProperties: true,
    replaceFailed: false,
    async create(ctx, props) {
      const childId = await ctx.nested.create({ template: parsed.raw, files: ctx.files, params: props, facade: { metadata: ctx.resource.metadata } });
      return settle(ctx, childId);
    },
    async update(ctx, props) {
      const childId = childOf(ctx.resource);
      if (!childId) return plugin.create(ctx, props);
      await ctx.nested.update(asId<'StackId'>(childId), { template: parsed.raw, files: ctx.files, params: props, facade: { metadata: ctx.resource.metadata } });
      return settle(ctx, childId);
    },
    async delete(ctx) {
      const childId = childOf(ctx.resource);
      if (childId) await ctx.nested.delete(asId<'StackId'>(childId));
    },
    suspend: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'suspend'); },
    resume: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'resume'); },
    check: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'check'); },
    referenceId: (r) => (typeof r.attributes['OS::stack_id'] === 'string' ? r.attributes['OS::stack_id'] : childOf(r) ?? r.name),
  };
  if (cache.size > 128) cache.clear();
  cache.set(key, plugin);
  return plugin;
}

/** OS::Heat::Stack: a nested stack from an inline template (local only; remote regions are not offered). */
export const stackPlugin: ResourcePlugin = {
  type: 'OS::Heat::Stack',
  description: 'A resource for managing stacks.',
  since: '2014.2',
  replaceFailed: false,
  properties: {
    context: { type: 'map', description: 'Context for this stack (region_name is not supported here).' },
    template: { type: 'string', description: 'Template that specifies the stack to be created as a resource.', required: true, updateAllowed: true },
    timeout: { type: 'integer', description: 'Number of minutes to wait for this stack creation.', updateAllowed: true },
    parameters: { type: 'map', description: 'Set of parameters passed to this stack.', default: {}, updateAllowed: true },
  },
  attributes: {
    stack_name: { description: 'Name of the stack.' },
    outputs: { description: 'A dict of key-value pairs output from the stack.' },
  },
  validate(props) {
    const region = (props.context as Record<string, unknown> | undefined)?.region_name;
    return region ? 'Property error: context.region_name: remote stacks are not supported' : null;
  },
  async create(ctx, props) {
    const t = loadTemplate(typeof props.template === 'string' ? props.template : JSON.stringify(props.template), ctx.files);
    const childId = await ctx.nested.create({ template: t.raw, files: ctx.files, params: props.parameters as Record<string, unknown> });
    const view = await ctx.nested.describe(asId<'StackId'>(childId));
    return { physicalId: childId, attributes: { stack_name: `${ctx.stack.name}-${ctx.resource.name}`, outputs: view.outputs }, data: { childId } };
  },
  async update(ctx, props) {
    const childId = childOf(ctx.resource);
    if (!childId) return stackPlugin.create(ctx, props);
    const t = loadTemplate(String(props.template), ctx.files);
    await ctx.nested.update(asId<'StackId'>(childId), { template: t.raw, files: ctx.files, params: props.parameters as Record<string, unknown> });
    const view = await ctx.nested.describe(asId<'StackId'>(childId));
    return { physicalId: childId, attributes: { ...ctx.resource.attributes, outputs: view.outputs } };
  },
  async delete(ctx) {
    const childId = childOf(ctx.resource);
    if (childId) await ctx.nested.delete(asId<'StackId'>(childId));
  },
  suspend: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'suspend'); },
  resume: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'resume'); },
  check: async (ctx) => { const c = childOf(ctx.resource); if (c) await ctx.nested.act(asId<'StackId'>(c), 'check'); },
  attribute: (r, name) => {
    if (name === 'stack_name' || name === 'outputs') return r.attributes[name] ?? null;
    return null;
  },
};
