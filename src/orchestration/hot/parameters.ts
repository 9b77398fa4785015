/**
 * Parameter definitions (heat/engine/hot/parameters.py) and their values (heat/engine/parameters.py):
 * types, conversion, constraints, defaults from the template and the environment, immutability.
 */
import { TemplateError } from './errors.js';
import { isMapping } from './parse.js';
import { atLeast, type HotVersion } from './versions.js';
import type { Constraint, ParameterDef, ParameterType, ParameterValues, Template } from './types.js';
import type { Environment } from './environment.js';
import { jsonDumpsSorted, pyEquals, pyStr } from './functions/args.js';

export type ConstraintChecker = (constraint: string, value: unknown) => Promise<string | null>;

const TYPES: readonly ParameterType[] = ['string', 'number', 'comma_delimited_list', 'json', 'boolean'];
const BASE_KEYS = ['type', 'description', 'default', 'schema', 'constraints', 'hidden', 'label', 'immutable'];
const CONSTRAINT_KEYS = ['length', 'range', 'modulo', 'allowed_values', 'allowed_pattern', 'custom_constraint', 'description'];

/** Which parameter types each constraint applies to (heat/engine/constraints.py valid_types). */
const VALID_FOR: Record<Constraint['kind'], readonly ParameterType[]> = {
  length: ['string', 'comma_delimited_list', 'json'],
  range: ['number'],
  modulo: ['number'],
  allowed_values: ['string', 'number', 'boolean', 'comma_delimited_list'],
  allowed_pattern: ['string'],
  custom_constraint: ['string', 'number', 'boolean', 'comma_delimited_list'],
};
const CLASS_NAMES: Record<Constraint['kind'], string> = {
  length: 'Length', range: 'Range', modulo: 'Modulo', allowed_values: 'AllowedValues', allowed_pattern: 'AllowedPattern', custom_constraint: 'CustomConstraint',
};

