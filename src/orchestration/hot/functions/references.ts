/**
 * Functions that read the stack: get_param, get_resource, get_attr (three variants), get_file,
 * resource_facade, and CloudFormation's Ref, Fn::ResourceFacade and Fn::GetAZs (2013-05-23 only).
 */
import type { TemplatePath } from '../errors.js';
import { isMapping } from '../parse.js';
import type { FnImpl } from '../versions.js';
import { PSEUDO_PARAMETERS } from '../types.js';
import { err, isCallLike, isList } from './args.js';
import type { CheckScope, EvalScope, FnDef } from './types.js';

function checkParamName(name: string, args: unknown, path: TemplatePath, scope: CheckScope): void {
  if (args === null || args === undefined || args === '' || (isList(args) && args.length === 0)) {
    throw err(`Function "${name}" must have arguments`, path);
  }
  let first: unknown;
  if (typeof args === 'string') first = args;
  else if (isList(args)) first = args[0];
  else if (isCallLike(args)) return;
  else throw err(`Argument to "${name}" must be string or list`, path);
  if (typeof first === 'string') {
    if (!scope.parameters.has(first) && !PSEUDO_PARAMETERS.includes(first)) {
      throw err(`The specified reference "${first}" (in ${name}) is incorrect: the template defines no such parameter`, isList(args) ? [...path, 0] : path);
    }
  } else if (!isCallLike(first)) {
    throw err(`Parameter name in "${name}" must be string`, path);
  }
}

/** Looks a parameter up among the given values and the pseudo-parameters. */
export function parameterValue(name: string, scope: EvalScope, path: TemplatePath): unknown {
  const { ctx } = scope;
  if (Object.hasOwn(ctx.params, name)) return ctx.params[name];
  if (name === 'OS::stack_name') return ctx.stack.name;
  if (name === 'OS::stack_id') return ctx.stack.id;
  if (name === 'OS::project_id') return ctx.stack.projectId;
  throw err(`The Parameter (${name}) was not provided.`, path);
}

/** get_param's path walk: a failed step makes the whole value '' (Heat's behaviour, not an error). */
function paramPath(value: unknown, components: unknown[], name: string, path: TemplatePath): unknown {
  let cur = value;
  for (const key of components) {
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw err(`Path components in "${name}" must be strings`, path);
    }
    if (isList(cur) || typeof cur === 'string') {
      let idx: number;
      if (typeof key === 'string') {
        if (!/^\s*[+-]?\d+\s*$/.test(key)) throw err(`Path components in '${name}' must be a string that can be parsed into an integer.`, path);
        idx = Number.parseInt(key, 10);
      } else {
        idx = key;
      }
      if (!Number.isInteger(idx)) return '';
      const n = cur.length;
      const i = idx < 0 ? n + idx : idx;
      if (i < 0 || i >= n) return '';
      cur = isList(cur) ? cur[i] : cur.charAt(i);
    } else if (isMapping(cur)) {
      if (typeof key !== 'string' || !Object.hasOwn(cur, key)) return '';
      cur = cur[key];
    } else {
      // Heat raises TypeError("can't traverse path") inside the walk and turns it into ''.
      return '';
    }
  }
  return cur;
}

const getParam: FnDef = {
  check: (name, args, path, scope) => checkParamName(name, args, path, scope),
  evaluate(name, args, path, scope) {
    if (args === null || args === undefined || args === '' || (isList(args) && args.length === 0)) throw err(`Function "${name}" must have arguments`, path);
    let pname: unknown;
    let rest: unknown[] = [];
    if (typeof args === 'string') pname = args;
    else if (isList(args)) { pname = args[0]; rest = args.slice(1); }
    else throw err(`Argument to "${name}" must be string or list`, path);
    if (typeof pname !== 'string') throw err(`Parameter name in "${name}" must be string`, path);
    return paramPath(parameterValue(pname, scope, path), rest, name, path);
  },
};

function requireResource(res: unknown, name: string, path: TemplatePath, known: ReadonlySet<string>, scope?: EvalScope): string {
  if (typeof res !== 'string' || !known.has(res)) {
    const why = scope !== undefined && typeof res === 'string' && scope.allResourceNames.has(res)
      ? 'its condition is false, so the stack has no such resource'
      : 'the template defines no such resource';
    throw err(`The specified reference "${typeof res === 'string' ? res : JSON.stringify(res)}" (in ${name}) is incorrect: ${why}`, path);
  }
  return res;
}

const getResource: FnDef = {
  check(name, args, path, scope) {
    if (typeof args === 'string') {
      requireResource(args, name, path, scope.resources);
      scope.refs.add(args);
    } else if (!isCallLike(args)) {
      throw err(`Argument to "${name}" must be a resource name (a string)`, path);
    }
  },
  evaluate(name, args, path, scope) {
    const res = requireResource(args, name, path, scope.resourceNames, scope);
    return scope.ctx.resourceRef(res);
  },
};

/** Heat's attributes.select_from_attribute: a failed step yields null. */
export function selectFromAttribute(value: unknown, components: unknown[], name: string, path: TemplatePath): unknown {
  let cur = value;
  for (const key of components) {
    if (!isList(cur) && !isMapping(cur) && typeof cur !== 'string') return null;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw err(`Path components in attributes must be strings (in ${name})`, path);
    }
    if (isMapping(cur)) {
      if (typeof key !== 'string' || !Object.hasOwn(cur, key)) return null;
      cur = cur[key];
    } else {
      if (typeof key !== 'number' || !Number.isInteger(key)) return null;
      const i = key < 0 ? cur.length + key : key;
      if (i < 0 || i >= cur.length) return null;
      cur = isList(cur) ? cur[i] : cur.charAt(i);
    }
  }
  return cur;
}

