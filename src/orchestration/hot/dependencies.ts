/** The resource graph: which resources each one needs first (depends_on plus every get_resource,
 * get_attr and Ref in its properties and metadata), cycles refused. */
import { TemplateError } from './errors.js';
import { isMapping } from './parse.js';
import type { ResourceDef, Template } from './types.js';
import { callOf } from './functions/args.js';
import { isFunctionName } from './functions/registry.js';
import { conditionHolds } from './conditions.js';

/** Resources active under the conditions. */
export function activeResources(t: Template, conditions: Record<string, boolean>): ResourceDef[] {
  return Object.values(t.resources).filter((r) => conditionHolds('resources', r.name, r.condition, conditions));
}

/** Resource names a snippet refers to. A named condition in `if` picks its branch when `conditions`
 * knows it; otherwise both branches count. */
export function referencedResources(snippet: unknown, resources: ReadonlySet<string>, conditions?: Record<string, boolean>): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(walk); return; }
    if (!isMapping(v)) return;
    const call = callOf(v, isFunctionName);
    if (call === undefined) { Object.values(v).forEach(walk); return; }
    const [name, args] = call;
    if (name === 'get_resource' || name === 'Ref') {
      if (typeof args === 'string' && resources.has(args)) out.add(args);
      else walk(args);
      return;
    }
    if (name === 'get_attr' || name === 'Fn::GetAtt') {
      if (Array.isArray(args) && typeof args[0] === 'string' && resources.has(args[0])) out.add(args[0]);
      walk(args);
      return;
    }
    if (name === 'if' && Array.isArray(args) && conditions !== undefined) {
      const cond = args[0];
      const known = typeof cond === 'boolean' ? cond : typeof cond === 'string' && Object.hasOwn(conditions, cond) ? conditions[cond] : undefined;
      if (known !== undefined) { walk(known ? args[1] : args[2]); return; }
    }
    walk(args);
  };
  walk(snippet);
  return out;
}

/** Direct dependencies of each active resource (only on active resources). */
export function dependencies(t: Template, conditions: Record<string, boolean>): Map<string, Set<string>> {
  const active = activeResources(t, conditions);
  const names = new Set(active.map((r) => r.name));
  const out = new Map<string, Set<string>>();
  for (const r of active) {
    const deps = new Set<string>();
    for (const d of r.dependsOn) if (names.has(d)) deps.add(d);
    for (const d of referencedResources([r.properties, r.metadata], names, conditions)) deps.add(d);
    out.set(r.name, deps);
  }
  return out;
}

/** Refuses a graph with a cycle, naming it (Heat: "Circular Dependency Found"). */
export function assertAcyclic(graph: Map<string, Set<string>>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    // Iterative enough for 1000 resources: recursion depth is at most the chain length.
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      const s = state.get(d);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(d)), d];
        throw new TemplateError(`Circular Dependency Found: ${cycle.join(' -> ')}`, ['resources', n]);
      }
      if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
}