/** Python's str_to_num: int when it parses as one, else float, else an error. */
export function strToNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^[+-]?(\d+(_\d+)*)$/.test(s)) return Number.parseInt(s.replace(/_/g, ''), 10);
    if (/^[+-]?((\d+\.?\d*)|(\.\d+))([eE][+-]?\d+)?$/.test(s)) return Number.parseFloat(s);
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    throw new Error(`could not convert string to float: '${v}'`);
  }
  throw new Error(`float() argument must be a string or a number, not '${v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v}'`);
}

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];
/** oslo's bool_from_string(strict=True). */
export function boolFromString(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const s = pyStr(v).trim().toLowerCase();
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  throw new Error(`Unrecognized value '${pyStr(v)}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
}

function num(v: unknown, what: string, path: (string | number)[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  try { return strToNum(v); } catch { throw new TemplateError(`${what} must be numeric`, path); }
}

/** Compiles allowed_pattern so it matches as Python's re.match does (anchored at the start, the first
 * match found must reach the end): a sticky regexp, with Python-only syntax translated. */
export function compilePattern(pattern: string): RegExp {
  // Python's global inline flags at the start, e.g. (?i); JavaScript takes them as RegExp flags.
  let flags = 'y';
  let body = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline !== null) {
    const letters = inline[1] as string;
    if (letters.includes('x')) throw new Error('verbose patterns ((?x)) are not supported');
    for (const f of ['i', 'm', 's']) if (letters.includes(f)) flags += f;
    body = body.slice(inline[0].length);
  }
  const js = body
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  return new RegExp(js, flags);
}

function parseConstraint(c: unknown, type: ParameterType, version: HotVersion, path: (string | number)[]): Constraint {
  if (!isMapping(c)) throw new TemplateError('Invalid parameter constraints, expected a mapping', path);
  for (const k of Object.keys(c)) if (!CONSTRAINT_KEYS.includes(k)) throw new TemplateError(`Invalid key '${k}' for parameter constraints`, [...path, k]);
  const description = typeof c.description === 'string' ? c.description : undefined;
  const d = description === undefined ? {} : { description };
  let out: Constraint;
  if ('range' in c || 'length' in c) {
    const kind = 'range' in c ? 'range' : 'length';
    const def = c[kind];
    const p = [...path, kind];
    if (!isMapping(def)) throw new TemplateError(`Invalid ${kind} constraint, expected a mapping`, p);
    for (const k of Object.keys(def)) if (k !== 'min' && k !== 'max') throw new TemplateError(`Invalid key '${k}' for ${kind} constraint`, [...p, k]);
    const min = num(def.min, kind === 'range' ? 'min/max' : 'min/max length', p);
    const max = num(def.max, kind === 'range' ? 'min/max' : 'min/max length', p);
    if (min === undefined && max === undefined) throw new TemplateError(`A ${kind} constraint must have a min value and/or a max value specified.`, p);
    if (kind === 'length' && ((min !== undefined && !Number.isInteger(min)) || (max !== undefined && !Number.isInteger(max)))) throw new TemplateError('min/max length must be integral', p);
    out = { kind, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), ...d };
  } else if ('modulo' in c) {
    const p = [...path, 'modulo'];
    if (!atLeast(version, '2017-02-24')) throw new TemplateError(`The modulo constraint requires heat_template_version 2017-02-24 or later (this template is ${version})`, p);
    const def = c.modulo;
    if (!isMapping(def)) throw new TemplateError('Invalid modulo constraint, expected a mapping', p);
    for (const k of Object.keys(def)) if (k !== 'step' && k !== 'offset') throw new TemplateError(`Invalid key '${k}' for modulo constraint`, [...p, k]);
    const step = num(def.step, 'step/offset', p);
    const offset = num(def.offset, 'step/offset', p);
    if (step === undefined || offset === undefined) throw new TemplateError('A modulo constraint must have a step value and an offset value specified.', p);
    if (!Number.isInteger(step) || !Number.isInteger(offset)) throw new TemplateError('step/offset must be integer', p);
    if (step === 0) throw new TemplateError('step cannot be 0.', p);
    if (Math.abs(offset) >= Math.abs(step)) throw new TemplateError('offset must be smaller (by absolute value) than step.', p);
    if (step * offset < 0) throw new TemplateError('step and offset must be both positive or both negative.', p);
    out = { kind: 'modulo', step, offset, ...d };
  } else if ('allowed_values' in c) {
    if (!Array.isArray(c.allowed_values)) throw new TemplateError('AllowedValues must be a list', [...path, 'allowed_values']);
    out = { kind: 'allowed_values', values: c.allowed_values, ...d };
  } else if ('allowed_pattern' in c) {
    const pattern = c.allowed_pattern;
    if (typeof pattern !== 'string') throw new TemplateError('AllowedPattern must be a string', [...path, 'allowed_pattern']);
    try { compilePattern(pattern); } catch (e) { throw new TemplateError(`Invalid allowed_pattern "${pattern}": ${e instanceof Error ? e.message : String(e)}`, [...path, 'allowed_pattern']); }
    out = { kind: 'allowed_pattern', pattern, ...d };
  } else if ('custom_constraint' in c) {
    if (typeof c.custom_constraint !== 'string') throw new TemplateError('custom_constraint must be a string', [...path, 'custom_constraint']);
    out = { kind: 'custom_constraint', name: c.custom_constraint, ...d };
  } else {
    throw new TemplateError('No constraint expressed', path);
  }
  if (!VALID_FOR[out.kind].includes(type)) throw new TemplateError(`${CLASS_NAMES[out.kind]} constraint invalid for ${type}`, path);
  return out;
}

function flag(v: unknown, key: string, path: (string | number)[]): boolean {
  if (v === undefined || v === null) return false;
  try { return boolFromString(v); } catch { throw new TemplateError(`"${key}" must be a boolean`, [...path, key]); }
}

/** A parameter's definition from the template's `parameters` section. */
export function parseParameter(name: string, schema: unknown, version: HotVersion): ParameterDef {
  const path = ['parameters', name];
  if (!isMapping(schema)) throw new TemplateError(`Invalid parameter (${name}), expected a mapping`, path);
  const keys = atLeast(version, '2018-03-02') ? [...BASE_KEYS, 'tags'] : BASE_KEYS;
  for (const k of Object.keys(schema)) if (!keys.includes(k)) throw new TemplateError(`Invalid key '${k}' for parameter (${name})`, [...path, k]);
  if (!('type' in schema)) throw new TemplateError(`Missing parameter type for parameter: ${name}`, path);
  const type = schema.type;
  if (typeof type !== 'string' || !TYPES.includes(type as ParameterType)) throw new TemplateError(`Invalid type (${pyStr(type)}) for parameter ${name}`, [...path, 'type']);
  const ptype = type as ParameterType;
  let constraints: Constraint[] = [];
  if (schema.constraints !== undefined && schema.constraints !== null) {
    if (!Array.isArray(schema.constraints)) throw new TemplateError(`Invalid parameter constraints for parameter ${name}, expected a list`, [...path, 'constraints']);
    constraints = schema.constraints.map((c, i) => parseConstraint(c, ptype, version, [...path, 'constraints', i]));
  }
  if (schema.tags !== undefined && (!Array.isArray(schema.tags) || !schema.tags.every((t) => typeof t === 'string'))) {
    throw new TemplateError(`Tags property should be a list for parameter: ${name}`, [...path, 'tags']);
  }
  for (const k of ['label', 'description'] as const) {
    if (schema[k] !== undefined && schema[k] !== null && typeof schema[k] !== 'string') throw new TemplateError(`"${k}" of parameter ${name} must be a string`, [...path, k]);
  }
  const def: ParameterDef = {
    name,
    type: ptype,
    hidden: flag(schema.hidden, 'hidden', path),
    immutable: flag(schema.immutable, 'immutable', path),
    constraints,
    ...(typeof schema.label === 'string' ? { label: schema.label } : {}),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    ...(schema.default !== undefined && schema.default !== null ? { default: schema.default } : {}),
    ...(Array.isArray(schema.tags) ? { tags: schema.tags as string[] } : {}),
  };
  if (def.default !== undefined) {
    try {
      checkConstraintsSync(def, convert(def, def.default));
    } catch (e) {
      const why = e instanceof TemplateError ? e.problem : e instanceof Error ? e.message : String(e);
      throw new TemplateError(`Parameter '${name}' is invalid: Invalid default ${pyStr(def.default)} (${why})`, [...path, 'default']);
    }
  }
  return def;
}

/** A raw value (from the API, an environment or a default) as the parameter's type. */
export function convert(def: ParameterDef, raw: unknown): unknown {
  switch (def.type) {
    case 'string':
      if (isMapping(raw) || Array.isArray(raw)) throw new Error(`Value "${jsonDumpsSorted(raw)}" is invalid for data type "string".`);
      return pyStr(raw);
    case 'number':
      return strToNum(raw);
    case 'boolean':
      return boolFromString(raw);
    case 'comma_delimited_list':
      if (Array.isArray(raw)) return raw.map((x) => pyStr(x));
      if (typeof raw === 'string') return raw === '' ? [] : raw.split(',');
      if (typeof raw === 'number') return [pyStr(raw)];
      throw new Error(`Value must be a comma-delimited list string: ${pyStr(raw)}`);
    case 'json':
      if (typeof raw === 'string') {
        if (raw === '') return {};
        try { return JSON.parse(raw) as unknown; } catch (e) { throw new Error(`Value must be valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
      }
      return raw;
    default: {
      const never: never = def.type;
      throw new Error(`Invalid Parameter type "${String(never)}"`);
    }
  }
}

