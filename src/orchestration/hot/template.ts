/**
 * loadTemplate: text or object to a checked Template (heat/engine/hot/template.py's sections and keys,
 * heat/common/template_format.py's limits), every snippet walked once by check.ts.
 */
import { TemplateError } from './errors.js';
import { checkObjectSize, isMapping, parseText, type Mapping } from './parse.js';
import { atLeast, hasConditions, parseVersion, type HotVersion } from './versions.js';
import type { DeletionPolicy, OutputDef, ParameterDef, ResourceDef, Template } from './types.js';
import { parseParameter } from './parameters.js';
import { checkSnippet, type CheckEnv } from './check.js';
import { assertAcyclic } from './dependencies.js';
import { isCallLike } from './functions/args.js';

/** Heat's max_resources_per_stack default. */
export const MAX_RESOURCES = 1000;

const BASE_SECTIONS = ['heat_template_version', 'description', 'parameter_groups', 'parameters', 'resources', 'outputs'];
const BASE_RESOURCE_KEYS = ['type', 'properties', 'metadata', 'depends_on', 'deletion_policy', 'update_policy', 'description'];

function sectionMap(data: Mapping, key: string): Mapping {
  const v = data[key];
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) throw new TemplateError(`The "${key}" section must be a mapping`, [key]);
  return v;
}

/** Parses YAML or JSON text (or takes an object), enforces the limits and checks everything that can be
 * checked before parameter values are known. Throws TemplateError. */
export function loadTemplate(source: string | Record<string, unknown>, files: Record<string, string> = {}): Template {
  let data: Mapping;
  if (typeof source === 'string') data = parseText(source, 'template');
  else if (isMapping(source)) { checkObjectSize(source, 'template'); data = source; }
  else throw new TemplateError('The template is not a JSON object or YAML mapping.');
  if (!isMapping(files)) throw new TemplateError('"files" must be a mapping of file names to contents', ['files']);
  for (const [k, v] of Object.entries(files)) if (typeof v !== 'string') throw new TemplateError(`The content of file "${k}" must be a string`, ['files', k]);

  if (!('heat_template_version' in data)) {
    if ('HeatTemplateFormatVersion' in data || 'AWSTemplateFormatVersion' in data) {
      throw new TemplateError('CloudFormation-format templates are not supported by Flotilla: use heat_template_version', ['AWSTemplateFormatVersion' in data ? 'AWSTemplateFormatVersion' : 'HeatTemplateFormatVersion']);
    }
    throw new TemplateError('Template format version not found.', ['heat_template_version'], { heatType: 'InvalidTemplateVersion' });
  }
  const version = parseVersion(data.heat_template_version);
  const sections = hasConditions(version) ? [...BASE_SECTIONS, 'conditions'] : BASE_SECTIONS;
  for (const k of Object.keys(data)) if (!sections.includes(k)) throw new TemplateError(`"${k}" is not a valid template section`, [k]);
  if (data.description !== undefined && data.description !== null && typeof data.description !== 'string') {
    throw new TemplateError('The "description" section must be a string', ['description']);
  }

  const parameters: Record<string, ParameterDef> = {};
  for (const [name, schema] of Object.entries(sectionMap(data, 'parameters'))) parameters[name] = parseParameter(name, schema, version);
  const parameterGroups = checkParameterGroups(data.parameter_groups, parameters);

  const rawResources = sectionMap(data, 'resources');
  const names = Object.keys(rawResources);
  if (names.length > MAX_RESOURCES) {
    throw new TemplateError(`Maximum resources per stack exceeded: the template has ${names.length} resources, at most ${MAX_RESOURCES} are allowed`, ['resources'], { heatType: 'RequestLimitExceeded' });
  }
  const rawConditions = hasConditions(version) ? sectionMap(data, 'conditions') : {};
  const env: CheckEnv = {
    version,
    parameters: new Set(Object.keys(parameters)),
    resources: new Set(names),
    conditions: new Set(Object.keys(rawConditions)),
    files,
  };

  const conditions: Record<string, unknown> = {};
  const conditionGraph = new Map<string, Set<string>>();
  for (const [name, def] of Object.entries(rawConditions)) {
    const path = ['conditions', name];
    if (typeof def !== 'boolean' && !isCallLike(def)) {
      throw new TemplateError(`The definition of condition "${name}" is invalid: ${JSON.stringify(def)?.slice(0, 200)}`, path);
    }
    conditionGraph.set(name, checkSnippet(env, def, path, 'condition').conditionRefs);
    conditions[name] = def;
  }
  assertNoConditionCycle(conditionGraph);

  const resources: Record<string, ResourceDef> = {};
  const graph = new Map<string, Set<string>>();
  for (const name of names) {
    const r = parseResource(name, rawResources[name], version, env);
    resources[name] = r.def;
    graph.set(name, r.deps);
  }
  assertAcyclic(graph);

  const outputs: Record<string, OutputDef> = {};
  for (const [name, def] of Object.entries(sectionMap(data, 'outputs'))) outputs[name] = parseOutput(name, def, version, env);

  const description = typeof data.description === 'string' ? data.description : undefined;
  return {
    version,
    ...(description === undefined ? {} : { description }),
    parameterGroups,
    parameters,
    resources,
    outputs,
    conditions,
    files: { ...files },
    raw: data,
  };
}

