/**
 * Merging environments as Heat's engine does (heat/common/environment_util.py): the request's environment
 * first, then each file of `environment_files` in order. Parameters and parameter_defaults overwrite
 * by default, or merge / deep_merge by a file's parameter_merge_strategies; other sections merge one
 * level deep (a later `resources` entry of resource_registry replaces the earlier one whole).
 */
import { TemplateError } from './errors.js';
import { isMapping, parseText, type Mapping } from './parse.js';
import { environmentFromRaw, type Environment } from './environment.js';
import type { ParameterDef, Template } from './types.js';

type Strategy = 'overwrite' | 'merge' | 'deep_merge';
const STRATEGIES: readonly Strategy[] = ['overwrite', 'merge', 'deep_merge'];

/** merge_map: later keys win; None values are skipped; with deep, maps merge, lists extend, strings join. */
function mergeMap(old: unknown, next: Mapping, deep: boolean): Mapping {
  if (!isMapping(old) || Object.keys(old).length === 0) return { ...next };
  const out: Mapping = { ...old };
  for (const [k, v] of Object.entries(next)) {
    if (v === null || v === undefined) continue;
    if (!deep) out[k] = v;
    else if (isMapping(v)) out[k] = isMapping(out[k]) && Object.keys(out[k] as Mapping).length > 0 ? mergeMap(out[k], v, true) : v;
    else if (Array.isArray(v)) out[k] = truthy(out[k]) ? mergeList(out[k], v) : v;
    else if (typeof v === 'string') out[k] = `${typeof out[k] === 'string' ? out[k] as string : ''}${v}`;
    else out[k] = v;
  }
  return out;
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

/** merge_list: lists extend, comma-delimited strings join with a comma. */
function mergeList(old: unknown, next: unknown): unknown {
  if (!truthy(old)) return next;
  if (Array.isArray(next)) return [...(Array.isArray(old) ? old : [old]), ...next];
  return [String(old), String(next)].join(',');
}

function parseParam(value: unknown, def: ParameterDef, file: string): unknown {
  if (def.type === 'json') {
    if (typeof value === 'string') {
      if (value === '') return value;
      try { return JSON.parse(value) as unknown; } catch (e) { throw new TemplateError(`Invalid parameter in environment ${e instanceof Error ? e.message : String(e)}.`, ['environment_files', file, def.name]); }
    }
    return value;
  }
  // Heat accepts only sequences (strings and lists) for the other types when merging.
  if (typeof value !== 'string' && !Array.isArray(value)) throw new TemplateError(`Invalid parameter in environment ${file}: ${def.name} cannot be merged.`, ['environment_files', file, def.name]);
  return value;
}

function mergeParameters(old: Mapping, next: Mapping, t: Template, strategies: Mapping, available: Map<string, Strategy>, file: string): Mapping {
  const dflt = typeof strategies.default === 'string' && STRATEGIES.includes(strategies.default as Strategy) ? strategies.default as Strategy : 'overwrite';
  for (const [key, value] of Object.entries(next)) {
    if (!Object.hasOwn(t.parameters, key) || value === null || value === undefined) continue;
    const named = strategies[key];
    const strategy = typeof named === 'string' && STRATEGIES.includes(named as Strategy) ? named as Strategy : (available.get(key) ?? dflt);
    const seen = available.get(key);
    if (seen === undefined) available.set(key, strategy);
    else if (seen !== strategy) {
      throw new TemplateError(`Conflicting merge strategy '${strategy}' for parameter '${key}' in file '${file}'.`, ['environment_files', file, key]);
    }
  }
  // As Heat: the first file's section is taken whole, names the template lacks included.
  if (Object.keys(old).length === 0) return { ...next };
  const out: Mapping = { ...old };
  for (const [key, value] of Object.entries(next)) {
    const def = t.parameters[key];
    if (def === undefined || value === null || value === undefined) continue;
    const strategy = available.get(key) ?? 'overwrite';
    if (strategy === 'overwrite') { out[key] = value; continue; }
    const v = parseParam(value, def, file);
    switch (def.type) {
      case 'json': out[key] = mergeMap(out[key] ?? {}, isMapping(v) ? v : {}, strategy === 'deep_merge'); break;
      case 'comma_delimited_list': out[key] = mergeList(out[key], v); break;
      case 'string': out[key] = `${typeof out[key] === 'string' ? out[key] as string : ''}${String(v)}`; break;
      default:
        throw new TemplateError(`Invalid merge strategy '${strategy}' for parameter '${key}'.`, ['environment_files', file, key]);
    }
  }
  return out;
}

/** The environments merged in order, later ones overwriting (Heat's default strategy), one level deep. */
export function mergeEnvironments(...envs: Environment[]): Environment {
  let raw: Mapping = {};
  for (const e of envs) raw = mergeRaw(raw, e.raw, (old, next) => ({ ...old, ...withoutNulls(next) }));
  return environmentFromRaw(raw);
}

function withoutNulls(m: Mapping): Mapping {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null && v !== undefined));
}

function mergeRaw(base: Mapping, next: Mapping, params: (old: Mapping, next: Mapping) => Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [section, value] of Object.entries(next)) {
    if (section === 'parameter_merge_strategies' || !truthy(value)) continue;
    if (section === 'parameters' || section === 'parameter_defaults') {
      out[section] = params(isMapping(out[section]) ? out[section] as Mapping : {}, value as Mapping);
    } else if (isMapping(value)) {
      out[section] = mergeMap(out[section], value, false);
    } else {
      out[section] = Array.isArray(value) && Array.isArray(out[section]) ? [...(out[section] as unknown[]), ...value] : value;
    }
  }
  return out;
}

/** The request's environment with `environment_files` (names in `files`) merged over it in order, as
 * Heat's engine does for `openstack stack create -e a.yaml -e b.yaml`, merge strategies included. */
export function mergeEnvironmentFiles(t: Template, base: Environment, names: readonly string[], files: Record<string, string>): Environment {
  // The typed fields are the truth (a caller may have added the request's parameters to them).
  let raw: Mapping = { ...base.raw, parameters: { ...base.parameters }, parameter_defaults: { ...base.parameterDefaults } };
  const available = new Map<string, Strategy>();
  for (const name of names) {
    const text = Object.hasOwn(files, name) ? files[name] : undefined;
    if (text === undefined) throw new TemplateError(`The environment file "${name}" is not in the request's files`, ['environment_files', name]);
    const parsed = parseText(text, 'environment');
    const env = environmentFromRaw(parsed); // checks the sections
    const strategies = isMapping(env.raw.parameter_merge_strategies) ? env.raw.parameter_merge_strategies : {};
    raw = mergeRaw(raw, env.raw, (old, next) => mergeParameters(old, next, t, strategies, available, name));
  }
  return environmentFromRaw(raw);
}