function pyMod(a: number, b: number): number {
  return a - b * Math.floor(a / b);
}

/** The reason a value breaks a constraint (the constraint's description when it has one), or null. */
function violation(def: ParameterDef, c: Constraint, value: unknown): string | null {
  const reason = (msg: string): string => c.description ?? msg;
  switch (c.kind) {
    case 'length': {
      const len = typeof value === 'string' ? [...value].length : Array.isArray(value) ? value.length : isMapping(value) ? Object.keys(value).length : 0;
      if ((c.min !== undefined && len < c.min) || (c.max !== undefined && len > c.max)) {
        return reason(`length (${len}) is out of range (min: ${c.min ?? 'None'}, max: ${c.max ?? 'None'})`);
      }
      return null;
    }
    case 'range': {
      const n = value as number;
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) {
        return reason(`${pyStr(n)} is out of range (min: ${c.min ?? 'None'}, max: ${c.max ?? 'None'})`);
      }
      return null;
    }
    case 'modulo': {
      const n = value as number;
      return pyMod(n, c.step) !== c.offset ? reason(`${pyStr(n)} is not a multiple of ${c.step} with an offset of ${c.offset}`) : null;
    }
    case 'allowed_values': {
      const allowed = c.values.map((a) => {
        try { return def.type === 'comma_delimited_list' ? a : convert(def, a); } catch { return a; }
      });
      const ok = Array.isArray(value)
        ? value.every((v) => allowed.some((a) => pyEquals(a, v)))
        : allowed.some((a) => pyEquals(a, value));
      return ok ? null : reason(`${jsonDumpsSorted(value)} is not an allowed value [${c.values.map(jsonDumpsSorted).join(', ')}]`);
    }
    case 'allowed_pattern': {
      const s = String(value);
      const re = compilePattern(c.pattern);
      re.lastIndex = 0;
      const m = re.exec(s);
      return m !== null && m[0].length === s.length ? null : reason(`"${s}" does not match pattern "${c.pattern}"`);
    }
    case 'custom_constraint':
      return null;
    default: {
      const never: never = c;
      return String(never);
    }
  }
}

