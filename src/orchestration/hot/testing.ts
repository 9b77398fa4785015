/** Test support for the template language: evaluate a snippet in a throwaway template of a given version. */
import { loadTemplate } from './template.js';
import { emptyEnvironment } from './environment.js';
import { resolveParameters } from './parameters.js';
import { evaluateConditions } from './conditions.js';
import { resolve } from './evaluate.js';
import type { ParameterType, ResolveContext, Template } from './types.js';
import type { HotVersion } from './versions.js';

export interface SnippetOptions {
  /** Parameter values; the type is taken from the value unless `types` says otherwise. */
  params?: Record<string, unknown>;
  types?: Record<string, ParameterType>;
  /** Resources of the template: their reference ids and attributes. */
  resources?: Record<string, { ref?: string | null; attrs?: Record<string, unknown> }>;
  files?: Record<string, string>;
  conditions?: Record<string, unknown>;
  facade?: Partial<Record<'metadata' | 'deletion_policy' | 'update_policy', unknown>>;
}

function typeOf(v: unknown): ParameterType {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return 'comma_delimited_list';
  return 'json';
}

/** A template of `version` with the options' parameters, conditions and resources, and `snippet` as the
 * value of the output `out`. */
export function snippetTemplate(version: HotVersion, snippet: unknown, o: SnippetOptions = {}): Template {
  const parameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.params ?? {})) parameters[k] = { type: o.types?.[k] ?? typeOf(v) };
  const resources: Record<string, unknown> = {};
  for (const k of Object.keys(o.resources ?? {})) resources[k] = { type: 'OS::Heat::None' };
  const raw: Record<string, unknown> = { heat_template_version: version, parameters, resources, outputs: { out: { value: snippet } } };
  if (o.conditions !== undefined) raw.conditions = o.conditions;
  return loadTemplate(raw, o.files ?? {});
}

/** Loads the template (so load-time checks apply), resolves parameters and conditions, evaluates `out`. */
export async function evalSnippet(version: HotVersion, snippet: unknown, o: SnippetOptions = {}): Promise<unknown> {
  const t = snippetTemplate(version, snippet, o);
  const params = await resolveParameters(t, emptyEnvironment(), o.params ?? {});
  const conditions = evaluateConditions(t, params);
  const ctx: ResolveContext = {
    stack: { name: 'mystack', id: 'stack-id-1', projectId: 'project-1' },
    params,
    conditions,
    resourceRef: (n) => { const r = o.resources?.[n]; return r?.ref === undefined ? `${n}-id` : r.ref; },
    resourceAttr: (n, a) => { const attrs = o.resources?.[n]?.attrs ?? {}; return a === undefined ? attrs : attrs[a] ?? null; },
    ...(o.facade === undefined ? {} : { facade: (k: 'metadata' | 'deletion_policy' | 'update_policy') => o.facade?.[k] }),
  };
  return resolve(t, t.outputs.out?.value, ctx, ['outputs', 'out', 'value']);
}
