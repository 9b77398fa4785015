/** The load-time walk over a snippet: every call is known for the version and the place, has the argument
 * shape Heat requires, and names parameters, resources, conditions and files that exist. */
import { TemplateError, type TemplatePath } from './errors.js';
import { isMapping } from './parse.js';
import type { HotVersion } from './versions.js';
import { callOf } from './functions/args.js';
import { isFunctionName, lookup } from './functions/registry.js';
import type { CheckScope, WalkMode } from './functions/types.js';

export interface CheckEnv {
  version: HotVersion;
  parameters: ReadonlySet<string>;
  resources: ReadonlySet<string>;
  conditions: ReadonlySet<string>;
  files: Readonly<Record<string, string>>;
}

export interface CheckResult {
  /** Resources the snippet refers to (get_resource, get_attr, Ref). */
  refs: Set<string>;
  /** Conditions the snippet names. */
  conditionRefs: Set<string>;
}

/** Checks a snippet in the given mode; returns what it references. */
export function checkSnippet(env: CheckEnv, snippet: unknown, path: TemplatePath, mode: WalkMode): CheckResult {
  const refs = new Set<string>();
  const conditionRefs = new Set<string>();
  const scope: CheckScope = {
    ...env,
    refs,
    walk: (s, p, m) => walk(s, p, m),
  };
  const walk = (v: unknown, p: TemplatePath, m: WalkMode): void => {
    if (Array.isArray(v)) {
      if (m === 'condition') throw new TemplateError(`Invalid condition ${JSON.stringify(v)}`, p);
      v.forEach((x, i) => walk(x, [...p, i], m));
      return;
    }
    if (isMapping(v)) {
      const call = callOf(v, isFunctionName);
      if (call !== undefined) {
        const [name, args] = call;
        const fp = [...p, name];
        const def = lookup(env.version, name, m, fp);
        def.check(name, args, fp, scope);
        if (def.walksOwnArgs !== true) walk(args, fp, m === 'value' ? 'value' : 'condvalue');
        return;
      }
      if (m === 'condition') throw new TemplateError(`Invalid condition ${JSON.stringify(v).slice(0, 200)}`, p);
      for (const [k, x] of Object.entries(v)) walk(x, [...p, k], m);
      return;
    }
    if (m === 'condition') {
      if (typeof v === 'boolean') return;
      if (typeof v === 'string' && env.conditions.has(v)) { conditionRefs.add(v); return; }
      throw new TemplateError(`Invalid condition "${String(v)}"`, p);
    }
  };
  walk(snippet, path, mode);
  return { refs, conditionRefs };
}
