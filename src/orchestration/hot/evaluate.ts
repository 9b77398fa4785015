/** Evaluation of snippets: every call resolved for the template's version, elided items (wallaby's
 * 2-argument `if`) dropped from the list or map that holds them. */
import { TemplateError, type TemplatePath } from './errors.js';
import { isMapping, type Mapping } from './parse.js';
import type { ResolveContext, Template } from './types.js';
import { conditionHolds } from './conditions.js';
import { callOf } from './functions/args.js';
import { isFunctionName, lookup } from './functions/registry.js';
import { ELIDED, type EvalScope, type WalkMode } from './functions/types.js';

/** Names a condition by name: how a scope finds a condition's truth. */
export type ConditionLookup = (name: string, path: TemplatePath) => boolean;

/** The resources whose condition holds. A resource whose condition the context cannot answer counts
 * as present: the engine decides about it, not the evaluator. */
const presentCache = new WeakMap<Template, WeakMap<Record<string, boolean>, Set<string>>>();

function presentResources(t: Template, conditions: Record<string, boolean>): Set<string> {
  // The engine resolves each resource's properties separately with the same context, so the answer is
  // kept per template and conditions object rather than recomputed for every snippet.
  let byConditions = presentCache.get(t);
  if (byConditions === undefined) { byConditions = new WeakMap(); presentCache.set(t, byConditions); }
  const hit = byConditions.get(conditions);
  if (hit !== undefined) return hit;
  const out = new Set<string>();
  for (const r of Object.values(t.resources)) {
    let holds = true;
    try { holds = conditionHolds('resources', r.name, r.condition, conditions); } catch { holds = true; }
    if (holds) out.add(r.name);
  }
  byConditions.set(conditions, out);
  return out;
}

/** Builds the evaluation scope for a template, with `byName` answering named conditions. */
export function evalScope(t: Template, ctx: ResolveContext, byName: ConditionLookup): EvalScope {
  const scope: EvalScope = {
    version: t.version,
    files: t.files,
    conditionNames: new Set(Object.keys(t.conditions)),
    // Heat's stack holds no resource whose condition is false, so referring to one is an error there.
    resourceNames: presentResources(t, ctx.conditions),
    allResourceNames: new Set(Object.keys(t.resources)),
    ctx,
    resolve: (s, p, m) => resolveNode(scope, s, p, m),
    condition(arg, p) {
      const r = arg === undefined ? true : resolveNode(scope, arg, p, 'condvalue');
      if (typeof r === 'boolean') return r;
      if (typeof r === 'string') return byName(r, p);
      throw new TemplateError(`Invalid condition ${JSON.stringify(r === ELIDED ? null : r)?.slice(0, 200)}`, p);
    },
  };
  return scope;
}

/** Resolves a snippet; ELIDED means "leave the enclosing item out". */
export function resolveNode(scope: EvalScope, v: unknown, path: TemplatePath, mode: WalkMode): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    v.forEach((x, i) => {
      const r = resolveNode(scope, x, [...path, i], mode);
      if (r !== ELIDED) out.push(r);
    });
    return out;
  }
  if (isMapping(v)) {
    const call = callOf(v, isFunctionName);
    if (call !== undefined) {
      const [name, args] = call;
      const fp = [...path, name];
      const def = lookup(scope.version, name, mode, fp);
      if (def.lazy === true) return def.evaluate(name, args, fp, scope);
      let resolved = resolveNode(scope, args, fp, mode === 'value' ? 'value' : 'condvalue');
      if (resolved === ELIDED) resolved = null;
      return def.evaluate(name, resolved, fp, scope);
    }
    const out: Mapping = {};
    for (const [k, x] of Object.entries(v)) {
      const r = resolveNode(scope, x, [...path, k], mode);
      if (r !== ELIDED) out[k] = r;
    }
    return out;
  }
  return v;
}

/** Evaluates every function in a snippet (properties, metadata or an output value) for t.version.
 * A top-level elided value becomes null. Throws TemplateError with the path inside the snippet. */
export function resolve(t: Template, snippet: unknown, ctx: ResolveContext, path: readonly (string | number)[] = []): unknown {
  const scope = evalScope(t, ctx, (name, p) => {
    if (!Object.hasOwn(ctx.conditions, name)) throw new TemplateError(`Invalid condition "${name}"`, p);
    return ctx.conditions[name] === true;
  });
  const r = resolveNode(scope, snippet, path, 'value');
  return r === ELIDED ? null : r;
}

/** Whether a resolved value is the elision marker (for callers resolving one property at a time). */
export function isElided(v: unknown): boolean {
  return v === ELIDED;
}
