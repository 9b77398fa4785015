/**
 * A stack definition (template, environment, files, parameters) made ready to run: the template parsed
 * and checked, parameters resolved, conditions evaluated, the active resources with their plugins and the
 * dependency graph. Prepared once per definition and cached, since every run and every show needs it.
 */
import {
  activeResources, dependencies, evaluateConditions, loadEnvironment, loadTemplate, mergeEnvironments, resolveParameters, resolveType,
  type ConstraintChecker, type Environment, type ResourceDef, type Template,
} from '../hot/index.js';
import { LIMITS, type StackDefinition } from '../model.js';
import { requestLimitExceeded, validationFailed } from '../errors.js';
import type { PluginRegistry, ResourcePlugin } from '../plugins/types.js';
import { templateResourcePlugin } from '../plugins/template-resource.js';
import { withImplicit } from './implicit.js';

export interface Prepared {
  readonly def: StackDefinition;
  readonly template: Template;
  readonly environment: Environment;
  readonly conditions: Record<string, boolean>;
  /** Active resources by name, in template order. */
  readonly resources: ReadonlyMap<string, ResourceDef>;
  readonly requires: ReadonlyMap<string, ReadonlySet<string>>;
  plugin(name: string): ResourcePlugin;
}

/** What a request gives: the raw template and the rest, before parameters are resolved. */
export interface DefinitionInput {
  template: Record<string, unknown>;
  environment?: Record<string, unknown> | undefined;
  files?: Record<string, string> | undefined;
  params?: Record<string, unknown> | undefined;
}

/** Template size as Heat measures it (the JSON text), against max_template_size. */
export function checkTemplateSize(template: unknown): void {
  const size = Buffer.byteLength(JSON.stringify(template));
  if (size > LIMITS.maxTemplateSize) {
    throw requestLimitExceeded(`Template size (${size} bytes) exceeds maximum allowed size (${LIMITS.maxTemplateSize} bytes).`);
  }
}

/** The plugin for a type as the environment maps it: a built-in one or a provider template. */
export function pluginFor(registry: PluginRegistry, env: Environment, type: string, files: Record<string, string>): ResourcePlugin {
  const resolved = resolveType(env, type, files);
  if (resolved.kind === 'template') return templateResourcePlugin(type, resolved.name, resolved.template, files);
  const plugin = registry.get(resolved.type);
  if (!plugin) throw validationFailed(`The Resource Type (${type}) could not be found.`);
  return plugin;
}

/**
 * Checks a definition and resolves its parameters (the API's step before anything is stored): every
 * static check of the template, known resource types, limits.
 */
export async function resolveDefinition(
  registry: PluginRegistry, input: DefinitionInput, opts: { checker?: ConstraintChecker; previous?: Record<string, unknown>; allowMissing?: boolean } = {},
): Promise<StackDefinition> {
  checkTemplateSize(input.template);
  const files = input.files ?? {};
  const template = loadTemplate(input.template, files);
  const environment = mergeEnvironments(loadEnvironment(input.environment ?? {}));
  const params = { ...(environment.parameters as Record<string, unknown>), ...(input.params ?? {}) };
  const resolved = await resolveParameters(template, environment, params, opts.checker, opts.previous, { allowMissing: opts.allowMissing === true });
  const def: StackDefinition = { template: input.template, environment: input.environment ?? {}, files, params, resolved };
  const prepared = prepareLoaded(registry, def, template, environment);
  // Static ResourceGroup counts are known now: a group of 5,000 is refused before anything is made.
  let total = prepared.resources.size;
  for (const r of prepared.resources.values()) {
    const kind = resolveType(prepared.environment, r.type, files);
    const count = (r.properties as Record<string, unknown> | null | undefined)?.count;
    if (kind.kind === 'builtin' && kind.type === 'OS::Heat::ResourceGroup' && typeof count === 'number') total += count;
  }
  if (total > LIMITS.maxResourcesPerStack) throw requestLimitExceeded('Maximum resources per stack exceeded.');
  for (const [name, r] of prepared.resources) {
    // Names are stored (and shown in events) as Heat's 255-character columns hold them.
    if (name.length > 255) throw validationFailed(`Resource name ${name.slice(0, 40)}… is longer than 255 characters.`);
    const plugin = prepared.plugin(name);
    // Property names are static even where values are functions: an unknown one fails now, not mid-create.
    const props = r.properties ?? {};
    if (typeof props !== 'object' || Array.isArray(props)) throw validationFailed(`Property error: resources.${name}.properties: Properties must be a map`);
    if (!plugin.openProperties) {
      for (const key of Object.keys(props)) {
        if (!(key in plugin.properties)) throw validationFailed(`Property error: resources.${name}.properties: Unknown Property ${key}`);
      }
      for (const [key, schema] of Object.entries(plugin.properties)) {
        if (schema.required && schema.default === undefined && !(key in props)) {
          throw validationFailed(`Property error: resources.${name}.properties: Property ${key} not assigned`);
        }
      }
    }
  }
  checkNesting(registry, prepared.template, prepared.environment, files, 0);
  return def;
}

