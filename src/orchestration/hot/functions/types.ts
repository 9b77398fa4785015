/** What every intrinsic function implementation provides: a static check at load and an evaluation. */
import type { TemplatePath } from '../errors.js';
import type { HotVersion } from '../versions.js';
import type { ResolveContext } from '../types.js';

/** Returned by a 2-argument `if` (wallaby) whose condition is false: the enclosing item is left out. */
export const ELIDED: unique symbol = Symbol('elided');

/**
 * Where a snippet sits: 'value' (properties, metadata, outputs: every function of the version),
 * 'condition' (something that must be a condition: a boolean, a condition's name or a condition function),
 * 'condvalue' (an argument of a condition function such as equals: any literal, condition functions only).
 */
export type WalkMode = 'value' | 'condition' | 'condvalue';

/** What the load-time check knows about the template around a snippet. */
export interface CheckScope {
  version: HotVersion;
  parameters: ReadonlySet<string>;
  resources: ReadonlySet<string>;
  conditions: ReadonlySet<string>;
  files: Readonly<Record<string, string>>;
  /** Resource names this snippet refers to (get_resource, get_attr, Ref) are added here. */
  refs: Set<string>;
  /** Walks a nested snippet in value or condition mode. */
  walk(snippet: unknown, path: TemplatePath, mode: WalkMode): void;
}

/** What evaluation needs: the stack's view plus the version and files. */
export interface EvalScope {
  version: HotVersion;
  files: Readonly<Record<string, string>>;
  conditionNames: ReadonlySet<string>;
  /** Resources that exist in the stack: the template's, less those whose condition is false. */
  resourceNames: ReadonlySet<string>;
  /** Every resource of the template, for telling 'absent by condition' from 'unknown'. */
  allResourceNames: ReadonlySet<string>;
  ctx: ResolveContext;
  /** Resolves a nested snippet (functions inside it included) in value or condition mode. */
  resolve(snippet: unknown, path: TemplatePath, mode: WalkMode): unknown;
  /** Evaluates a condition argument (a condition name, a boolean or an inline condition function). */
  condition(arg: unknown, path: TemplatePath): boolean;
}

export interface FnDef {
  /** Load-time checks of the raw arguments (shapes Heat checks when it parses, references that must
   * exist). Throws TemplateError with a path inside `path` (the function's own path, name included). */
  check(name: string, args: unknown, path: TemplatePath, scope: CheckScope): void;
  /** Whether `check` walks the arguments itself (e.g. `if`, whose first argument is a condition). */
  walksOwnArgs?: boolean;
  /** Whether evaluate receives raw arguments (macros such as `if` that resolve only what they pick). */
  lazy?: boolean;
  /** The function's value; `args` are resolved unless `lazy`. */
  evaluate(name: string, args: unknown, path: TemplatePath, scope: EvalScope): unknown;
}
