/** The `conditions` section evaluated against parameter values (heat/engine/conditions.py), plus the
 * inline conditions of resources and outputs. */
import { TemplateError } from './errors.js';
import { evalScope } from './evaluate.js';
import type { ParameterValues, ResolveContext, StackIdentity, Template } from './types.js';

/** Key under which evaluateConditions reports a resource's inline (non-name) condition. */
export function inlineConditionKey(section: 'resources' | 'outputs', name: string): string {
  return `${section}.${name}.condition`;
}

/** Every named condition's truth, plus inline resource/output conditions under inlineConditionKey().
 * `stack` answers get_param of the pseudo-parameters inside conditions. */
export function evaluateConditions(t: Template, params: ParameterValues, stack: StackIdentity = { name: '', id: '', projectId: '' }): Record<string, boolean> {
  const done: Record<string, boolean> = {};
  const inProgress = new Set<string>();
  const ctx: ResolveContext = {
    stack,
    params,
    conditions: done,
    resourceRef: () => null,
    resourceAttr: () => null,
  };
  const byName = (name: string, path: readonly (string | number)[]): boolean => {
    if (Object.hasOwn(done, name)) return done[name] === true;
    if (!Object.hasOwn(t.conditions, name)) throw new TemplateError(`Invalid condition "${name}"`, path);
    if (inProgress.has(name)) throw new TemplateError(`Circular definition for condition "${name}"`, ['conditions', name]);
    inProgress.add(name);
    const def = t.conditions[name];
    const value = typeof def === 'boolean' ? def : scope.condition(def, ['conditions', name]);
    inProgress.delete(name);
    done[name] = value;
    return value;
  };
  const scope = evalScope(t, ctx, byName);
  for (const name of Object.keys(t.conditions)) byName(name, ['conditions', name]);
  const out: Record<string, boolean> = { ...done };
  for (const [section, defs] of [['resources', t.resources], ['outputs', t.outputs]] as const) {
    for (const [name, def] of Object.entries(defs)) {
      const c = def.condition;
      if (c === undefined || c === null || typeof c === 'string') continue;
      out[inlineConditionKey(section, name)] = scope.condition(c, [section, name, 'condition']);
    }
  }
  return out;
}

/** Whether a resource's or output's `condition` holds under evaluated conditions. */
export function conditionHolds(section: 'resources' | 'outputs', name: string, condition: unknown, conditions: Record<string, boolean>): boolean {
  if (condition === undefined || condition === null) return true;
  if (typeof condition === 'boolean') return condition;
  if (typeof condition === 'string') {
    if (!Object.hasOwn(conditions, condition)) throw new TemplateError(`Invalid condition "${condition}"`, [section, name, 'condition']);
    return conditions[condition] === true;
  }
  const key = inlineConditionKey(section, name);
  if (!Object.hasOwn(conditions, key)) throw new TemplateError(`The condition of ${name} was not evaluated`, [section, name, 'condition']);
  return conditions[key] === true;
}
