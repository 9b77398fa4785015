/**
 * Environments (heat/common/environment_format.py, heat/engine/environment.py): parameters,
 * parameter_defaults and the resource_registry that maps types to other types or to provider templates.
 */
import { TemplateError } from './errors.js';
import { checkObjectSize, isMapping, parseText, type Mapping } from './parse.js';

export interface Environment {
  parameters: Record<string, unknown>;
  parameterDefaults: Record<string, unknown>;
  /** Type alias or template file name, by type (wildcards such as `OS::Networking::*` included). */
  resourceRegistry: Record<string, string>;
  raw: Record<string, unknown>;
}

const SECTIONS = ['parameters', 'resource_registry', 'parameter_defaults', 'encrypted_param_names', 'event_sinks', 'parameter_merge_strategies'];

/** Parses an environment (YAML/JSON text or an object); undefined is the empty environment. */
export function loadEnvironment(source: string | Record<string, unknown> | undefined): Environment {
  if (source === undefined || source === null) return emptyEnvironment();
  let data: Mapping;
  if (typeof source === 'string') data = parseText(source, 'environment');
  else if (isMapping(source)) { checkObjectSize(source, 'environment'); data = source; }
  else throw new TemplateError('The environment is not a valid YAML mapping data type.');
  return environmentFromRaw(data);
}

/** An Environment from an already parsed document, its sections checked (environment_format.validate). */
export function environmentFromRaw(data: Mapping): Environment {
  for (const [k, v] of Object.entries(data)) {
    if (!SECTIONS.includes(k)) throw new TemplateError(`environment has wrong section "${k}"`, [k]);
    if (v === null || v === undefined) throw new TemplateError(`environment has empty section "${k}"`, [k]);
  }
  for (const k of ['parameters', 'parameter_defaults', 'resource_registry', 'parameter_merge_strategies']) {
    if (k in data && !isMapping(data[k])) throw new TemplateError(`environment section "${k}" must be a mapping`, [k]);
  }
  for (const k of ['encrypted_param_names', 'event_sinks']) {
    if (k in data && !Array.isArray(data[k])) throw new TemplateError(`environment section "${k}" must be a list`, [k]);
  }
  const registry: Record<string, string> = {};
  const rr = (data.resource_registry ?? {}) as Mapping;
  for (const [type, target] of Object.entries(rr)) {
    if (type === 'resources') {
      if (!isMapping(target)) throw new TemplateError('"resources" in resource_registry must be a mapping of resource names', ['resource_registry', 'resources']);
      for (const [res, entry] of Object.entries(target)) {
        if (!isMapping(entry)) throw new TemplateError(`resource_registry entry for resource "${res}" must be a mapping`, ['resource_registry', 'resources', res]);
      }
      continue;
    }
    if (target === null) continue;
    if (typeof target !== 'string' || target === '') {
      throw new TemplateError(`resource_registry maps "${type}" to ${JSON.stringify(target)?.slice(0, 100)}: it must name a resource type or a template file`, ['resource_registry', type]);
    }
    if (type.endsWith('*') !== target.endsWith('*') && type.endsWith('*')) {
      throw new TemplateError(`resource_registry wildcard "${type}" must map to a wildcard`, ['resource_registry', type]);
    }
    registry[type] = target;
  }
  return {
    parameters: { ...((data.parameters ?? {}) as Mapping) },
    parameterDefaults: { ...((data.parameter_defaults ?? {}) as Mapping) },
    resourceRegistry: registry,
    raw: data,
  };
}

/** The environment of a request that sends none. */
export function emptyEnvironment(): Environment {
  return { parameters: {}, parameterDefaults: {}, resourceRegistry: {}, raw: {} };
}

/** Whether a registry target or a type names a template rather than a resource type. */
function looksLikeTemplate(name: string, files: Record<string, string>): boolean {
  return Object.hasOwn(files, name) || /\.(ya?ml|template|json)$/i.test(name) || name.includes('/');
}

/** Maximum alias hops: registries chain a few aliases; more means a loop. */
const MAX_HOPS = 20;

/** What a type resolves to through the environment's resource_registry: aliases chain, wildcards map
 * prefixes, `OS::Heat::None` is a builtin, and a file name from `files` is a provider template. */
export function resolveType(env: Environment, type: string, files: Record<string, string>):
  { kind: 'builtin'; type: string } | { kind: 'template'; name: string; template: string } {
  let current = type;
  const seen = new Set<string>();
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    if (looksLikeTemplate(current, files)) {
      const template = Object.hasOwn(files, current) ? files[current] : undefined;
      if (template === undefined) {
        throw new TemplateError(`Could not fetch remote template "${current}": it is not in the request's "files" (for type ${type})`);
      }
      return { kind: 'template', name: current, template };
    }
    if (seen.has(current)) break;
    seen.add(current);
    const direct = Object.hasOwn(env.resourceRegistry, current) ? env.resourceRegistry[current] : undefined;
    let next: string | undefined = direct;
    if (next === undefined) {
      // The longest matching wildcard wins; it maps the prefix and keeps the rest of the name.
      const wild = Object.keys(env.resourceRegistry)
        .filter((k) => k.endsWith('*') && current.startsWith(k.slice(0, -1)))
        .sort((a, b) => b.length - a.length)[0];
      if (wild !== undefined) {
        const target = env.resourceRegistry[wild] as string;
        next = target.endsWith('*') ? target.slice(0, -1) + current.slice(wild.length - 1) : target;
      }
    }
    if (next === undefined || next === current) return { kind: 'builtin', type: current };
    current = next;
  }
  throw new TemplateError(`The resource_registry maps "${type}" in a loop`);
}
