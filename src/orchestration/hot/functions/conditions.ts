/** Condition functions (equals, not, and, or, contains as a condition) and `if`, which picks a branch by a
 * condition; from wallaby a 2-argument `if` whose condition is false elides the item holding it. */
import { TemplateError } from '../errors.js';
import type { FnImpl } from '../versions.js';
import { err, isCallLike, isList, pyEquals } from './args.js';
import { ELIDED, type FnDef } from './types.js';

function ifDef(nullable: boolean): FnDef {
  const form = (name: string): string => `Arguments to "${name}" must be of the form: [condition_name, value_if_true, value_if_false]`;
  const ok = (args: unknown): args is unknown[] => isList(args) && (args.length === 3 || (nullable && args.length === 2));
  return {
    walksOwnArgs: true,
    lazy: true,
    check(name, args, path, scope) {
      if (!ok(args)) throw err(form(name), path);
      scope.walk(args[0], [...path, 0], 'condition');
      scope.walk(args[1], [...path, 1], 'value');
      if (args.length === 3) scope.walk(args[2], [...path, 2], 'value');
    },
    evaluate(name, args, path, scope) {
      if (!ok(args)) throw err(form(name), path);
      const chosen = scope.condition(args[0], [...path, 0]);
      if (chosen) return scope.resolve(args[1], [...path, 1], 'value');
      if (args.length === 2) return ELIDED;
      return scope.resolve(args[2], [...path, 2], 'value');
    },
  };
}

const equals: FnDef = {
  check(name, args, path) {
    if (!isList(args) || args.length !== 2) {
      if (isCallLike(args)) return;
      throw err(`Arguments to "${name}" must be of the form: [value_1, value_2]`, path);
    }
  },
  evaluate(name, args, path) {
    if (!isList(args) || args.length !== 2) throw err(`Arguments to "${name}" must be of the form: [value_1, value_2]`, path);
    return pyEquals(args[0], args[1]);
  },
};

const not: FnDef = {
  walksOwnArgs: true,
  lazy: true,
  check(name, args, path, scope) {
    if (args === null || args === undefined) throw err(`Argument to "${name}" must be a condition`, path);
    scope.walk(args, [...path], 'condition');
  },
  evaluate(_name, args, path, scope) {
    return !scope.condition(args, path);
  },
};

function boolDef(kind: 'and' | 'or'): FnDef {
  return {
    walksOwnArgs: true,
    lazy: true,
    check(name, args, path, scope) {
      if (!isList(args)) throw err(`Arguments to "${name}" must be a list of conditions`, path);
      if (args.length < 2) throw err(`The minimum number of condition arguments to "${name}" is 2.`, path);
      args.forEach((a, i) => scope.walk(a, [...path, i], 'condition'));
    },
    evaluate(name, args, path, scope) {
      if (!isList(args) || args.length < 2) throw err(`Arguments to "${name}" must be a list of conditions`, path);
      // Heat evaluates with all()/any(), which stop at the first decisive condition.
      return kind === 'and'
        ? args.every((a, i) => scope.condition(a, [...path, i]))
        : args.some((a, i) => scope.condition(a, [...path, i]));
    },
  };
}

/** yaql: rejected (docs/decisions/0012-hot-yaql.md): no maintained YAQL exists for JavaScript, and a
 * partial one would give different answers from Heat without saying so. */
export const YAQL_UNSUPPORTED = 'The yaql function is not supported by Flotilla';
const yaql: FnDef = {
  walksOwnArgs: true,
  check(_name, _args, path) { throw new TemplateError(YAQL_UNSUPPORTED, path); },
  evaluate(_name, _args, path) { throw new TemplateError(YAQL_UNSUPPORTED, path); },
};

export const CONDITION_FUNCTIONS: Partial<Record<FnImpl, FnDef>> = {
  if: ifDef(false),
  if_nullable: ifDef(true),
  equals,
  not,
  and: boolDef('and'),
  or: boolDef('or'),
  yaql,
};