function checkParameterGroups(groups: unknown, parameters: Record<string, ParameterDef>): unknown[] {
  if (groups === undefined || groups === null) return [];
  if (!Array.isArray(groups)) throw new TemplateError('The "parameter_groups" section must be a list', ['parameter_groups']);
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    const path = ['parameter_groups', i];
    if (!isMapping(g)) throw new TemplateError('Each parameter group must be a mapping', path);
    const ps = g.parameters;
    if (!Array.isArray(ps)) throw new TemplateError('Parameters must be provided for each Parameter Group.', path);
    ps.forEach((p, j) => {
      if (typeof p !== 'string' || !Object.hasOwn(parameters, p)) {
        throw new TemplateError(`The grouped parameter ${String(p)} does not reference a valid parameter.`, [...path, 'parameters', j]);
      }
      if (seen.has(p)) throw new TemplateError(`The ${p} parameter must be assigned to one parameter group only.`, [...path, 'parameters', j]);
      seen.add(p);
    });
  });
  return groups;
}

const POLICIES: Record<string, DeletionPolicy> = { Delete: 'Delete', Retain: 'Retain', Snapshot: 'Snapshot' };
const POLICIES_NEWTON: Record<string, DeletionPolicy> = { ...POLICIES, delete: 'Delete', retain: 'Retain', snapshot: 'Snapshot' };