function getAttrDef(allowAll: boolean): FnDef {
  return {
    check(name, args, path, scope) {
      if (isCallLike(args)) return;
      if (!isList(args)) {
        if (allowAll && (args === null || args === undefined || args === '')) {
          throw err(`Arguments to "${name}" can be of the next forms: [resource_name] or [resource_name, attribute, (path), ...]`, path);
        }
        throw err(`Argument to "${name}" must be a list`, path);
      }
      if (allowAll ? args.length < 1 : args.length < 2) {
        throw err(allowAll
          ? `Arguments to "${name}" can be of the next forms: [resource_name] or [resource_name, attribute, (path), ...]`
          : `Arguments to "${name}" must be of the form [resource_name, attribute, (path), ...]`, path);
      }
      const res = args[0];
      if (typeof res === 'string') {
        requireResource(res, name, [...path, 0], scope.resources);
        scope.refs.add(res);
      } else if (!isCallLike(res)) {
        throw err(`Resource name in "${name}" must be a string`, [...path, 0]);
      }
      if (args.length > 1 && typeof args[1] !== 'string' && !isCallLike(args[1])) {
        throw err(`Attribute name in "${name}" must be a string`, [...path, 1]);
      }
    },
    evaluate(name, args, path, scope) {
      if (!isList(args) || args.length < (allowAll ? 1 : 2)) throw err(`Argument to "${name}" must be a list`, path);
      const res = requireResource(args[0], name, path, scope.resourceNames, scope);
      if (args.length === 1) return scope.ctx.resourceAttr(res, undefined) ?? null;
      const attr = args[1];
      if (typeof attr !== 'string') throw err(`Attribute name in "${name}" must be a string`, path);
      const value = scope.ctx.resourceAttr(res, attr);
      if (value === null || value === undefined) return null;
      return selectFromAttribute(value, args.slice(2), name, path);
    },
  };
}

const getFile: FnDef = {
  check(name, args, path, scope) {
    // The client inlines files before the request, so the key must be static: a function here could
    // name no file the client sent.
    if (typeof args !== 'string') throw err(`Argument to "${name}" must be a string`, path);
    if (!Object.hasOwn(scope.files, args)) {
      throw err(`No content found in the "files" section for ${name} path: ${args}`, path);
    }
  },
  evaluate(name, args, path, scope) {
    if (typeof args !== 'string') throw err(`Argument to "${name}" must be a string`, path);
    const f = Object.hasOwn(scope.files, args) ? scope.files[args] : undefined;
    if (f === undefined) throw err(`No content found in the "files" section for ${name} path: ${args}`, path);
    return f;
  },
};

const FACADE_HOT = ['metadata', 'deletion_policy', 'update_policy'] as const;
const FACADE_CFN = ['Metadata', 'DeletionPolicy', 'UpdatePolicy'] as const;

function facadeDef(allowed: readonly string[]): FnDef {
  return {
    check(name, args, path) {
      if (typeof args !== 'string' || !allowed.includes(args)) {
        throw err(`Incorrect arguments to "${name}" should be one of: ${allowed.join(', ')}`, path);
      }
    },
    evaluate(name, args, path, scope) {
      const i = allowed.indexOf(String(args));
      const kind = FACADE_HOT[i];
      if (kind === undefined) throw err(`Incorrect arguments to "${name}" should be one of: ${allowed.join(', ')}`, path);
      if (scope.ctx.facade === undefined) {
        throw err(`"${name}" is only valid in a provider template (a template used as a resource type)`, path);
      }
      return scope.ctx.facade(kind) ?? null;
    },
  };
}

/** CloudFormation's Ref: a resource's reference id when it names a resource, else a parameter's value. */
const cfnRef: FnDef = {
  check(name, args, path, scope) {
    if (typeof args !== 'string') {
      if (isCallLike(args)) return;
      throw err(`Argument to "${name}" must be a string`, path);
    }
    if (scope.resources.has(args)) scope.refs.add(args);
    else if (!scope.parameters.has(args) && !PSEUDO_PARAMETERS.includes(args) && !args.startsWith('AWS::')) {
      throw err(`The specified reference "${args}" (in ${name}) is incorrect.`, path);
    }
  },
  evaluate(name, args, path, scope) {
    if (typeof args === 'string' && scope.resourceNames.has(args)) return scope.ctx.resourceRef(args);
    if (typeof args === 'string' && args === 'AWS::StackName') return scope.ctx.stack.name;
    if (typeof args === 'string' && args === 'AWS::StackId') return scope.ctx.stack.id;
    if (typeof args === 'string' && args === 'AWS::Region') return 'RegionOne';
    if (typeof args !== 'string') throw err(`Argument to "${name}" must be a string`, path);
    if (!Object.hasOwn(scope.ctx.params, args) && !PSEUDO_PARAMETERS.includes(args)) {
      throw err(`The specified reference "${args}" (in ${name}) is incorrect.`, path);
    }
    return parameterValue(args, scope, path);
  },
};

const cfnGetAZs: FnDef = {
  check: () => undefined,
  // Flotilla has one availability zone, as Nova reports it.
  evaluate: () => ['nova'],
};

export const REFERENCE_FUNCTIONS: Partial<Record<FnImpl, FnDef>> = {
  get_param: getParam,
  get_resource: getResource,
  get_attr_then_select: getAttrDef(false),
  get_attr: getAttrDef(false),
  get_attr_all: getAttrDef(true),
  get_file: getFile,
  resource_facade: facadeDef(FACADE_HOT),
  cfn_resource_facade: facadeDef(FACADE_CFN),
  cfn_ref: cfnRef,
  cfn_getazs: cfnGetAZs,
};

