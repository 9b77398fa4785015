/** Small argument helpers shared by the function implementations; each throws Heat's kind of message. */
import { TemplateError, type TemplatePath } from '../errors.js';
import { isMapping, type Mapping } from '../parse.js';
import { ALL_FUNCTION_NAMES } from '../versions.js';

/** Whether a single-key map with this key is a function call. Heat treats a single key naming one of the
 * version's functions as a call; we also treat every name any version knows and every `Fn::` name as one,
 * so a function used in the wrong version or misspelt CloudFormation is an error, not a silent map. */
export function isFunctionName(key: string): boolean {
  return ALL_FUNCTION_NAMES.has(key) || key.startsWith('Fn::');
}

/** A single-key map whose key is a function name is a call; this says which, without judging the name. */
export function callOf(v: unknown, isName: (k: string) => boolean): [string, unknown] | undefined {
  if (!isMapping(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0] as string;
  return isName(k) ? [k, v[k]] : undefined;
}

export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** Whether a raw argument is a function call, so its final shape is unknown at load. */
export function isCallLike(v: unknown): boolean {
  if (!isMapping(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && isFunctionName(keys[0] as string);
}

export function err(message: string, path: TemplatePath): TemplateError {
  return new TemplateError(message, path);
}

/** Python's str() of a JSON-ish value, for messages and for str_replace values. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNum(v);
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

function pyNum(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** Python's repr() of a JSON-ish value (messages only). */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/** Python's json.dumps(v, sort_keys=True) with its default separators (", " and ": "). */
export function jsonDumpsSorted(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyNum(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(jsonDumpsSorted).join(', ')}]`;
  if (isMapping(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${jsonDumpsSorted(k)}: ${jsonDumpsSorted(v[k])}`).join(', ')}}`;
  }
  return JSON.stringify(String(v));
}

/** Python's == on JSON-ish values (True == 1 and 1 == 1.0 included, as Heat compares with it). */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' && typeof b === 'number') return (a ? 1 : 0) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === (b ? 1 : 0);
  if (a === null || a === undefined) return b === null || b === undefined;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isMapping(a)) {
    if (!isMapping(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return a === b;
}

export function asMapping(v: unknown): Mapping | undefined {
  return isMapping(v) ? v : undefined;
}