function parseResource(name: string, raw: unknown, version: HotVersion, env: CheckEnv): { def: ResourceDef; deps: Set<string> } {
  const path = ['resources', name];
  if (name.includes('/')) throw new TemplateError(`Resource name may not contain "/": ${name}`, path);
  if (!isMapping(raw)) {
    if (raw === null || raw === undefined) throw new TemplateError(`Each resource must contain a type key (resource ${name}).`, path);
    throw new TemplateError(`"resources" must contain a map of resource maps. Found a [${Array.isArray(raw) ? 'list' : typeof raw}] instead (resource ${name})`, path);
  }
  const keys = hasConditions(version) ? [...BASE_RESOURCE_KEYS, 'external_id', 'condition'] : BASE_RESOURCE_KEYS;
  const invalid = Object.keys(raw).filter((k) => !keys.includes(k));
  if (invalid.length > 0) throw new TemplateError(`Invalid keyword(s) inside a resource definition: ${invalid.join(', ')}`, [...path, invalid[0] as string]);
  if (!('type' in raw)) throw new TemplateError(`Each resource must contain a type key (resource ${name}).`, path);
  if (typeof raw.type !== 'string' || raw.type === '') throw new TemplateError(`Resource ${name} type must be a non-empty string`, [...path, 'type']);

  for (const k of ['properties', 'metadata', 'update_policy'] as const) {
    const v = raw[k];
    if (v !== undefined && v !== null && !isMapping(v)) throw new TemplateError(`Resource ${name} ${k} must be a map`, [...path, k]);
  }
  const deps = new Set<string>();
  const props = checkSnippet(env, raw.properties ?? {}, [...path, 'properties'], 'value');
  const meta = checkSnippet(env, raw.metadata ?? {}, [...path, 'metadata'], 'value');
  checkSnippet(env, raw.update_policy ?? {}, [...path, 'update_policy'], 'value');
  for (const d of [...props.refs, ...meta.refs]) deps.add(d);

  let dependsOn: string[] = [];
  const dRaw = raw.depends_on;
  if (typeof dRaw === 'string') dependsOn = [dRaw];
  else if (Array.isArray(dRaw)) dependsOn = dRaw as string[];
  else if (dRaw !== undefined && dRaw !== null) throw new TemplateError(`Resource ${name} depends_on must be a list or a string`, [...path, 'depends_on']);
  dependsOn.forEach((d, i) => {
    if (typeof d !== 'string') throw new TemplateError(`Resource ${name} depends_on value must be a resource name (a string)`, [...path, 'depends_on', i]);
    if (!env.resources.has(d)) throw new TemplateError(`The specified reference "${d}" (in ${name}) is incorrect: depends_on names no resource of the template`, [...path, 'depends_on', i]);
    deps.add(d);
  });

  const policies = atLeast(version, '2016-10-14') ? POLICIES_NEWTON : POLICIES;
  let deletionPolicy: DeletionPolicy = 'Delete';
  if (raw.deletion_policy !== undefined && raw.deletion_policy !== null) {
    const p = raw.deletion_policy;
    if (typeof p !== 'string' || !Object.hasOwn(policies, p)) {
      throw new TemplateError(`Invalid deletion policy "${typeof p === 'string' ? p : JSON.stringify(p)}" for resource ${name} (one of ${Object.keys(policies).join(', ')})`, [...path, 'deletion_policy']);
    }
    deletionPolicy = policies[p] as DeletionPolicy;
  }

  let condition: unknown;
  if ('condition' in raw && raw.condition !== null && raw.condition !== undefined) {
    condition = raw.condition;
    checkSnippet(env, condition, [...path, 'condition'], 'condition');
  }
  let externalId: unknown;
  if ('external_id' in raw && raw.external_id !== null && raw.external_id !== undefined) {
    externalId = raw.external_id;
    if (typeof externalId !== 'string' && !isCallLike(externalId)) throw new TemplateError(`Resource ${name} external_id must be a string`, [...path, 'external_id']);
    checkSnippet(env, externalId, [...path, 'external_id'], 'value');
  }
  if (raw.description !== undefined && raw.description !== null && typeof raw.description !== 'string') {
    throw new TemplateError(`Resource ${name} description must be a string`, [...path, 'description']);
  }
  const def: ResourceDef = {
    name,
    type: raw.type,
    properties: raw.properties ?? {},
    metadata: raw.metadata ?? {},
    dependsOn,
    deletionPolicy,
    updatePolicy: raw.update_policy ?? {},
    ...(condition === undefined ? {} : { condition }),
    ...(externalId === undefined ? {} : { externalId }),
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
  };
  return { def, deps };
}

function parseOutput(name: string, raw: unknown, version: HotVersion, env: CheckEnv): OutputDef {
  const path = ['outputs', name];
  if (!isMapping(raw)) {
    if (raw === null || raw === undefined) throw new TemplateError(`Each output must contain a value key (output ${name}).`, path);
    throw new TemplateError(`"outputs" must contain a map of output maps. Found a [${Array.isArray(raw) ? 'list' : typeof raw}] instead (output ${name})`, path);
  }
  const keys = hasConditions(version) ? ['description', 'value', 'condition'] : ['description', 'value'];
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new TemplateError(`"${k}" is not a valid keyword inside a output definition`, [...path, k]);
  if (!('value' in raw)) throw new TemplateError(`Each output must contain a value key (output ${name}).`, path);
  checkSnippet(env, raw.value, [...path, 'value'], 'value');
  let condition: unknown;
  if (raw.condition !== undefined && raw.condition !== null) {
    condition = raw.condition;
    checkSnippet(env, condition, [...path, 'condition'], 'condition');
  }
  return {
    name,
    value: raw.value,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(condition === undefined ? {} : { condition }),
  };
}

function assertNoConditionCycle(graph: Map<string, Set<string>>): void {
  const state = new Map<string, number>();
  const visit = (n: string): void => {
    state.set(n, 1);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 1) throw new TemplateError(`Circular definition for condition "${d}"`, ['conditions', d]);
      if (!state.has(d)) visit(d);
    }
    state.set(n, 2);
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
}