function checkConstraintsSync(def: ParameterDef, value: unknown): void {
  for (const c of def.constraints) {
    const why = violation(def, c, value);
    if (why !== null) throw new Error(why);
  }
}

/**
 * Applies env parameters/parameter_defaults and the given values, converts types, checks every constraint
 * (custom ones through `checker`). `previous` is the stack's current values: immutable parameters must keep
 * them, and with `options.existing` (PATCH) they fill in whatever is not given anew.
 */
export async function resolveParameters(
  t: Template, env: Environment, given: Record<string, unknown>, checker?: ConstraintChecker,
  previous?: ParameterValues, options: { existing?: boolean; allowMissing?: boolean } = {},
): Promise<ParameterValues> {
  for (const k of Object.keys(env.parameters)) {
    if (!Object.hasOwn(t.parameters, k)) throw new TemplateError(`The Parameter (${k}) was not defined in template.`, ['parameters', k], { heatType: 'UnknownUserParameter' });
  }
  for (const k of Object.keys(given)) {
    if (!Object.hasOwn(t.parameters, k)) throw new TemplateError(`The Parameter (${k}) was not defined in template.`, ['parameters', k], { heatType: 'UnknownUserParameter' });
  }
  const out: ParameterValues = {};
  const immutableChanged: string[] = [];
  for (const def of Object.values(t.parameters)) {
    const path = ['parameters', def.name];
    let raw: unknown;
    if (Object.hasOwn(given, def.name) && given[def.name] !== null && given[def.name] !== undefined) raw = given[def.name];
    else if (Object.hasOwn(env.parameters, def.name) && env.parameters[def.name] !== null) raw = env.parameters[def.name];
    else if (options.existing === true && previous !== undefined && Object.hasOwn(previous, def.name)) raw = previous[def.name];
    else if (Object.hasOwn(env.parameterDefaults, def.name) && env.parameterDefaults[def.name] !== null) raw = env.parameterDefaults[def.name];
    else raw = def.default;
    if (raw === undefined || raw === null) {
      // /validate checks a template without values, as Heat's validate_template does (validate_value=False).
      if (options.allowMissing === true) continue;
      throw new TemplateError(`The Parameter (${def.name}) was not provided.`, path, { heatType: 'UserParameterMissing' });
    }
    let value: unknown;
    try {
      value = convert(def, raw);
      checkConstraintsSync(def, value);
    } catch (e) {
      throw new TemplateError(`Parameter '${def.name}' is invalid: ${e instanceof Error ? e.message : String(e)}`, path);
    }
    if (checker !== undefined) {
      for (const c of def.constraints) {
        if (c.kind !== 'custom_constraint') continue;
        const items = Array.isArray(value) ? value : [value];
        for (const item of items) {
          const why = await checker(c.name, item);
          if (why !== null) {
            throw new TemplateError(`Parameter '${def.name}' is invalid: ${c.description ?? `"${pyStr(item)}" does not validate ${c.name} (${why})`}`, path);
          }
        }
      }
    }
    if (def.immutable && previous !== undefined && Object.hasOwn(previous, def.name) && !pyEquals(previous[def.name], value)) {
      immutableChanged.push(def.name);
    }
    out[def.name] = value;
  }
  if (immutableChanged.length > 0) {
    throw new TemplateError(`The following parameters are immutable and may not be updated: ${immutableChanged.join(', ')}`, ['parameters', immutableChanged[0] as string], { heatType: 'ImmutableParameterModified' });
  }
  return out;
}