/**
 * Follows provider templates (and the static member type of a ResourceGroup, and an inline
 * OS::Heat::Stack template) down the tree and refuses one nested deeper than max_nested_stack_depth, as
 * Heat's validation does: a template that uses itself is a 400 at create instead of six failed stacks.
 */
function checkNesting(registry: PluginRegistry, template: Template, env: Environment, files: Record<string, string>, depth: number, seen = new Set<string>()): void {
  const nested = (text: string, at: number): void => {
    if (at > LIMITS.maxNestedDepth) throw validationFailed(`Recursion depth exceeds ${LIMITS.maxNestedDepth}.`);
    // A template seen at this depth (or shallower) was checked already: wide trees cost one look each.
    const key = `${at}\0${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    checkNesting(registry, loadTemplate(text, files), env, files, at, seen);
  };
  const viaType = (type: string, at: number): void => {
    const resolved = resolveType(env, type, files);
    if (resolved.kind === 'template') nested(resolved.template, at);
  };
  for (const r of Object.values(template.resources)) {
    viaType(r.type, depth + 1);
    const props = r.properties as Record<string, unknown> | null | undefined;
    const kind = resolveType(env, r.type, files);
    const plugin = kind.kind === 'builtin' ? registry.get(kind.type) : undefined;
    if (plugin?.type === 'OS::Heat::ResourceGroup') {
      const member = (props?.resource_def as Record<string, unknown> | undefined)?.type;
      if (typeof member === 'string') {
        if (depth + 1 > LIMITS.maxNestedDepth) throw validationFailed(`Recursion depth exceeds ${LIMITS.maxNestedDepth}.`);
        viaType(member, depth + 2);
      }
    } else if (plugin?.type === 'OS::Heat::Stack' && typeof props?.template === 'string') {
      nested(props.template, depth + 1);
    }
  }
}

const cache = new WeakMap<StackDefinition, Prepared>();

/** The prepared form of a stored (already resolved) definition. */
export function prepare(registry: PluginRegistry, def: StackDefinition): Prepared {
  const hit = cache.get(def);
  if (hit) return hit;
  return prepareLoaded(registry, def, loadTemplate(def.template, def.files), mergeEnvironments(loadEnvironment(def.environment)));
}

/** prepare() for a definition whose template and environment are loaded already (checking them twice is most of a create's CPU). */
function prepareLoaded(registry: PluginRegistry, def: StackDefinition, template: Template, environment: Environment): Prepared {
  const conditions = evaluateConditions(template, def.resolved);
  const resources = new Map(activeResources(template, conditions).map((r) => [r.name, r] as const));
  // Heat's implicit edges too (a server waits for its network's subnets, …): templates rely on them.
  const requires = withImplicit(dependencies(template, conditions), resources);
  const plugins = new Map<string, ResourcePlugin>();
  const prepared: Prepared = {
    def, template, environment, conditions, resources, requires,
    plugin(name) {
      let p = plugins.get(name);
      if (!p) {
        const r = resources.get(name);
        if (!r) throw validationFailed(`The Resource (${name}) is not in the template.`);
        p = pluginFor(registry, environment, r.type, def.files);
        plugins.set(name, p);
      }
      return p;
    },
  };
  cache.set(def, prepared);
  return prepared;
}
